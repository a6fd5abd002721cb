"""Exactly once across processes: two Odoo servers fire 10,000 escalations.

Several Odoo servers on one PostgreSQL is how the suite scales out, so the
escalation job must fire each (clock, rule) once there too. This script:

* creates (or reuses, after an update) the database
  ``sla_bench_escalation_two`` with ``sla_escalation`` installed, and empties
  its tickets;
* makes ``--thresholds`` thresholds due at once, with SQL in one transaction:
  as many open tickets, spread over ``--customers`` customers, each with one
  running response clock (Gold tier, 24/7 calendar, 24 h target) that
  reached 50 % of its target a few minutes ago and is far from its other
  thresholds. Only the shipped rule "Response 50%" is active: condition "no
  response yet", notify the assigned agent and schedule an activity for them
  (no reassignment, no e-mail to the customer), so each firing is cheap and
  leaves visible side effects: the event, one chatter note and one activity
  per ticket. Each notification also writes the ticket's customer
  (auth_signup), so workers firing tickets of one customer contend on its
  row: the job must retry those, not lose them;
* starts two real ``odoo`` server processes on the database (loopback only,
  free HTTP ports, ``--max-cron-threads`` each). Odoo runs one ``ir.cron``
  record in one worker at a time (its row is locked), so the shipped job
  alone would never overlap with itself; ``--jobs`` escalation jobs run
  (the shipped one and copies of it, same code), so that up to that many
  cron workers of both servers run the escalation at the same moment on the
  same due clocks. Every 2 s the script keeps every escalation job due and
  wakes the cron workers (``pg_notify('cron_trigger')``, what
  ``ir.cron._trigger()`` does), so the run is bound by the work, not by the
  workers' 60 s polling;
* a step's note is posted by the job *SLA: escalation messages* right after
  the step fired (the activity is scheduled by the step itself); that job
  runs with as many copies as the escalation job. The figure to meet is the
  drain time, until no threshold is due (target: 60 s); the time until the
  last note is posted is printed beside it;
* waits (at most ``--timeout`` seconds) until no bench clock is due and no
  note is queued, lets the
  servers run ``--linger`` seconds more (a double firing would show then),
  stops them, and counts: events, distinct (clock, rule), chatter notes and
  activities per ticket, and which server inserted each event (a trigger of
  the bench database records the inserting connection's
  ``application_name``, which names the server).

Figures of 2026-12-03 (2 cores, both servers and PostgreSQL on them):
10,000 thresholds, every step done in 261 s, every note posted at 498 s;
the same run with the notes posted inside the firing (the code before the
messages job) drained in 387 s.

Usage::

    .venv/bin/python bench/escalation_two_servers.py [--thresholds 10000]
        [--jobs 4] [--cron-threads 2] [--timeout 900] [--linger 10]

PostgreSQL is reached as ``bench/odoo_db.py`` says (``scripts/pg.sh``).
Exits non-zero unless exactly N events, none twice, none missed, one note
and one activity per ticket.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_db

DB = "sla_bench_escalation_two"
RULE = ("sla_escalation", "rule_response_50")
COPY_NAME = "SLA: escalations (bench copy %s)"
MESSAGES_COPY_NAME = "SLA: escalation messages (bench copy %s)"
TARGET_DRAIN_S = 60.0
SERVERS = ("a", "b")
LOG_DIR = odoo_db.ROOT / ".local"
POLL_SECONDS = 2.0
START_TIMEOUT = 300


def _ref(cr, module, name):
    cr.execute(
        "SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s",
        [module, name],
    )
    return cr.fetchone()[0]


# ----------------------------------------------------------------------
# set-up
# ----------------------------------------------------------------------


def _escalation_jobs(params, jobs):
    """The shipped escalation job and `jobs - 1` copies of it (ORM, so the
    server action behind each is copied too); their ids."""
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo_db.load_odoo(params, DB, data_dir=odoo_db.FILESTORE)
    with Registry(DB).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        crons = env["ir.cron"]
        for xmlid, name in (
            ("sla_escalation.ir_cron_sla_escalation", COPY_NAME),
            ("sla_escalation.ir_cron_sla_escalation_messages", MESSAGES_COPY_NAME),
        ):
            cron = env.ref(xmlid)
            copies = (
                env["ir.cron"]
                .with_context(active_test=False)
                .search([("name", "=like", name.replace("%s", "%"))])
            )
            copies.unlink()
            crons |= cron
            for number in range(1, jobs):
                crons |= cron.copy({"name": name % number})
        crons.write({"active": True, "interval_number": 15})
        return crons.ids


def prepare(params, count, customers, jobs):
    import psycopg2

    odoo_db.ensure_db(
        params, DB, "sla_escalation", update=True, data_dir=odoo_db.FILESTORE
    )
    cron_ids = _escalation_jobs(params, jobs)
    print(f"filling {DB}: {count} due thresholds ...", file=sys.stderr)
    conn = psycopg2.connect(dbname=DB, **params)
    try:
        with conn.cursor() as cr:
            _fill(cr, count, customers, cron_ids)
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cr:
            for table in ("sla_clock", "helpdesk_ticket", "sla_escalation_event"):
                cr.execute(f"VACUUM ANALYZE {table}")
    finally:
        conn.close()
    return cron_ids


def _fill(cr, count, customers, cron_ids):
    # a bench database: start from no ticket and no escalation at all
    cr.execute("TRUNCATE helpdesk_ticket, sla_escalation_event CASCADE")
    cr.execute("DELETE FROM mail_message WHERE model = 'helpdesk.ticket'")
    cr.execute("DELETE FROM mail_activity WHERE res_model = 'helpdesk.ticket'")
    cr.execute("DELETE FROM mail_followers WHERE res_model = 'helpdesk.ticket'")
    # who inserted each event, and each attempt refused by the constraint
    cr.execute(
        """
        CREATE TABLE IF NOT EXISTS bench_event_origin (
            clock_id integer, rule_id integer, app text, inserted boolean,
            at timestamp DEFAULT clock_timestamp());
        TRUNCATE bench_event_origin;
        CREATE OR REPLACE FUNCTION bench_event_origin_log() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO bench_event_origin (clock_id, rule_id, app, inserted)
            VALUES (NEW.clock_id, NEW.rule_id,
                    current_setting('application_name'), TG_WHEN = 'AFTER');
            RETURN NEW;
        END $$;
        DROP TRIGGER IF EXISTS bench_event_attempt ON sla_escalation_event;
        DROP TRIGGER IF EXISTS bench_event_inserted ON sla_escalation_event;
        CREATE TRIGGER bench_event_attempt BEFORE INSERT ON sla_escalation_event
            FOR EACH ROW EXECUTE FUNCTION bench_event_origin_log();
        CREATE TRIGGER bench_event_inserted AFTER INSERT ON sla_escalation_event
            FOR EACH ROW EXECUTE FUNCTION bench_event_origin_log();
        """
    )
    rule = _ref(cr, *RULE)
    # applied to every clock, however recently the database was installed:
    # the thresholds were reached before the rule took effect
    cr.execute(
        "UPDATE sla_escalation_rule SET active = (id = %s), effective_from = NULL",
        [rule],
    )
    tier = _ref(cr, "sla_contract", "sla_tier_gold")
    calendar = _ref(cr, "sla_contract", "resource_calendar_24_7")
    stage = _ref(cr, "helpdesk_mgmt", "helpdesk_ticket_stage_new")
    # the customers: every notification on a ticket writes its customer
    # (auth_signup), so tickets of one customer contend on its row
    cr.execute("SELECT count(*) FROM res_partner WHERE name LIKE 'Bench Customer %%'")
    have = cr.fetchone()[0]
    if have < customers:
        cr.execute(
            """
            INSERT INTO res_partner (name, is_company, active, company_id,
                   autopost_bills, create_date, write_date)
            SELECT 'Bench Customer ' || g, true, true, 1, 'ask', now(), now()
              FROM generate_series(%s, %s) g
            """,
            [have + 1, customers],
        )
        cr.execute(
            "UPDATE res_partner SET commercial_partner_id = id"
            " WHERE name LIKE 'Bench Customer %%'"
        )
    cr.execute(
        "SELECT array_agg(id ORDER BY id) FROM res_partner"
        " WHERE name LIKE 'Bench Customer %%'"
    )
    partners = cr.fetchone()[0][:customers]
    values = {
        "count": count,
        "partners": partners,
        "customers": customers,
        "stage": stage,
        "tier": tier,
        "calendar": calendar,
    }
    # open tickets of the administrator (the agent the rule alerts)
    cr.execute(
        """
        INSERT INTO helpdesk_ticket (number, name, description, company_id,
               partner_id, commercial_partner_id, stage_id, priority, active,
               sla_tier_id, user_id, create_date, write_date, create_uid,
               write_uid)
        SELECT 'ESC2-' || g, 'Two-server ticket ' || g, '<p>bench</p>', 1,
               p, p, %(stage)s, '2', true, %(tier)s, 2, now(), now(), 1, 1
          FROM (SELECT g, (%(partners)s::int[])[1 + g %% %(customers)s] AS p
                  FROM generate_series(1, %(count)s) g) s
        """,
        values,
    )
    # 24 h response targets started 12 h 5 min ago: 50 % reached 5 minutes
    # ago, 75 % (at risk) and the deadline hours ahead
    cr.execute(
        """
        INSERT INTO sla_clock (ticket_id, metric, cycle, company_id, partner_id,
               tier_id, calendar_id, ticket_priority, target_minutes,
               slo_percent, at_risk_percent, start_at, deadline, slo_deadline,
               at_risk_at, state, consumed_minutes, paused_minutes,
               sla_escalation_at, create_date, write_date, create_uid,
               write_uid)
        SELECT t.id, 'response', 1, 1, t.partner_id, %(tier)s, %(calendar)s,
               '2', 1440, 90, 75, s, s + interval '1 day',
               s + interval '1296 minutes', s + interval '18 hours',
               'running', 0, 0, s + interval '12 hours', now(), now(), 1, 1
          FROM (SELECT id, partner_id,
                       date_trunc('second', now() at time zone 'UTC')
                       - interval '725 minutes' AS s
                  FROM helpdesk_ticket WHERE number LIKE 'ESC2-%%') t
        """,
        values,
    )
    odoo_db.fill_cycles(cr)
    cr.execute(
        """
        UPDATE helpdesk_ticket t
           SET sla_next_deadline = c.deadline, sla_at_risk_at = c.at_risk_at,
               sla_state = c.state, sla_breached = false, sla_paused = false
          FROM sla_clock c
         WHERE c.ticket_id = t.id
        """
    )
    # the jobs wait for the servers: nothing due before they are up
    cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id IN %s", [tuple(cron_ids)])
    cr.execute(
        "UPDATE ir_cron SET nextcall = (now() at time zone 'UTC') + interval '1 day',"
        " failure_count = 0, first_failure_date = NULL WHERE id IN %s",
        [tuple(cron_ids)],
    )


# ----------------------------------------------------------------------
# servers
# ----------------------------------------------------------------------


def _start_server(params, name, cron_threads):
    args = odoo_db.odoo_args(params, DB, odoo_db.FILESTORE)[:-2]  # log level
    log = LOG_DIR / f"bench-escalation-two-{name}.log"
    log.unlink(missing_ok=True)
    cmd = [
        str(odoo_db.ODOO_BIN),
        "server",
        *args,
        "--db-filter",
        f"^{DB}$",
        "--no-database-list",
        "--http-interface",
        "127.0.0.1",
        "--http-port",
        str(odoo_db.free_port()),
        "--gevent-port",
        str(odoo_db.free_port()),
        "--workers",
        "0",
        "--max-cron-threads",
        str(cron_threads),
        "--log-level",
        "info",
        "--logfile",
        str(log),
    ]
    env = dict(os.environ, ODOO_PGAPPNAME=f"bench-{name}-{{pid}}")
    proc = subprocess.Popen(
        cmd, env=env, start_new_session=True, stdin=subprocess.DEVNULL
    )
    return proc, log


def _stop_server(proc):
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_ready(servers):
    """Until each server has loaded the registry (its cron threads start
    right after)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for proc, _log in servers:
            if proc.poll() is not None:
                raise RuntimeError(f"an Odoo server exited ({proc.returncode})")
        if all(
            log.exists() and "Registry loaded" in log.read_text(errors="replace")
            for _proc, log in servers
        ):
            return
        time.sleep(1)
    raise RuntimeError("the Odoo servers did not load the database in time")


