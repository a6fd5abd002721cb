"""Benchmark the monthly service-credit evaluation and its invoice lines.

The database holds 1,000 customer contracts with an SLA tier (the four
shipped tiers in turn), each with one monthly service line (pre-paid, next
invoice on the first day after the evaluated month), 500,000 closed tickets
with two stopped clocks each (1,000,000 clocks, ``report_date`` and
``contract_id`` set) spread over 24 months, so about 4% of them report in
the evaluated month; 6.6% of the tickets breached (per contract from none to
20%), and 24,000 downtime incidents (some planned, announced in time or
not). One contract in 50 is in measurement-only mode, so its credits are
"would have been". Each figure is a median over several runs, each rolled
back:

* ``sla.credit.evaluation._evaluate()`` of the 1,000 contracts for one month
  (credits created and checked), with its commit work (flush, tracking), and
  the number of queries it runs;
* the same for 100 of those contracts: the query count must not grow with
  the contracts (set-based), only by a small constant;
* the same two for a quarter's last month, which also records the quarter's
  bonuses;
* OCA contract's own invoicing of the 1,000 contracts
  (``contract.contract._cron_recurring_create()``), with no approved credit
  and after approving the evaluated credits, so that an invoice gains one
  credit line per approved non-zero credit (checked). The two take turns,
  run after run, and their ratio is the median of the rounds' ratios.

The query counts are of every cursor of the thread, commit work included;
the script lists the queries that run more often for more contracts (or with
credit lines), which point at the code to blame.

Usage::

    .venv/bin/python bench/credits_job.py [--runs 5] [--invoice-runs 5]
                                          [--profile] [--drop]

The database ``sla_bench_credits`` is created through the project's Odoo
command line and filled with SQL once, then reused (``sla_credits`` is
updated in it first). PostgreSQL is reached as ``bench/odoo_db.py`` says.
Exits non-zero when a check fails or a target is missed: an evaluation of
the 1,000 contracts within 10 s, at most 90 more queries for them than for
100 (see TARGET_QUERY_GROWTH), and the credit lines adding at most 20% to
the invoicing.
"""

import argparse
import contextlib
import cProfile
import pstats
import re
import statistics
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

# the shared bootstrap sits next to this script, whatever the working directory
sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_db

DB = "sla_bench_credits"
CONTRACTS = 1_000
SUBSET = 100
TICKETS = 500_000  # two stopped clocks each
INCIDENTS = 24_000
HISTORY_START = date(2024, 6, 1)
HISTORY_END = date(2026, 6, 1)  # 24 months of tickets and incidents
PERIOD = date(2026, 5, 1)  # the evaluated month: no quarter ends in it
QUARTER_PERIOD = date(2026, 3, 1)  # a quarter's last month: bonuses too
INVOICE_DATE = date(2026, 6, 1)  # every contract's next invoice
MEASUREMENT_ONLY_EVERY = 50
TIERS = {  # shipped tier: the monthly fee of its contracts
    "sla_contract.sla_tier_bronze": 500.0,
    "sla_contract.sla_tier_silver": 1000.0,
    "sla_contract.sla_tier_gold": 2000.0,
    "sla_contract.sla_tier_platinum": 4000.0,
}
MARKER = "sla_bench.credits_job"
# bump when the generated rows change, so a reused database is refilled
DATA_VERSION = 4
SHAPE = f"{CONTRACTS}/{TICKETS * 2}/{INCIDENTS} v{DATA_VERSION}"
TARGET_EVAL_S = 10.0
# From 100 to 1,000 contracts: a loop over contracts adds at least 900
# queries; set-based code adds only what the ORM splits in batches of 100 rows
# (models.INSERT_BATCH_SIZE, UPDATE_BATCH_SIZE): 9 per batched statement, so
# 90 allows ten of them (the credits, their creation messages, ...).
TARGET_QUERY_GROWTH = 90
TARGET_INVOICE_OVERHEAD = 0.20


# ----------------------------------------------------------------------
# set-up, once per database
# ----------------------------------------------------------------------


