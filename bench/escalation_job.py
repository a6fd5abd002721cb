"""Benchmark the escalation job against a long history of stopped clocks.

The database is the breach job's (``bench/breach_job.py``): 1,000,000 stopped
clocks on 500,000 closed tickets and 100,000 open resolution clocks on
100,000 open tickets, one in ten paused, with ``sla_escalation`` installed.
The open clocks count on the 24/7 calendar and only the shipped 100% rule of
resolution is active, so each counting clock's next escalation instant is
its deadline, set with SQL. "Now" is frozen (``sla_now``). Figures, each a
median over several runs rolled back:

* ``sla.clock._cron_sla_escalate()`` when no clock is due;
* the same job when ``--due`` clocks are due (the events are checked: one per
  due clock, none twice);
* a naive scan measured in the same run: what a polling job without the
  stored instant does, load every open clock and compute how much of its
  target it has used, to find the due ones.

Usage::

    .venv/bin/python bench/escalation_job.py [--runs 15] [--due 100] [--rounds 5]

Exits non-zero when a check fails or a target is missed (<= 10 ms with none
due; the due run of the order of its firings, not of the open tickets).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import breach_job
import odoo_db

DB = "sla_bench_escalation"
MARKER = "sla_bench.escalation_job"
TARGET_EMPTY_MS = 10.0


def prepare(params):
    import psycopg2

    odoo_db.ensure_db(
        params, DB, "sla_escalation", update=True, data_dir=odoo_db.FILESTORE
    )
    conn = psycopg2.connect(dbname=DB, **params)
    try:
        with conn.cursor() as cr:
            breach_job._populate(cr)
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [MARKER])
            if not cr.fetchone():
                cr.execute(
                    """SELECT res_id FROM ir_model_data
                        WHERE module = 'sla_contract'
                          AND name = 'resource_calendar_24_7'"""
                )
                calendar = cr.fetchone()[0]
                cr.execute(
                    """UPDATE sla_clock SET calendar_id = %s,
                              sla_escalation_at = CASE WHEN paused_since IS NULL
                                                       THEN deadline END
                        WHERE stopped_at IS NULL""",
                    [calendar],
                )
                cr.execute(
                    "INSERT INTO ir_config_parameter (key, value, create_date,"
                    " write_date) VALUES (%s, '1', now(), now())",
                    [MARKER],
                )
            # one rule, the breach of resolution: one event per due clock,
            # applied to every threshold whenever the database was installed
            cr.execute(
                """UPDATE sla_escalation_rule SET active = (
                          metric = 'resolution' AND threshold_percent = 100),
                          effective_from = NULL"""
            )
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute("VACUUM ANALYZE sla_clock")
    finally:
        conn.close()


def _due_instant(env, count):
    env.cr.execute(
        """SELECT sla_escalation_at FROM sla_clock
            WHERE stopped_at IS NULL AND paused_since IS NULL
              AND sla_escalation_at IS NOT NULL
            ORDER BY sla_escalation_at OFFSET %s LIMIT 1""",
        [count - 1],
    )
    return env.cr.fetchone()[0]


def _naive_scan(env, now):
    """Every open clock loaded, its used share computed, the due ones kept."""
    clocks = (
        env["sla.clock"]
        .with_context(sla_now=now)
        .search([("stopped_at", "=", False), ("paused_since", "=", False)])
    )
    return clocks.filtered(lambda c: c.percent_used >= 100.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
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
            cron = env.ref("sla_escalation.ir_cron_sla_escalation")
            cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = %s", [cron.id])
            clocks = env["sla.clock"].with_context(sla_now=breach_job.NOW)
            empty = breach_job._median_ms(env, clocks._cron_sla_escalate, args.runs)
            due_at = _due_instant(env, args.due)
            due_clocks = env["sla.clock"].with_context(sla_now=due_at)

            def check():
                env.cr.execute(
                    "SELECT count(*), count(DISTINCT (clock_id, rule_id))"
                    " FROM sla_escalation_event WHERE state = 'done'"
                )
                events, distinct = env.cr.fetchone()
                assert events == distinct == args.due, (
                    f"{events} events ({distinct} distinct), {args.due} due"
                )

            due = breach_job._median_ms(
                env, due_clocks._cron_sla_escalate, args.rounds, check
            )
            env.invalidate_all()
            t0 = time.perf_counter()
            found = _naive_scan(env, due_at)
            naive = (time.perf_counter() - t0) * 1000
            assert len(found) >= args.due, f"naive scan found {len(found)}"
        finally:
            cr.rollback()
    per_due = max(due - empty, 0.0) / args.due
    print(f"escalation job, {breach_job.OPEN} open tickets, 1,000,000 stopped clocks")
    print(f"  none due:            {empty:9.2f} ms  (target <= {TARGET_EMPTY_MS} ms)")
    print(f"  {args.due} due:             {due:9.2f} ms  ({per_due:.2f} ms per firing)")
    print(f"  naive scan (no fire): {naive:9.2f} ms")
    print(f"  naive / none due:    {naive / empty:9.0f}x")
    print(f"  naive / {args.due} due:     {naive / due:9.1f}x")
    ok = empty <= TARGET_EMPTY_MS and due < naive
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
