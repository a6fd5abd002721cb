"""Benchmark the manager reports over a long history.

The database holds 500,000 closed tickets of 36 months with two stopped
clocks each (1,000,000 clocks, one ticket in ten breached, four priorities)
and their cycles, spread over 100 customers with a Gold contract each,
and one customer with 5,000 tickets of the last 90 days, each with a public
reply and a closing in its chatter, as the what-if reads them. Figures are
medians over several runs, each rolled back:

* the SLA compliance KPI grouped by month and priority, as the monthly
  dashboard asks it (``sla.ticket.report``); next to it, in the same run,
  the plain count of those clocks by month and priority (``sla.clock``), the
  cheapest question the table can answer;
* the tier what-if of the 5,000-ticket customer over 90 days, against every
  shipped tier.

Targets: the KPI under 1 s; the what-if under 5 s.

Usage::

    .venv/bin/python bench/reports.py [--runs 5] [--drop]

The database ``sla_bench_reports`` is created through the project's Odoo
command line and filled with SQL once, then reused. Exits non-zero when a
check fails or a target is missed.
"""

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_db

DB = "sla_bench_reports"
HISTORY_TICKETS = 500_000
WHATIF_TICKETS = 5_000
MARKER = "sla_bench.reports"
DATA_VERSION = 3
HISTORY_CONTRACTS = 100
SHAPE = f"{HISTORY_TICKETS}/{WHATIF_TICKETS} v{DATA_VERSION}"
TARGET_KPI_MS = 1000.0
TARGET_WHATIF_MS = 5000.0