def _populate(cr):
    """Fill the tables with SQL; Odoo's ORM would take an hour for this."""
    print(f"filling {DB}: {SHAPE} contracts/clocks/incidents ...", file=sys.stderr)

    def ref(name):
        return odoo_db.xmlid(cr, name)

    cr.execute("SELECT account_sale_tax_id FROM res_company WHERE id = 1")
    sale_tax = cr.fetchone()[0]
    cr.execute(
        "SELECT id FROM account_journal WHERE type = 'sale' AND company_id = 1"
        " ORDER BY sequence, id LIMIT 1"
    )
    journal = cr.fetchone()[0]
    admin = ref("base.user_admin")
    common = {
        "start": HISTORY_START,
        "span": (HISTORY_END - HISTORY_START).days * 86400,
        "contracts": CONTRACTS,
        "admin": admin,
    }
    # the service sold, taxed as the company's products are by default
    cr.execute(
        """
        INSERT INTO product_template (name, type, service_tracking, categ_id,
               uom_id, uom_po_id, list_price, sale_ok, purchase_ok, active,
               sequence, create_date, write_date, create_uid, write_uid)
        VALUES ('{"en_US": "Managed support"}', 'service', 'no', %s, %s, %s,
                1000, true, true, true, 1, now(), now(), 1, 1)
        RETURNING id
        """,
        [
            ref("product.product_category_all"),
            ref("uom.product_uom_unit"),
            ref("uom.product_uom_unit"),
        ],
    )
    template = cr.fetchone()[0]
    cr.execute(
        "INSERT INTO product_product (product_tmpl_id, active, combination_indices,"
        " create_date, write_date, create_uid, write_uid)"
        " VALUES (%s, true, '', now(), now(), 1, 1) RETURNING id",
        [template],
    )
    product = cr.fetchone()[0]
    if sale_tax:
        cr.execute(
            "INSERT INTO product_taxes_rel (prod_id, tax_id) VALUES (%s, %s)",
            [template, sale_tax],
        )
    # one customer per contract
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, commercial_company_name,
               ref, is_company, active, type, lang, partner_share, color,
               customer_rank, supplier_rank, message_bounce, invoice_warn,
               autopost_bills, create_date, write_date, create_uid, write_uid)
        SELECT 'Bench customer ' || g, 'Bench customer ' || g,
               'Bench customer ' || g, 'BENCH-' || g, true, true, 'contact',
               'en_US', true, 0, 1, 0, 0, 'no-message', 'ask', now(), now(), 1, 1
          FROM generate_series(1, %(contracts)s) g
        """,
        common,
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE ref LIKE 'BENCH-%'"
    )
    # the tiers in turn; contracts 1..CONTRACTS as created by the admin
    tiers = [(ref(xmlid), fee) for xmlid, fee in TIERS.items()]
    cr.execute(
        """
        CREATE TEMP TABLE bench_tier ON COMMIT DROP AS
        SELECT t.id, t.calendar_id, t.dedicated_contact, v.fee, v.k - 1 AS k
          FROM unnest(%s::int[], %s::float[]) WITH ORDINALITY v(id, fee, k)
          JOIN sla_tier t ON t.id = v.id
        """,
        [[tier for tier, _fee in tiers], [fee for _tier, fee in tiers]],
    )
    cr.execute(
        """
        INSERT INTO contract_contract (name, code, partner_id, invoice_partner_id,
               commercial_partner_id, company_id, journal_id, user_id,
               contract_type, generation_type, line_recurrence,
               recurring_rule_type, recurring_interval, recurring_invoicing_type,
               date_start, date, last_date_invoiced, recurring_next_date, active,
               sla_tier_id, sla_calendar_id, sla_dedicated_contact,
               sla_date_start, sla_penalty_date, sla_measurement_only,
               sla_slo_percent, sla_notice_hours, sla_maintenance_allowance_hours,
               sla_credit_cap_percent, sla_uptime_per_started_hour,
               sla_right_to_terminate, create_date, write_date, create_uid,
               write_uid)
        SELECT 'Bench contract ' || g, p.ref, p.id, p.id, p.id, 1, %(journal)s,
               %(admin)s, 'sale', 'invoice', false, 'monthly', 1, 'pre-paid',
               %(start)s, %(start)s, %(invoiced)s, %(next)s, true,
               t.id, t.calendar_id, t.dedicated_contact,
               %(start)s, %(start)s::date + interval '6 months',
               g %% %(every)s = 0, 50, 48, 4, 100, false, false,
               now(), now(), %(admin)s, %(admin)s
          FROM generate_series(1, %(contracts)s) g
          JOIN res_partner p ON p.ref = 'BENCH-' || g
          JOIN bench_tier t ON t.k = g %% 4
         ORDER BY g
        """,
        {
            **common,
            "journal": journal,
            "invoiced": INVOICE_DATE - timedelta(days=1),
            "next": INVOICE_DATE,
            "every": MEASUREMENT_ONLY_EVERY,
        },
    )
    cr.execute(
        """
        INSERT INTO contract_line (contract_id, sequence, company_id, partner_id,
               product_id, uom_id, name, quantity, specific_price, discount,
               automatic_price, is_canceled, active, recurring_rule_type,
               recurring_interval, recurring_invoicing_type, note_invoicing_mode,
               date_start, last_date_invoiced, recurring_next_date,
               monthly_recurring, create_date, write_date, create_uid, write_uid)
        SELECT c.id, 10, 1, c.partner_id, %(product)s, %(uom)s,
               'Managed support from #START# to #END#', 1, t.fee, 0, false,
               false, true, 'monthly', 1, 'pre-paid', 'with_previous_line',
               c.date_start, c.last_date_invoiced, c.recurring_next_date, t.fee,
               now(), now(), %(admin)s, %(admin)s
          FROM contract_contract c JOIN bench_tier t ON t.id = c.sla_tier_id
         WHERE c.code LIKE 'BENCH-%%'
        """,
        {**common, "product": product, "uom": ref("uom.product_uom_unit")},
    )
    # the followers the ORM gives a contract the admin creates: the admin
    # (discussions, invoice created) and the customer (modifications)
    cr.execute(
        """
        INSERT INTO mail_followers (res_model, res_id, partner_id)
        SELECT 'contract.contract', c.id, p.partner_id
          FROM contract_contract c
         CROSS JOIN LATERAL (VALUES (%(admin_partner)s), (c.partner_id)) p(partner_id)
         WHERE c.code LIKE 'BENCH-%%'
        """,
        {"admin_partner": ref("base.partner_admin")},
    )
    cr.execute(
        """
        INSERT INTO mail_followers_mail_message_subtype_rel
               (mail_followers_id, mail_message_subtype_id)
        SELECT f.id, s.subtype
          FROM mail_followers f
          JOIN contract_contract c ON c.id = f.res_id AND c.code LIKE 'BENCH-%%'
         CROSS JOIN LATERAL (
               SELECT unnest(CASE WHEN f.partner_id = c.partner_id
                                  THEN ARRAY[%(modification)s]
                                  ELSE ARRAY[%(comment)s, %(invoiced)s] END)
               ) s(subtype)
         WHERE f.res_model = 'contract.contract'
        """,
        {
            "modification": ref("contract.mail_message_subtype_contract_modification"),
            "comment": ref("mail.mt_comment"),
            "invoiced": ref("contract.mail_message_subtype_invoice_created"),
        },
    )
    # Per contract (k = 0..999), the share of its tickets breached, in per
    # mille: from none to 196, 66 on average, most contracts near the bottom.
    cr.execute(
        """
        CREATE TEMP TABLE bench_contract ON COMMIT DROP AS
        SELECT c.id, c.partner_id, c.sla_tier_id AS tier,
               c.sla_calendar_id AS calendar,
               row_number() OVER (ORDER BY c.id) - 1 AS k,
               ((row_number() OVER (ORDER BY c.id) - 1) * 37 % 100) ^ 2 / 50
                   AS breach_permille
          FROM contract_contract c
         WHERE c.code LIKE 'BENCH-%'
        """
    )
    cr.execute("CREATE INDEX ON bench_contract (k)")
    cr.execute("ANALYZE bench_contract")
    # tickets: one contract after the other, opened any second of 24 months
    cr.execute(
        """
        INSERT INTO helpdesk_ticket (number, name, description, company_id,
               partner_id, commercial_partner_id, stage_id, priority, active,
               rating_status, sla_contract_id, sla_tier_id, closed_date,
               create_date, write_date, create_uid, write_uid)
        SELECT 'CREDIT' || g, 'Bench ticket ' || g, '<p>bench</p>', 1,
               c.partner_id, c.partner_id, %(stage_done)s,
               (abs(hashtext('p' || g)::bigint) %% 4)::text, true,
               'no_rate', c.id, c.tier, s.opened + interval '3 days',
               s.opened, s.opened, 1, 1
          FROM generate_series(1, %(tickets)s) g
          JOIN bench_contract c ON c.k = g %% %(contracts)s
         CROSS JOIN LATERAL (
               SELECT %(start)s::timestamp
                      + (g::bigint * 7919) %% %(span)s * interval '1 second'
                      AS opened) s
         ORDER BY g
        """,
        {
            **common,
            "tickets": TICKETS,
            "stage_done": ref("helpdesk_mgmt.helpdesk_ticket_stage_done"),
        },
    )
    # Two stopped clocks per ticket. A breached ticket breaches its response
    # clock, its resolution clock or both; a met clock stops at 5-94% of its
    # target, a breached one 0-10 hours after its deadline. The report date is
    # the day of the breach, else of the stop (as sla.clock.write sets it).
    cr.execute(
        """
        INSERT INTO sla_clock (ticket_id, metric, cycle, company_id, partner_id,
               contract_id, tier_id, calendar_id, ticket_priority, target_minutes,
               slo_percent, at_risk_percent, start_at, deadline, slo_deadline,
               at_risk_at, state, stopped_at, breached_at, report_date,
               consumed_minutes, paused_minutes, at_risk_reached, slo_missed,
               create_date, write_date, create_uid, write_uid)
        SELECT t.id, m.metric, 1, 1, c.partner_id, c.id, c.tier, c.calendar,
               t.priority, m.target, 50, 75, t.create_date, d.deadline,
               t.create_date + m.target * interval '30 seconds',
               t.create_date + m.target * interval '45 seconds',
               CASE WHEN x.breached THEN 'breached' ELSE 'met' END,
               CASE WHEN x.breached THEN d.deadline + x.late
                    ELSE t.create_date + m.target * x.used * interval '1 minute'
               END,
               CASE WHEN x.breached THEN d.deadline END,
               CASE WHEN x.breached THEN d.deadline::date
                    ELSE (t.create_date
                          + m.target * x.used * interval '1 minute')::date
               END,
               CASE WHEN x.breached
                    THEN m.target + extract(epoch FROM x.late) / 60
                    ELSE m.target * x.used END,
               0, x.breached OR x.used >= 0.75, x.breached OR x.used >= 0.5,
               t.create_date, t.create_date, 1, 1
          FROM helpdesk_ticket t
          JOIN bench_contract c ON c.id = t.sla_contract_id
         CROSS JOIN (VALUES ('response', 240, 0), ('resolution', 1440, 1))
               m(metric, target, n)
         CROSS JOIN LATERAL (
               SELECT t.create_date + m.target * interval '1 minute' AS deadline
               ) d
         CROSS JOIN LATERAL (
               SELECT abs(hashtext('b' || t.id)::bigint) % 1000
                          < c.breach_permille
                      AND abs(hashtext('m' || t.id)::bigint) % 3 <> 1 - m.n
                      AS breached,
                      (abs(hashtext(m.metric || t.id)::bigint) % 90 + 5) / 100.0
                      AS used,
                      abs(hashtext('l' || t.id)::bigint) % 600
                      * interval '1 minute' AS late
               ) x
         WHERE t.number LIKE 'CREDIT%'
        """
    )
    odoo_db.fill_cycles(cr)
    cr.execute(
        """
        UPDATE helpdesk_ticket t
           SET sla_state = CASE WHEN k.breached THEN 'breached' ELSE 'met' END,
               sla_breached = k.breached, sla_paused = false
          FROM (SELECT ticket_id, bool_or(state = 'breached') AS breached
                  FROM sla_clock GROUP BY ticket_id) k
         WHERE k.ticket_id = t.id AND t.number LIKE 'CREDIT%'
        """
    )
    # Incidents: 24 per contract on average over the 24 months (contracts
    # drawn at random), mostly 5-44 minutes,
    # one in twenty 5 hours, one in twenty 90 minutes; one in five planned,
    # half of those announced 72 hours ahead, half only 12 hours ahead.
    cr.execute(
        """
        INSERT INTO sla_incident (name, contract_id, company_id, partner_id,
               start_at, end_at, planned, notice_at, duration_minutes, source,
               create_date, write_date, create_uid, write_uid)
        SELECT 'Bench outage ' || j, c.id, 1, c.partner_id, x.start_at,
               x.start_at + x.minutes * interval '1 minute', x.planned,
               CASE WHEN NOT x.planned THEN NULL
                    WHEN j %% 10 = 2 THEN x.start_at - interval '72 hours'
                    ELSE x.start_at - interval '12 hours' END,
               x.minutes, 'manual', now(), now(), 1, 1
          FROM generate_series(1, %(incidents)s) j
          JOIN bench_contract c
            ON c.k = abs(hashtext('c' || j)::bigint) %% %(contracts)s
         CROSS JOIN LATERAL (
               SELECT %(start)s::timestamp
                      + (j::bigint * 104729) %% %(span)s * interval '1 second'
                      AS start_at,
                      CASE j %% 20 WHEN 0 THEN 300 WHEN 1 THEN 90
                           ELSE 5 + j %% 40 END AS minutes,
                      j %% 5 = 2 AS planned
               ) x
         ORDER BY j
        """,
        {**common, "incidents": INCIDENTS},
    )
    odoo_db.mark_filled(cr, MARKER, SHAPE)


def prepare(params):
    import psycopg2

    ready = odoo_db.filled_as_wanted(params, DB, "sla_credits", MARKER, SHAPE)
    odoo_db.ensure_db(
        params, DB, "sla_credits", update=True, data_dir=odoo_db.FILESTORE
    )
    if ready:
        return
    conn = psycopg2.connect(dbname=DB, **params)
    try:
        with conn.cursor() as cr:
            _populate(cr)
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cr:
            for table in (
                "sla_clock",
                "sla_cycle",
                "helpdesk_ticket",
                "sla_incident",
                "contract_contract",
                "contract_line",
                "res_partner",
                "mail_followers",
            ):
                cr.execute(f"VACUUM ANALYZE {table}")
    finally:
        conn.close()


# ----------------------------------------------------------------------
# timing and query counts
# ----------------------------------------------------------------------


@contextlib.contextmanager
def _queries():
    """Every query the current thread runs, on any cursor, into a list."""
    thread = threading.current_thread()
    log = []

    def hook(_cr, query, _params, _start, _delay):
        log.append(query if isinstance(query, str) else str(query))

    hooks = getattr(thread, "query_hooks", ())
    thread.query_hooks = (*hooks, hook)
    try:
        yield log
    finally:
        thread.query_hooks = hooks


def _shape(query):
    """A query without its literals: what a loop would repeat."""
    text = re.sub(r"\s+", " ", query).strip()
    text = re.sub(r"'[^']*'", "?", text)
    text = re.sub(r'SAVEPOINT "[^"]*"', "SAVEPOINT ?", text)
    return re.sub(r"\b\d+\b", "N", text)[:150]


def _settle(env):
    # what the cron's commit runs: flush and precommit hooks (mail tracking)
    env.cr.flush()
    env.flush_all()


def _run_once(env, func, setup=None, check=None):
    """Wall time (s) of `func()` and its commit work, and its queries, in a
    savepoint rolled back after. `setup` and `check`, if given, run before
    and after the timing, in the same savepoint; their queries are not
    counted."""
    env.invalidate_all()
    savepoint = env.cr.savepoint()
    try:
        if setup:
            setup()
            _settle(env)
            env.invalidate_all()
        with _queries() as log:
            t0 = time.perf_counter()
            func()
            _settle(env)
            seconds = time.perf_counter() - t0
        if check:
            check()
    finally:
        savepoint.close(rollback=True)
        env.invalidate_all()
    return seconds, log


def _measure(env, cases, runs):
    """Per case (func, setup, check): the median wall time over `runs` and
    the most queries a run ran. The cases take turns, run after run, so that
    a machine busy for a while slows them alike; the first round warms the
    caches and is left out."""
    samples = [([], []) for _case in cases]
    logs = [[] for _case in cases]
    for _round in range(runs + 1):
        for index, (func, setup, check) in enumerate(cases):
            seconds, logs[index] = _run_once(env, func, setup, check)
            samples[index][0].append(seconds)
            samples[index][1].append(len(logs[index]))
    return [
        {
            "seconds": statistics.median(times[1:]),
            "times": times[1:],
            "queries": max(counts[1:]),
            "shapes": Counter(_shape(query) for query in log),
        }
        for (times, counts), log in zip(samples, logs, strict=True)
    ]


def _bench_contracts(env):
    env.cr.execute(
        "SELECT id FROM contract_contract WHERE code LIKE 'BENCH-%' ORDER BY id"
    )
    return env["contract.contract"].browse([row[0] for row in env.cr.fetchall()])


def _expected_tickets(env, contracts, period):
    """Tickets of `period` counted without the evaluation's SQL: a ticket's
    month is that of its first breach, else of its resolution's stop."""
    env.cr.execute(
        """
        SELECT count(*) FROM (
            SELECT COALESCE(MIN(report_date) FILTER (WHERE state = 'breached'),
                            MAX(report_date) FILTER (
                                WHERE state = 'met' AND metric = 'resolution'))
                   AS day
              FROM sla_clock
             WHERE contract_id = ANY(%s) AND state IN ('met', 'breached')
             GROUP BY ticket_id, cycle) u
         WHERE day >= %s AND day < (%s::date + interval '1 month')
        """,
        [contracts.ids, period, period],
    )
    return env.cr.fetchone()[0]


