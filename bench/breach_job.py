"""Benchmark the breach job against a long history of stopped clocks.

The database holds 1,000,000 stopped clocks with old deadlines (500,000
closed tickets, two clocks each) and 100,000 open clocks on 100,000 open
tickets, one in ten of them paused. "Now" is frozen (``sla_now``) a day
before every open clock's first threshold (at risk, SLO, deadline). Each
figure is a median over several runs:

* ``sla.clock._cron_mark_breaches()`` when no clock is due;
* the cost per due clock: "now" moved past the earliest N counting
  deadlines, the same job breaches them (checked), minus the empty run. The
  at-risk and SLO thresholds passed by then are marked as already handled,
  as a job running all along would have left them;
* ``_arm_breach_job_for_next_deadline()`` alone;
* and, for the plain ``deadline`` index, the clock list's first page in the
  model's default order.

Each is measured with sla_contract's partial indexes on counting clocks,
then in the same run without them (dropped inside a savepoint, so the
database keeps them), and without the plain ``deadline`` and ``at_risk_at``
indexes, to see whether the job still needs those. Every run is rolled
back: the database does not change between runs.

Usage::

    .venv/bin/python bench/breach_job.py [--runs 15] [--due 200] [--rounds 5]
                                         [--profile] [--drop]

The database ``sla_bench_breach`` is created through the project's Odoo
command line and filled with SQL once, then reused (``sla_contract`` is
updated in it first). PostgreSQL is reached as ``bench/odoo_db.py`` says.
Exits non-zero when a check fails or a target is missed.
"""

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

# the shared bootstrap sits next to this script, whatever the working directory
sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_db

DB = "sla_bench_breach"
OPEN = 100_000
HISTORY_TICKETS = 500_000  # two stopped clocks each
PAUSED_EVERY = 10  # one open clock in ten waits on the customer
NOW = datetime(2030, 1, 7, 9, 0)
NEW_INDEX = "sla_clock_counting_deadline_index"
PLAIN_INDEXES = ["sla_clock__deadline_index", "sla_clock__at_risk_at_index"]
MARKER = "sla_bench.breach_job"
# bump when the generated rows change, so a reused database is refilled
DATA_VERSION = 3
TARGET_EMPTY_MS = 10.0
TARGET_PER_DUE_MS = 2.0


# ----------------------------------------------------------------------
# set-up, once per database
# ----------------------------------------------------------------------


SHAPE = f"{HISTORY_TICKETS * 2}/{OPEN} v{DATA_VERSION}"