def _nudge(cr, notify_cr, cron_ids):
    """Keep every escalation job due and wake the cron workers (they listen
    on the ``postgres`` database, as ``ir.cron._notifydb`` knows)."""
    cr.execute(
        """
        INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date,
                                     create_uid, write_uid)
        SELECT c, now() at time zone 'UTC', now(), now(), 1, 1
          FROM unnest(%s) c
         WHERE NOT EXISTS (SELECT 1 FROM ir_cron_trigger t WHERE t.cron_id = c
                              AND t.call_at <= now() at time zone 'UTC')
        """,
        [list(cron_ids)],
    )
    notify_cr.execute("SELECT pg_notify('cron_trigger', %s)", [DB])


def _due(cr):
    cr.execute(
        """SELECT count(*) FROM sla_clock
            WHERE stopped_at IS NULL AND paused_since IS NULL
              AND sla_escalation_at <= now() at time zone 'UTC'"""
    )
    return cr.fetchone()[0]


def _queued(cr):
    cr.execute(
        "SELECT count(*) FROM sla_escalation_event WHERE message_state = 'queued'"
    )
    return cr.fetchone()[0]


def run(params, cron_ids, args):
    import psycopg2

    conn = psycopg2.connect(dbname=DB, **params)
    conn.autocommit = True
    notify_conn = psycopg2.connect(dbname="postgres", **params)
    notify_conn.autocommit = True
    servers = []
    try:
        for name in SERVERS:
            servers.append(_start_server(params, name, args.cron_threads))
        _wait_ready(servers)
        print("both servers up; thresholds due now", file=sys.stderr)
        t0 = time.monotonic()
        drained = posted = None
        with conn.cursor() as cr, notify_conn.cursor() as notify_cr:
            while time.monotonic() - t0 < args.timeout:
                for proc, _log in servers:
                    if proc.poll() is not None:
                        raise RuntimeError(f"an Odoo server exited ({proc.returncode})")
                due = _due(cr)
                queued = _queued(cr)
                if due == 0 and drained is None:
                    drained = time.monotonic() - t0
                    print(f"none due after {drained:.1f} s", file=sys.stderr)
                if due == 0 and queued == 0 and posted is None:
                    posted = time.monotonic() - t0
                    print(f"no message queued after {posted:.1f} s", file=sys.stderr)
                if posted is not None and time.monotonic() - t0 >= (
                    posted + args.linger
                ):
                    break
                if posted is None:
                    _nudge(cr, notify_cr, cron_ids)
                    print(f"  {due} due, {queued} messages queued", file=sys.stderr)
                time.sleep(POLL_SECONDS)
        return drained, posted, time.monotonic() - t0
    finally:
        for proc, _log in servers:
            _stop_server(proc)
        conn.close()
        notify_conn.close()