def _evaluation(env, contracts, period, runs):
    expected = _expected_tickets(env, contracts, period)
    evaluation = env["sla.credit.evaluation"]
    seen = {}

    def run():
        evaluation._evaluate(contracts, period)

    def check():
        env.cr.execute(
            """SELECT count(*), count(DISTINCT contract_id), sum(tickets),
                      count(*) FILTER (WHERE amount > 0),
                      count(*) FILTER (WHERE grace),
                      count(*) FILTER (WHERE right_to_terminate)
                 FROM sla_credit WHERE period_start = %s AND kind = 'credit'""",
            [period],
        )
        total, distinct, tickets, paid, grace, terminate = env.cr.fetchone()
        assert total == distinct == len(contracts), (
            f"{total} credits for {distinct} contracts, {len(contracts)} evaluated"
        )
        assert tickets == expected, f"{tickets} tickets counted, {expected} expected"
        assert paid > 0, "no contract earned a credit"
        seen.update(tickets=tickets, paid=paid, grace=grace, terminate=terminate)

    (result,) = _measure(env, [(run, None, check)], runs)
    return {**result, **seen}


def _approve(env, period):
    """The period's computed credits approved, as a manager would."""
    credits = env["sla.credit"].search(
        [
            ("period_start", "=", period),
            ("state", "=", "computed"),
            ("grace", "=", False),
        ]
    )
    credits._decide("approved")