def _populate(cr):
    """Fill the tables with SQL; Odoo's ORM would take an hour for this."""
    print(f"filling {DB}: {SHAPE} stopped/open clocks ...", file=sys.stderr)

    def ref(name):
        return odoo_db.xmlid(cr, name)

    tier = ref("sla_contract.sla_tier_gold")
    cr.execute("SELECT calendar_id FROM sla_tier WHERE id = %s", [tier])
    calendar = cr.fetchone()[0]
    stage_open = ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
    stage_done = ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
    cr.execute(
        "INSERT INTO res_partner (name, is_company, active, company_id,"
        " autopost_bills, create_date, write_date)"
        " VALUES ('Bench Customer', true, true, 1, 'ask', now(), now())"
        " RETURNING id"
    )
    partner = cr.fetchone()[0]
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id WHERE id = %s", [partner]
    )
    # tickets 1..OPEN are open, the rest closed
    cr.execute(
        """
        INSERT INTO helpdesk_ticket (number, name, description, company_id,
               partner_id, commercial_partner_id, stage_id, priority, active,
               sla_tier_id, create_date, write_date, create_uid, write_uid)
        SELECT 'BENCH' || g, 'Bench ticket ' || g, '<p>bench</p>', 1,
               %(partner)s, %(partner)s,
               CASE WHEN g <= %(open)s THEN %(stage_open)s ELSE %(stage_done)s END,
               '2', true, %(tier)s, now(), now(), 1, 1
          FROM generate_series(1, %(total)s) g
        """,
        {
            "partner": partner,
            "open": OPEN,
            "stage_open": stage_open,
            "stage_done": stage_done,
            "tier": tier,
            "total": OPEN + HISTORY_TICKETS,
        },
    )
    common = {"tier": tier, "calendar": calendar, "partner": partner, "now": NOW}
    # open: 24 h targets, the first threshold (at risk) at least a day after
    # "now", deadlines spread over 30 days, a few seconds apart
    cr.execute(
        """
        INSERT INTO sla_clock (ticket_id, metric, cycle, company_id, partner_id,
               tier_id, calendar_id, ticket_priority, target_minutes,
               slo_percent, at_risk_percent, start_at, deadline, slo_deadline,
               at_risk_at, state, paused_since, consumed_minutes,
               paused_minutes, create_date, write_date, create_uid, write_uid)
        SELECT t.id, 'resolution', 1, 1, %(partner)s, %(tier)s, %(calendar)s,
               '2', 1440, 90, 75, d - interval '1 day', d,
               d - interval '144 minutes', d - interval '6 hours',
               CASE WHEN t.id %% %(every)s = 0 THEN 'paused' ELSE 'running' END,
               CASE WHEN t.id %% %(every)s = 0 THEN %(now)s END,
               0, 0, now(), now(), 1, 1
          FROM (SELECT id, %(now)s + interval '30 hours'
                       + (id::bigint * 7919) %% 2592000 * interval '1 second' AS d
                  FROM helpdesk_ticket
                 WHERE number LIKE 'BENCH%%' AND stage_id = %(stage_open)s) t
        """,
        {**common, "every": PAUSED_EVERY, "stage_open": stage_open},
    )
    # history: two stopped clocks per closed ticket, deadlines in the past
    # three years, one in ten breached
    cr.execute(
        """
        INSERT INTO sla_clock (ticket_id, metric, cycle, company_id, partner_id,
               tier_id, calendar_id, ticket_priority, target_minutes,
               slo_percent, at_risk_percent, start_at, deadline, slo_deadline,
               at_risk_at, state, stopped_at, breached_at, consumed_minutes,
               paused_minutes, create_date, write_date, create_uid, write_uid)
        SELECT t.id, m.metric, 1, 1, %(partner)s, %(tier)s, %(calendar)s,
               '2', 1440, 90, 75, d - interval '1 day', d,
               d - interval '144 minutes', d - interval '6 hours',
               CASE WHEN t.id %% 10 = 0 THEN 'breached' ELSE 'met' END,
               CASE WHEN t.id %% 10 = 0 THEN d + interval '2 hours'
                    ELSE d - interval '2 hours' END,
               CASE WHEN t.id %% 10 = 0 THEN d END,
               1200, 0, now(), now(), 1, 1
          FROM (SELECT id, %(now)s - interval '1 day'
                       - (id::bigint * 7919) %% 94608000 * interval '1 second' AS d
                  FROM helpdesk_ticket
                 WHERE number LIKE 'BENCH%%' AND stage_id = %(stage_done)s) t
         CROSS JOIN (VALUES ('response'), ('resolution')) m(metric)
        """,
        {**common, "stage_done": stage_done},
    )
    cr.execute(
        """
        UPDATE helpdesk_ticket t
           SET sla_next_deadline = CASE WHEN c.paused_since IS NULL
                                        THEN c.deadline END,
               sla_at_risk_at = CASE WHEN c.paused_since IS NULL
                                     THEN c.at_risk_at END,
               sla_state = c.state, sla_breached = false,
               sla_paused = c.paused_since IS NOT NULL
          FROM sla_clock c
         WHERE c.ticket_id = t.id AND c.stopped_at IS NULL
        """
    )
    odoo_db.fill_cycles(cr)
    odoo_db.mark_filled(cr, MARKER, SHAPE)