def _populate(cr):
    """Fill the tables with SQL; the ORM would take hours for this."""
    print(f"filling {DB}: {SHAPE} ...", file=sys.stderr)

    def ref(name):
        return odoo_db.xmlid(cr, name)

    tier = ref("sla_contract.sla_tier_gold")
    cr.execute("SELECT calendar_id FROM sla_tier WHERE id = %s", [tier])
    calendar = cr.fetchone()[0]
    stage_new = ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
    stage_done = ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    comment = ref("mail.mt_comment")
    note = ref("mail.mt_note")
    cr.execute(
        "SELECT id FROM ir_model_fields WHERE model = 'helpdesk.ticket'"
        " AND name = 'stage_id'"
    )
    stage_field = cr.fetchone()[0]
    cr.execute("SELECT partner_id FROM res_users WHERE id = 2")
    agent_partner = cr.fetchone()[0]
    partners = {}
    for name in ("Bench Prospect",):
        cr.execute(
            "INSERT INTO res_partner (name, is_company, active, company_id,"
            " autopost_bills, create_date, write_date)"
            " VALUES (%s, true, true, 1, 'ask', now(), now()) RETURNING id",
            [name],
        )
        partners[name] = cr.fetchone()[0]
        cr.execute(
            "UPDATE res_partner SET commercial_partner_id = id WHERE id = %s",
            [partners[name]],
        )
    # the history's customers, a Gold contract each
    cr.execute(
        """
        WITH p AS (
            INSERT INTO res_partner (name, is_company, active, company_id,
                   autopost_bills, create_date, write_date)
            SELECT 'Bench History ' || g, true, true, 1, 'ask', now(), now()
              FROM generate_series(1, %(n)s) g
            RETURNING id)
        SELECT array_agg(id ORDER BY id) FROM p
        """,
        {"n": HISTORY_CONTRACTS},
    )
    customers = cr.fetchone()[0]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)",
        [customers],
    )
    cr.execute(
        """
        WITH c AS (
            INSERT INTO contract_contract (name, partner_id, commercial_partner_id,
                   company_id, date, date_start, contract_type, active,
                   sla_tier_id, sla_calendar_id, sla_date_start, sla_penalty_date,
                   create_date, write_date, create_uid, write_uid)
            SELECT 'Bench history support ' || p, p, p, 1, '2020-01-01',
                   '2020-01-01', 'sale', true, %(tier)s, %(calendar)s,
                   '2020-01-01', '2020-01-01', now(), now(), 1, 1
              FROM unnest(%(customers)s::int[]) p
            RETURNING id, partner_id)
        SELECT array_agg(id ORDER BY partner_id) FROM c
        """,
        {"tier": tier, "calendar": calendar, "customers": customers},
    )
    contracts = cr.fetchone()[0]
    # the history: closed tickets over 36 months, two stopped clocks each
    cr.execute(
        """
        INSERT INTO helpdesk_ticket (number, name, description, company_id,
               partner_id, commercial_partner_id, sla_contract_id, sla_tier_id,
               stage_id, priority, active, rating_status, create_date,
               write_date, create_uid, write_uid)
        SELECT 'HIST' || g, 'History ticket ' || g, '<p>bench</p>', 1,
               (%(customers)s::int[])[1 + g %% %(n)s],
               (%(customers)s::int[])[1 + g %% %(n)s],
               (%(contracts)s::int[])[1 + g %% %(n)s], %(tier)s,
               %(stage)s, (g %% 4)::text, true, 'no_rating', now(), now(), 1, 1
          FROM generate_series(1, %(total)s) g
        """,
        {
            "customers": customers,
            "contracts": contracts,
            "n": HISTORY_CONTRACTS,
            "tier": tier,
            "stage": stage_done,
            "total": HISTORY_TICKETS,
        },
    )
    odoo_db.insert_history_cycles(cr, "HIST%", tier, 1)
    odoo_db.insert_history_clocks(cr, "HIST%", tier, calendar)
    # the prospect: 5,000 tickets of the last 90 days, each answered after
    # 1-5 hours and closed after 2-40 hours, as the chatter records them;
    # every closing is in the past, in the 90 days the what-if counts
    cr.execute(
        """
        INSERT INTO helpdesk_ticket (number, name, description, company_id,
               partner_id, commercial_partner_id, stage_id, priority, active,
               rating_status, create_date, write_date, create_uid, write_uid)
        SELECT 'WHATIF' || g, 'Prospect ticket ' || g, '<p>bench</p>', 1,
               %(partner)s, %(partner)s, %(stage)s, (g %% 4)::text, true,
               'no_rating',
               now() - interval '90 days' + (g * 1553 %% 7603200) * interval '1 second',
               now(), 1, 1
          FROM generate_series(1, %(total)s) g
        """,
        {
            "partner": partners["Bench Prospect"],
            "stage": stage_done,
            "total": WHATIF_TICKETS,
        },
    )
    cr.execute(
        """
        INSERT INTO mail_message (model, res_id, message_type, subtype_id,
               author_id, date, body, create_date, write_date)
        SELECT 'helpdesk.ticket', t.id, 'comment', %(comment)s, %(author)s,
               t.create_date + (1 + t.id %% 5) * interval '1 hour',
               '<p>On it.</p>', now(), now()
          FROM helpdesk_ticket t WHERE t.number LIKE 'WHATIF%%'
        """,
        {"comment": comment, "author": agent_partner},
    )
    cr.execute(
        """
        WITH closing AS (
            INSERT INTO mail_message (model, res_id, message_type, subtype_id,
                   author_id, date, body, create_date, write_date)
            SELECT 'helpdesk.ticket', t.id, 'notification', %(note)s,
                   %(author)s, t.create_date + (2 + t.id %% 39) * interval '1 hour',
                   '', now(), now()
              FROM helpdesk_ticket t WHERE t.number LIKE 'WHATIF%%'
            RETURNING id
        )
        INSERT INTO mail_tracking_value (field_id, mail_message_id,
               old_value_integer, new_value_integer, create_date, write_date)
        SELECT %(field)s, closing.id, %(new)s, %(done)s, now(), now()
          FROM closing
        """,
        {
            "note": note,
            "author": agent_partner,
            "field": stage_field,
            "new": stage_new,
            "done": stage_done,
        },
    )
    odoo_db.mark_filled(cr, MARKER, SHAPE)