def _invoicing(env, contracts, period, runs):
    contract_model = env["contract.contract"]
    expected = {}

    def run():
        contract_model._cron_recurring_create(INVOICE_DATE)

    def plain_setup():
        expected["lines"] = 0

    def credit_setup():
        env["sla.credit.evaluation"]._evaluate(contracts, period)
        _approve(env, period)
        env.flush_all()
        env.cr.execute(
            "SELECT count(*) FROM sla_credit WHERE state = 'approved'"
            " AND NOT grace AND amount != 0"
        )
        expected["lines"] = env.cr.fetchone()[0]

    def check():
        env.cr.execute(
            "SELECT count(*) FROM account_move WHERE move_type = 'out_invoice'"
            " AND invoice_date = %s",
            [INVOICE_DATE],
        )
        invoices = env.cr.fetchone()[0]
        assert invoices == CONTRACTS, f"{invoices} invoices, {CONTRACTS} contracts"
        env.cr.execute(
            """SELECT count(*),
                      count(*) FILTER (WHERE round((l.price_unit + c.amount)::numeric,
                                                   2) = 0),
                      count(DISTINCT l.move_id)
                 FROM account_move_line l JOIN sla_credit c ON c.id = l.sla_credit_id"""
        )
        lines, exact, moves = env.cr.fetchone()
        assert lines == expected["lines"], (
            f"{lines} credit lines, {expected['lines']} approved non-zero credits"
        )
        assert exact == lines == moves, (
            f"{exact} of {lines} credit lines at minus the credit, on {moves} invoices"
        )
        if lines:
            env.cr.execute("SELECT count(*) FROM sla_credit WHERE state = 'applied'")
            applied = env.cr.fetchone()[0]
            assert applied == lines, f"{applied} credits applied, {lines} invoiced"

    # The setups say what the next check expects: the runs alternate.
    plain, with_credits = _measure(
        env, [(run, plain_setup, check), (run, credit_setup, check)], runs
    )
    plain["lines"] = 0
    with_credits["lines"] = expected["lines"]
    return plain, with_credits


