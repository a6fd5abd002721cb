"""Benchmark the customer's SLA pages in the portal.

One customer with 5,000 tickets over twelve months (two stopped clocks each,
one in ten breached) and an SLA contract, seen through a real Odoo server by
his portal user. Each page is fetched many times; the median and the 95th
percentile are printed next to the portal's own ticket list, ``/my/tickets``,
fetched the same way in the same run.

Target: each SLA page's p95 at most 1.5x that of ``/my/tickets``.

Usage::

    .venv/bin/python bench/portal_pages.py [--runs 40] [--drop]
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_db

DB = "sla_bench_portal"
TICKETS = 5_000
MARKER = "sla_bench.portal"
SHAPE = f"{TICKETS} v2"
TARGET_RATIO = 1.5
LOGIN = PASSWORD = "bench_portal"
LOG = odoo_db.ROOT / ".local" / "bench-portal-server.log"


def _populate(params):
    """The customer, his contract and portal user through the ORM; his
    tickets and clocks in SQL."""
    import odoo
    from odoo import Command, api, fields
    from odoo.modules.registry import Registry

    odoo_db.load_odoo(params, DB, data_dir=odoo_db.FILESTORE)
    print(f"filling {DB}: {SHAPE} ...", file=sys.stderr)
    with Registry(DB).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        ref = env.ref
        partner = env["res.partner"].create(
            {"name": "Bench Portal Ltd", "is_company": True}
        )
        today = fields.Date.today()
        start = today.replace(year=today.year - 2, day=1)
        contract = env["contract.contract"].create(
            {
                "name": "Bench portal Gold support",
                "partner_id": partner.id,
                "contract_type": "sale",
                "date_start": start,
                "sla_tier_id": ref("sla_contract.sla_tier_gold").id,
                "sla_date_start": start,
                "sla_penalty_date": start,
            }
        )
        user = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Bench portal user",
                    "login": LOGIN,
                    "password": PASSWORD,
                    "parent_id": partner.id,
                    "groups_id": [Command.set([ref("base.group_portal").id])],
                }
            )
        )
        tier = contract.sla_tier_id
        done = ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cr.execute(
            """
            INSERT INTO helpdesk_ticket (number, name, description, company_id,
                   partner_id, commercial_partner_id, stage_id, priority, active,
                   rating_status, sla_contract_id, sla_tier_id, create_date,
                   write_date, create_uid, write_uid)
            SELECT 'PB' || g, 'Portal bench ticket ' || g, '<p>bench</p>', 1,
                   %(user_partner)s, %(partner)s, %(stage)s, (g %% 4)::text, true,
                   'no_rating', %(contract)s, %(tier)s,
                   now() - (g * 6151 %% 31536000) * interval '1 second',
                   now(), 1, 1
              FROM generate_series(1, %(total)s) g
            """,
            {
                "user_partner": user.partner_id.id,
                "partner": partner.id,
                "stage": done.id,
                "contract": contract.id,
                "tier": tier.id,
                "total": TICKETS,
            },
        )
        cr.execute(
            """
            INSERT INTO sla_clock (ticket_id, metric, cycle, company_id, partner_id,
                   contract_id, tier_id, calendar_id, ticket_priority,
                   target_minutes, slo_percent, at_risk_percent, start_at,
                   deadline, state, stopped_at, breached_at, report_date,
                   consumed_minutes, paused_minutes, compliance,
                   measurement_only, create_date, write_date, create_uid,
                   write_uid)
            SELECT t.id, m.metric, 1, 1, %(partner)s, %(contract)s, %(tier)s,
                   %(calendar)s, t.priority, 240, 50, 75, t.create_date,
                   t.create_date + interval '4 hours',
                   CASE WHEN t.id %% 10 = 0 THEN 'breached' ELSE 'met' END,
                   t.create_date + interval '3 hours',
                   CASE WHEN t.id %% 10 = 0 THEN t.create_date + interval '4 hours' END,
                   (t.create_date + interval '3 hours')::date,
                   180, 0, CASE WHEN t.id %% 10 = 0 THEN 0 ELSE 100 END, false,
                   now(), now(), 1, 1
              FROM helpdesk_ticket t
             CROSS JOIN (VALUES ('response'), ('resolution')) m(metric)
             WHERE t.number LIKE 'PB%%'
            """,
            {
                "partner": partner.id,
                "contract": contract.id,
                "tier": tier.id,
                "calendar": tier.calendar_id.id,
            },
        )
        odoo_db.fill_cycles(cr)
        env["ir.config_parameter"].set_param(MARKER, SHAPE)
        env["ir.config_parameter"].set_param("sla_bench.portal_contract", contract.id)
        cr.commit()


def prepare(params):
    ready = odoo_db.filled_as_wanted(params, DB, "sla_portal", MARKER, SHAPE)
    odoo_db.ensure_db(params, DB, "sla_portal", data_dir=odoo_db.FILESTORE)
    odoo_db.ensure_db(
        params, DB, "sla_contract", update=True, data_dir=odoo_db.FILESTORE
    )
    if not ready:
        _populate(params)


def _server(params, port):
    args = odoo_db.odoo_args(params, DB, odoo_db.FILESTORE)[:-2]
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
        str(port),
        "--gevent-port",
        str(odoo_db.free_port()),
        "--workers",
        "0",
        "--max-cron-threads",
        "0",
        "--log-level",
        "warn",
        "--logfile",
        str(LOG),
    ]
    return subprocess.Popen(cmd, start_new_session=True, stdin=subprocess.DEVNULL)


def _opener(base):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    for _attempt in range(120):
        try:
            opener.open(base + "/web/login", timeout=5)
            break
        except OSError:
            time.sleep(1)
    request = urllib.request.Request(
        base + "/web/session/authenticate",
        data=json.dumps(
            {
                "jsonrpc": "2.0",
                "params": {"db": DB, "login": LOGIN, "password": PASSWORD},
            }
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    answer = json.load(opener.open(request, timeout=60))
    if "error" in answer:
        raise RuntimeError(answer["error"])
    return opener


def _time(opener, url, runs):
    times = []
    for _dummy in range(runs + 2):
        t0 = time.perf_counter()
        with opener.open(url, timeout=120) as response:
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
        times.append((time.perf_counter() - t0) * 1000)
    times = sorted(times[2:])  # the first two warm the caches
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, body


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    params = odoo_db.db_params()
    prepare(params)
    import psycopg2

    conn = psycopg2.connect(dbname=DB, **params)
    with conn.cursor() as cr:
        cr.execute(
            "SELECT value FROM ir_config_parameter WHERE key = %s",
            ["sla_bench.portal_contract"],
        )
        contract_id = int(cr.fetchone()[0])
    conn.close()
    port = odoo_db.free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _server(params, port)
    failures = []
    try:
        opener = _opener(base)
        rows = {}
        for name, path in (
            ("/my/tickets", "/my/tickets"),
            ("/my/sla", "/my/sla"),
            ("contract page", f"/my/sla/{contract_id}"),
        ):
            median, p95, body = _time(opener, base + path, args.runs)
            rows[name] = (median, p95)
            if name == "contract page" and b"Bench portal Gold support" not in body:
                failures.append("the contract page did not show the contract")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    bare = rows["/my/tickets"][1]
    print(f"\n{DB}: one customer, {TICKETS:,} tickets, {args.runs} fetches each")
    print(f"  {'page':<16}{'median ms':>11}{'p95 ms':>10}{'p95 / tickets':>15}")
    for name, (median, p95) in rows.items():
        print(f"  {name:<16}{median:>11.1f}{p95:>10.1f}{p95 / bare:>14.2f}x")
        if name != "/my/tickets" and p95 > TARGET_RATIO * bare:
            failures.append(f"{name}: p95 above {TARGET_RATIO}x /my/tickets")
    print(f"  target: each SLA page's p95 at most {TARGET_RATIO}x /my/tickets")
    if args.drop:
        odoo_db.drop_db(params, DB)
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