def prepare(params):
    import psycopg2

    ready = odoo_db.filled_as_wanted(params, DB, "sla_credits", MARKER, SHAPE)
    # sla_portal: the reconciliation (bench/reconcile.py) reads its pages too
    odoo_db.ensure_db(params, DB, "sla_portal", data_dir=odoo_db.FILESTORE)
    # updating sla_contract updates the addons built on it, sla_credits too
    odoo_db.ensure_db(
        params, DB, "sla_contract", update=True, data_dir=odoo_db.FILESTORE
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
                "mail_message",
                "mail_tracking_value",
            ):
                cr.execute(f"VACUUM ANALYZE {table}")
    finally:
        conn.close()


def _median_ms(env, func, runs):
    times = []
    for _dummy in range(runs + 1):
        env.invalidate_all()
        savepoint = env.cr.savepoint()
        try:
            t0 = time.perf_counter()
            result = func()
            times.append(time.perf_counter() - t0)
        finally:
            savepoint.close(rollback=True)
            env.invalidate_all()
    # the first run warms the caches
    return statistics.median(times[1:]) * 1000, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--drop", action="store_true", help="drop the database after")
    args = parser.parse_args()
    params = odoo_db.db_params()
    prepare(params)

    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo_db.load_odoo(params, DB, data_dir=odoo_db.FILESTORE)
    failures = []
    with Registry(DB).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        try:
            report = env["sla.ticket.report"]

            def kpi():
                return report._read_group(
                    [], ["report_date:month", "priority"], ["__count", "compliance:avg"]
                )

            def clock_count():
                return env["sla.clock"]._read_group(
                    [("state", "in", ("met", "breached"))],
                    ["report_date:month", "ticket_priority"],
                    ["__count"],
                )

            kpi_ms, groups = _median_ms(env, kpi, args.runs)
            count_ms, _ = _median_ms(env, clock_count, args.runs)
            tickets = sum(count for _m, _p, count, _c in groups)
            within = sum(count * rate for _m, _p, count, rate in groups) / 100
            if tickets != HISTORY_TICKETS or round(within) != HISTORY_TICKETS * 9 // 10:
                failures.append(f"KPI counted {tickets} tickets, {within:.0f} within")
            prospect = env["res.partner"].search([("name", "=", "Bench Prospect")])
            today = date.today()
            whatif = env["sla.tier.whatif"].create(
                {
                    "partner_id": prospect.id,
                    "date_from": today - timedelta(days=90),
                    "date_to": today,
                    "fee": 1000.0,
                }
            )
            whatif_ms, results = _median_ms(env, whatif._replay_all, args.runs)
            counted = {
                env["sla.tier"].browse(line["tier_id"]).name: line["tickets"]
                for line in results
            }
            if not results or any(n != WHATIF_TICKETS for n in counted.values()):
                failures.append(f"what-if counted {counted}")
        finally:
            cr.rollback()
    print(
        f"\n{DB}: {2 * HISTORY_TICKETS:,} stopped clocks, what-if on "
        f"{WHATIF_TICKETS:,} tickets, median of {args.runs}"
    )
    print(
        f"  compliance KPI by month and priority  {kpi_ms:9.1f} ms"
        f"  (target < {TARGET_KPI_MS:.0f} ms)"
    )
    print(
        f"  plain clock count by month, priority  {count_ms:9.1f} ms"
        f"  (KPI = {kpi_ms / count_ms:.2f}x the plain count)"
    )
    print(
        f"  tier what-if, {len(results)} tiers            {whatif_ms:9.1f} ms"
        f"  (target < {TARGET_WHATIF_MS:.0f} ms)"
    )
    if kpi_ms >= TARGET_KPI_MS:
        failures.append("the compliance KPI misses its target")
    if whatif_ms >= TARGET_WHATIF_MS:
        failures.append("the what-if misses its target")
    if args.drop:
        odoo_db.drop_db(params, DB)
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