def _profile(env, contracts):
    """Where one evaluation of every contract and one invoicing with credit
    lines spend their time."""
    evaluation = env["sla.credit.evaluation"]
    for label, func, setup in (
        (
            f"evaluation of {len(contracts):,} contracts, {PERIOD:%Y-%m}",
            lambda: evaluation._evaluate(contracts, PERIOD),
            None,
        ),
        (
            f"evaluation of {len(contracts):,} contracts, {QUARTER_PERIOD:%Y-%m}",
            lambda: evaluation._evaluate(contracts, QUARTER_PERIOD),
            None,
        ),
        (
            "invoicing with credit lines",
            lambda: env["contract.contract"]._cron_recurring_create(INVOICE_DATE),
            lambda: (
                evaluation._evaluate(contracts, PERIOD),
                _approve(env, PERIOD),
            ),
        ),
    ):
        savepoint = env.cr.savepoint()
        profiler = cProfile.Profile()
        try:
            if setup:
                setup()
                _settle(env)
            env.invalidate_all()
            profiler.enable()
            func()
            _settle(env)
            profiler.disable()
        finally:
            savepoint.close(rollback=True)
            env.invalidate_all()
        print(f"\nprofile of one {label} (cumulative):")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(30)


# ----------------------------------------------------------------------
# report
# ----------------------------------------------------------------------