def prepare(params):
    import psycopg2

    ready = odoo_db.filled_as_wanted(params, DB, "sla_contract", MARKER, SHAPE)
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
            cr.execute("VACUUM ANALYZE sla_clock")
            cr.execute("VACUUM ANALYZE helpdesk_ticket")
    finally:
        conn.close()


# ----------------------------------------------------------------------
# timing
# ----------------------------------------------------------------------


def _settle(env):
    # what the cron's commit runs: flush and precommit hooks (mail tracking)
    env.cr.flush()
    env.flush_all()


def _median_ms(env, func, runs, check=None, setup=None):
    """Median wall time of `func()` and its commit work, each run rolled back.

    `setup` and `check`, if given, run before and after the timing, inside
    the run's savepoint.
    """
    times = []
    for _dummy in range(runs + 1):
        env.invalidate_all()
        savepoint = env.cr.savepoint()
        try:
            if setup:
                setup()
                env.invalidate_all()
            t0 = time.perf_counter()
            func()
            _settle(env)
            times.append(time.perf_counter() - t0)
            if check:
                check()
        finally:
            savepoint.close(rollback=True)
            env.invalidate_all()
    # the first run warms the caches
    return statistics.median(times[1:]) * 1000


def _due_instant(env, count):
    env.cr.execute(
        """SELECT deadline FROM sla_clock
            WHERE state = 'running' AND stopped_at IS NULL AND paused_since IS NULL
            ORDER BY deadline OFFSET %s LIMIT 1""",
        [count - 1],
    )
    return env.cr.fetchone()[0]


def _mark_warnings_handled(env, due_at):
    # a job running all along flagged these when their instant came
    for flag, column in (
        ("at_risk_reached", "at_risk_at"),
        ("slo_missed", "slo_deadline"),
    ):
        if _has_column(env, flag):
            env.cr.execute(
                f"UPDATE sla_clock SET {flag} = true WHERE state = 'running'"
                " AND stopped_at IS NULL AND paused_since IS NULL"
                f" AND {column} <= %s",
                [due_at],
            )


def _measure(env, args):
    clocks = env["sla.clock"].with_context(sla_now=NOW)

    def nothing_changed():
        env.cr.execute(
            "SELECT count(*) FROM sla_clock WHERE stopped_at IS NULL"
            " AND (state = 'breached' OR at_risk_at <= %s OR slo_deadline <= %s)",
            [NOW, NOW],
        )
        assert env.cr.fetchone()[0] == 0, "clocks were due at the frozen now"

    empty = _median_ms(env, clocks._cron_mark_breaches, args.runs, nothing_changed)
    nxt = _median_ms(
        env, lambda: clocks._arm_breach_job_for_next_deadline(NOW), args.runs
    )

    due_at = _due_instant(env, args.due)
    due_clocks = env["sla.clock"].with_context(sla_now=due_at)

    def check():
        env.cr.execute(
            "SELECT count(*) FROM sla_clock WHERE state = 'breached'"
            " AND stopped_at IS NULL AND breached_at IS NOT NULL"
        )
        breached = env.cr.fetchone()[0]
        assert breached == args.due, f"{breached} clocks breached, {args.due} due"
        env.cr.execute("SELECT count(*) FROM sla_breach")
        records = env.cr.fetchone()[0]
        assert records == args.due, f"{records} breach records, {args.due} due"

    due = _median_ms(
        env,
        due_clocks._cron_mark_breaches,
        args.rounds,
        check,
        lambda: _mark_warnings_handled(env, due_at),
    )
    # the clock list's first page, in the model's default order (deadline)
    listing = _median_ms(env, lambda: env["sla.clock"].search([], limit=80), args.runs)
    return {
        "empty": empty,
        "next": nxt,
        "due_run": due,
        "per_due": max(due - empty, 0.0) / args.due,
        "list": listing,
    }