# ----------------------------------------------------------------------
# counting
# ----------------------------------------------------------------------


def count(params):
    import psycopg2

    conn = psycopg2.connect(dbname=DB, **params)
    figures = {}
    try:
        with conn.cursor() as cr:
            rule = _ref(cr, *RULE)
            subtype = _ref(cr, "sla_escalation", "mt_ticket_sla_escalated")
            cr.execute("SELECT count(*) FROM sla_clock")
            figures["clocks"] = cr.fetchone()[0]
            cr.execute(
                """SELECT count(*), count(DISTINCT (clock_id, rule_id)),
                          count(*) FILTER (WHERE state = 'done'),
                          count(*) FILTER (WHERE state = 'skipped'),
                          count(*) FILTER (WHERE state = 'failed'),
                          count(*) FILTER (WHERE rule_id != %s)
                     FROM sla_escalation_event""",
                [rule],
            )
            (
                figures["events"],
                figures["distinct"],
                figures["done"],
                figures["skipped"],
                figures["failed"],
                figures["other_rule"],
            ) = cr.fetchone()
            cr.execute(
                """SELECT count(*) FROM sla_clock c WHERE NOT EXISTS (
                       SELECT 1 FROM sla_escalation_event e
                        WHERE e.clock_id = c.id AND e.rule_id = %s)""",
                [rule],
            )
            figures["missed"] = cr.fetchone()[0]
            cr.execute(
                """SELECT count(*), count(DISTINCT res_id) FROM mail_message
                    WHERE model = 'helpdesk.ticket' AND subtype_id = %s""",
                [subtype],
            )
            figures["notes"], figures["noted_tickets"] = cr.fetchone()
            cr.execute(
                """SELECT count(*), count(DISTINCT res_id) FROM mail_activity
                    WHERE res_model = 'helpdesk.ticket'"""
            )
            figures["activities"], figures["activity_tickets"] = cr.fetchone()
            cr.execute(
                """SELECT split_part(app, '-', 2), inserted, count(*)
                     FROM bench_event_origin GROUP BY 1, 2 ORDER BY 1, 2"""
            )
            figures["origin"] = cr.fetchall()
            cr.execute(
                """SELECT count(DISTINCT app) FROM bench_event_origin
                    WHERE inserted"""
            )
            figures["connections"] = cr.fetchone()[0]
    finally:
        conn.close()
    return figures