def _growth(small, large):
    """The query shapes run more often for more contracts."""
    grown = [
        (large["shapes"][shape] - small["shapes"].get(shape, 0), shape)
        for shape in large["shapes"]
        if large["shapes"][shape] > small["shapes"].get(shape, 0)
    ]
    return sorted(grown, reverse=True)


def _print_growth(title, small, large):
    grown = _growth(small, large)
    if grown:
        print(f"\n{title}")
        for extra, shape in grown[:12]:
            print(f"  +{extra:<5} {shape}")


def report(evals, plain, with_credits, args):
    ok = True
    print(
        f"service credits: {CONTRACTS:,} contracts, {TICKETS * 2:,} stopped clocks"
        f" over 24 months, {INCIDENTS:,} incidents; evaluation median of"
        f" {args.runs} runs, invoicing median of {args.invoice_runs} runs"
    )
    print(
        f"\n{'evaluation':<36}{'contracts':>10}{'s':>8}{'queries':>9}"
        f"{'tickets':>9}{'credit>0':>9}{'grace':>6}{'terminate':>10}"
    )
    for label, rows in evals.items():
        for row in rows:
            print(
                f"{label:<36}{row['contracts']:>10,}{row['seconds']:>8.2f}"
                f"{row['queries']:>9}{row['tickets']:>9,}{row['paid']:>9}"
                f"{row['grace']:>6}{row['terminate']:>10}"
            )
    for label, (small, large) in evals.items():
        growth = large["queries"] - small["queries"]
        per_contract = growth / (large["contracts"] - small["contracts"])
        _print_growth(
            f"{label}: queries run more often for {large['contracts']:,}"
            f" than for {small['contracts']:,} contracts:",
            small,
            large,
        )
        time_ok = large["seconds"] <= TARGET_EVAL_S
        growth_ok = growth <= TARGET_QUERY_GROWTH
        ok = ok and time_ok and growth_ok
        print(
            f"\ntarget, {label}:\n"
            f"  {large['contracts']:,} contracts in {large['seconds']:.2f} s"
            f" (<= {TARGET_EVAL_S:g} s): {'met' if time_ok else 'MISSED'}\n"
            f"  queries: {small['queries']} for {small['contracts']:,} contracts,"
            f" {large['queries']} for {large['contracts']:,}: +{growth}"
            f" ({per_contract:.2f} per extra contract; <= +{TARGET_QUERY_GROWTH}):"
            f" {'met' if growth_ok else 'MISSED'}"
        )
    # the runs alternate: each round's ratio, then their median
    ratio = statistics.median(
        with_time / plain_time
        for plain_time, with_time in zip(
            plain["times"], with_credits["times"], strict=True
        )
    )
    print(
        f"\n{'OCA contract invoicing':<36}{'invoices':>10}{'s':>8}{'queries':>9}"
        f"{'credit lines':>14}"
    )
    for label, row in (
        ("no approved credit", plain),
        ("with credit lines", with_credits),
    ):
        print(
            f"{label:<36}{CONTRACTS:>10,}{row['seconds']:>8.2f}{row['queries']:>9}"
            f"{row['lines']:>14,}"
        )
    print(
        f"{'ratio (with / without, per round)':<36}{'':>10}{ratio:>7.2f}x"
        f"{with_credits['queries'] / plain['queries']:>8.2f}x"
    )
    _print_growth("queries the credit lines add to the invoicing:", plain, with_credits)
    invoice_ok = ratio - 1 <= TARGET_INVOICE_OVERHEAD
    ok = ok and invoice_ok
    print(
        f"\ntarget, invoicing: the credit lines add {ratio - 1:+.1%}"
        f" (<= {TARGET_INVOICE_OVERHEAD:.0%}): {'met' if invoice_ok else 'MISSED'}"
    )
    print(f"\nall targets {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--invoice-runs", type=int, default=5)
    parser.add_argument(
        "--profile", action="store_true", help="print where the time goes"
    )
    parser.add_argument(
        "--drop", action="store_true", help="drop the database afterwards"
    )
    args = parser.parse_args()

    params = odoo_db.db_params()
    prepare(params)

    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo_db.load_odoo(params, DB, data_dir=odoo_db.FILESTORE)
    with Registry(DB).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            contracts = _bench_contracts(env)
            found = env["sla.credit.evaluation"]._contracts_for(PERIOD)
            if set(found.ids) != set(contracts.ids) or len(contracts) != CONTRACTS:
                print(
                    f"_contracts_for() found {len(found)} contracts,"
                    f" {len(contracts)} bench contracts of {CONTRACTS}"
                )
                return 1
            subset = contracts[:SUBSET]
            evals = {}
            for label, period in (
                (f"month {PERIOD:%Y-%m}", PERIOD),
                (f"quarter end {QUARTER_PERIOD:%Y-%m} (+ bonuses)", QUARTER_PERIOD),
            ):
                rows = []
                for records in (subset, contracts):
                    row = _evaluation(env, records, period, args.runs)
                    rows.append({**row, "contracts": len(records)})
                evals[label] = rows
            plain, with_credits = _invoicing(env, contracts, PERIOD, args.invoice_runs)
            if args.profile:
                _profile(env, contracts)
        except AssertionError as error:
            print(f"check failed: {error}")
            return 1
        finally:
            cr.rollback()
    if args.drop:
        odoo_db.drop_db(params, DB)
    return report(evals, plain, with_credits, args)


if __name__ == "__main__":
    sys.exit(main())