def _without(env, indexes, args):
    """`_measure` without `indexes`, all in a savepoint rolled back after."""
    savepoint = env.cr.savepoint()
    try:
        for name in indexes:
            env.cr.execute(f'DROP INDEX IF EXISTS "{name}"')
        return _measure(env, args)
    finally:
        savepoint.close(rollback=True)


def _has_column(env, column):
    env.cr.execute(
        "SELECT 1 FROM information_schema.columns"
        " WHERE table_name = 'sla_clock' AND column_name = %s",
        [column],
    )
    return bool(env.cr.fetchone())


def _counting_indexes(env):
    """sla_contract's partial indexes over counting clocks."""
    env.cr.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'sla_clock'"
        " AND indexdef LIKE '%WHERE%paused_since IS NULL%'"
    )
    return [row[0] for row in env.cr.fetchall()]


def _index_exists(env, name):
    env.cr.execute("SELECT to_regclass(%s)", [name])
    return env.cr.fetchone()[0] is not None


def _profile(env, args):
    due_at = _due_instant(env, args.due)
    clocks = env["sla.clock"].with_context(sla_now=due_at)
    savepoint = env.cr.savepoint()
    profiler = cProfile.Profile()
    try:
        _mark_warnings_handled(env, due_at)
        env.invalidate_all()
        profiler.enable()
        clocks._cron_mark_breaches()
        _settle(env)
        profiler.disable()
    finally:
        savepoint.close(rollback=True)
        env.invalidate_all()
    print(f"\nprofile of one run breaching {args.due} clocks (cumulative):")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)


def report(rows, args):
    print(
        f"breach job: {HISTORY_TICKETS * 2:,} stopped clocks, {OPEN:,} open"
        f" ({OPEN // PAUSED_EVERY:,} paused); median of {args.runs} runs,"
        f" due path {args.rounds} rounds of {args.due} due clocks"
    )
    labels = [
        ("empty", "run with nothing due"),
        ("per_due", "per due clock"),
        ("due_run", f"run with {args.due} due"),
        ("next", "find the next deadline"),
        ("list", "clock list, first page"),
    ]
    names = list(rows)
    ours = rows[names[0]]
    # each alternative as time and as its ratio to ours (x slower than ours)
    print(f"\n{'ms':<26}{names[0]:>14}" + "".join(f"{n:>26}" for n in names[1:]))
    for key, label in labels:
        cells = [f"{ours[key]:>14.2f}"]
        for name in names[1:]:
            value = rows[name][key]
            ratio = f"{value / ours[key]:.1f}x" if ours[key] > 0 else "n/a"
            cells.append(f"{value:>17.2f} {ratio:>8}")
        print(f"{label:<26}" + "".join(cells))
    ok = ours["empty"] <= TARGET_EMPTY_MS and ours["per_due"] <= TARGET_PER_DUE_MS
    print(
        f"\ntargets: nothing due {ours['empty']:.2f} ms (<= {TARGET_EMPTY_MS:g}),"
        f" per due clock {ours['per_due']:.2f} ms (<= {TARGET_PER_DUE_MS:g}):"
        f" {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--due", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--profile", action="store_true", help="print where a due run spends its time"
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
            if not _index_exists(env, NEW_INDEX):
                print(f"{NEW_INDEX} is missing: sla_contract did not create it")
                return 1
            # a pending wake-up would hide the trigger the job writes
            cron = env.ref("sla_contract.ir_cron_sla_breach")
            env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [cron.id])
            rows = {
                "both indexes": _without(env, [], args),
                "no partial (before)": _without(env, _counting_indexes(env), args),
                "no plain deadline/risk": _without(env, PLAIN_INDEXES, args),
            }
            if args.profile:
                _profile(env, args)
        finally:
            cr.rollback()
    if args.drop:
        odoo_db.drop_db(params, DB)
    return report(rows, args)


if __name__ == "__main__":
    sys.exit(main())