def _job_runs(log):
    """How many times the server's cron workers started an escalation job."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return sum(
        1
        for line in text.splitlines()
        if "Job 'SLA: escalations" in line and line.rstrip().endswith("starting")
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--thresholds", type=int, default=10_000)
    parser.add_argument(
        "--jobs",
        type=int,
        default=4,
        help="escalation cron jobs: the shipped one and copies of it",
    )
    parser.add_argument("--cron-threads", type=int, default=2)
    parser.add_argument(
        "--customers", type=int, default=100, help="customers the tickets share"
    )
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--linger", type=float, default=10.0)
    args = parser.parse_args()
    if min(args.thresholds, args.jobs, args.cron_threads, args.customers) < 1:
        parser.error("--thresholds, --jobs, --cron-threads, --customers: >= 1")

    params = odoo_db.db_params()
    cron_ids = prepare(params, args.thresholds, args.customers, args.jobs)
    drained, posted, wall = run(params, cron_ids, args)
    f = count(params)
    n = args.thresholds
    duplicates = f["events"] - f["distinct"]
    print(
        f"escalation across two Odoo servers, {args.cron_threads} cron threads "
        f"each, {args.jobs} escalation jobs"
    )
    print(f"  expected:             {n:9d}")
    print(f"  fired (events):       {f['events']:9d}  (distinct {f['distinct']})")
    print(
        f"    done / skipped / failed: {f['done']} / {f['skipped']} / {f['failed']}"
        f"; other rules: {f['other_rule']}"
    )
    print(f"  duplicates:           {duplicates:9d}")
    print(f"  missed:               {f['missed']:9d}")
    print(f"  chatter notes:        {f['notes']:9d}  on {f['noted_tickets']} tickets")
    print(
        f"  activities:           {f['activities']:9d}"
        f"  on {f['activity_tickets']} tickets"
    )
    for server, inserted, rows in f["origin"]:
        what = "inserted" if inserted else "claims tried"
        print(f"  server {server}: {what:14s} {rows:9d}")
    print(f"  server processes that inserted events: {f['connections']}")
    for name in SERVERS:
        log = LOG_DIR / f"bench-escalation-two-{name}.log"
        print(f"  server {name}: {_job_runs(log)} escalation job runs ({log})")
    if drained is None:
        print(f"  NOT drained within {args.timeout:.0f} s")
    else:
        met = "met" if drained <= TARGET_DRAIN_S else "MISSED"
        print(
            f"  drained in:           {drained:9.1f} s  (target "
            f"{TARGET_DRAIN_S:.0f} s: {met}; wall {wall:.1f} s)"
        )
    if posted is not None:
        print(f"  last note posted at:  {posted:9.1f} s")
    ok = (
        drained is not None
        and posted is not None
        and f["clocks"] == n
        and f["events"] == f["distinct"] == f["done"] == n
        and f["missed"] == 0
        and f["notes"] == f["noted_tickets"] == n
        and f["activities"] == f["activity_tickets"] == n
    )
    print("  OK: exactly once" if ok else "  FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
