"""Live updates in prefork mode: a breach reaches a second agent's open
queue, without a reload, through the topology of ``scripts/cluster.sh``.

In prefork mode the browser's websocket is served by each server's gevent
worker (``--gevent-port``, behind nginx's ``/websocket``); the breach is
found by the cron-only server; PostgreSQL's NOTIFY carries the bus message
from one to the other. Nothing of that runs in a test server, so this
drives the real thing:

* an agent (``jonas``, a demo agent; his password is set for the run) opens
  the SLA queue in headless Chromium, through the front;
* a Gold customer's new ticket, his, is made to breach: its running clock's deadline
  is moved to a few seconds ahead, and the breach job is woken for that
  instant (a trigger row, and the cron workers notified at the instant, as
  the wake-up alarm of the process that sets a deadline does);
* the script watches the page: the "SLA breached" notification and the
  ticket's row in the queue, which must turn breached without a reload.

Prints the seconds from the deadline to each, and fails when either does
not come within ``--timeout`` seconds.

Usage (with ``make cluster`` running)::

    .venv/bin/python bench/live_prefork.py [--front URL] [--db NAME]
        [--cluster-dir DIR] [--timeout 90]
"""

import argparse
import http.cookiejar
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg2
import websocket

ROOT = Path(__file__).resolve().parents[1]
AGENT = "jonas"
AGENT_PASSWORD = "live-prefork"
QUEUE = "sla_contract.helpdesk_ticket_action_sla_realtime"


class Session:
    """A JSON-RPC session on the front, with its own cookie."""

    def __init__(self, front, db):
        self.front = front
        self.db = db
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )
        self.ids = itertools.count(1)

    def call(self, path, params):
        body = json.dumps(
            {"jsonrpc": "2.0", "method": "call", "params": params, "id": next(self.ids)}
        ).encode()
        request = urllib.request.Request(
            self.front + path, body, {"Content-Type": "application/json"}
        )
        with self.opener.open(request, timeout=60) as response:
            reply = json.load(response)
        if reply.get("error"):
            raise RuntimeError(json.dumps(reply["error"])[:2000])
        return reply["result"]

    def login(self, login, password):
        self.call(
            "/web/session/authenticate",
            {"db": self.db, "login": login, "password": password},
        )
        return next(c.value for c in self.jar if c.name == "session_id")

    def execute(self, model, method, *args, **kwargs):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


class Page:
    """One Chromium tab, driven over the DevTools protocol."""

    def __init__(self, chromium, profile):
        port_file = Path(profile) / "DevToolsActivePort"
        self.process = subprocess.Popen(
            [
                chromium,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--window-size=1440,900",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline:
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        targets = json.load(
            urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list")
        )
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(
            page["webSocketDebuggerUrl"], suppress_origin=True, timeout=60
        )
        self.ids = itertools.count(1)

    def send(self, method, **params):
        number = next(self.ids)
        self.ws.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True
        )
        return result.get("result", {}).get("value")

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=20)


def wait_for(page, expression, what, seconds=60):
    started = time.monotonic()
    while not page.evaluate(expression):
        if time.monotonic() - started > seconds:
            where = page.evaluate("location.href + ' ' + document.title")
            raise RuntimeError(f"the page did not show {what} (at {where})")
        time.sleep(0.5)


def cluster_settings(directory):
    conf = (directory / "odoo-a.conf").read_text()
    options = dict(line.split(" = ", 1) for line in conf.splitlines() if " = " in line)
    return options


def xmlid(admin, name):
    [row] = admin.execute(
        "ir.model.data",
        "search_read",
        [("module", "=", "sla_contract"), ("name", "=", name)],
        ["res_id"],
    )
    return row["res_id"]


def new_ticket(admin, conn, agent_id):
    """A ticket of a Gold customer, written in now and assigned to the
    agent: its clocks run, far from their thresholds."""
    ticket_id = admin.execute(
        "helpdesk.ticket",
        "create",
        {
            "name": "Live update check: order export stalled",
            "description": "<p>Exports stop at 80 %.</p>",
            "partner_id": xmlid(admin, "demo_contact_gold_cto"),
            "team_id": xmlid(admin, "demo_team_support"),
            "user_id": agent_id,
            "priority": "2",
        },
    )
    with conn.cursor() as cr:
        cr.execute(
            """SELECT c.id, t.number, t.name FROM sla_clock c
                 JOIN helpdesk_ticket t ON t.id = c.ticket_id
                WHERE t.id = %s AND c.state = 'running'
                ORDER BY c.deadline LIMIT 1""",
            [ticket_id],
        )
        return cr.fetchone()


def make_due(conn, clock_id, seconds):
    """The clock's deadline a few seconds ahead, and the breach job woken
    then, as ``_sla_wake`` does for a clock near its deadline."""
    with conn.cursor() as cr:
        cr.execute(
            "SELECT (now() AT TIME ZONE 'UTC') + %s * interval '1 second'", [seconds]
        )
        deadline = cr.fetchone()[0]
        cr.execute(
            "UPDATE sla_clock SET deadline = %s WHERE id = %s", [deadline, clock_id]
        )
        cr.execute(
            """INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date)
               SELECT res_id, %s, now(), now() FROM ir_model_data
                WHERE module = 'sla_contract' AND name = 'ir_cron_sla_breach'""",
            [deadline],
        )
    conn.commit()
    return time.time() + seconds


def ring(conn, dbname):
    """What the wake-up alarm of the process that set the deadline does at
    its instant (sla_contract/tools/cron_alarm.py). The cron workers listen
    on the ``postgres`` database, as ``ir.cron._notifydb`` knows: a NOTIFY is
    only heard by listeners of the database it was sent in."""
    with conn.cursor() as cr:
        cr.execute("SELECT pg_notify('cron_trigger', %s)", [dbname])
    conn.commit()


def main():  # noqa: PLR0915
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster-dir", default=str(ROOT / ".local" / "cluster"))
    parser.add_argument("--front", default=None)
    parser.add_argument("--db", default=os.environ.get("SLA_CLUSTER_DB", "sla_cluster"))
    parser.add_argument("--timeout", type=float, default=90.0)
    parser.add_argument(
        "--lead", type=float, default=15.0, help="seconds to the deadline"
    )
    args = parser.parse_args()
    directory = Path(args.cluster_dir)
    options = cluster_settings(directory)
    front = args.front or "http://127.0.0.1:{}".format(
        os.environ.get("SLA_CLUSTER_PORT", "8080")
    )
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium is not installed (scripts/bootstrap.sh installs it)")

    admin = Session(front, args.db)
    admin.login("admin", "admin")
    [agent_id] = admin.execute("res.users", "search", [("login", "=", AGENT)])
    admin.execute("res.users", "write", [agent_id], {"password": AGENT_PASSWORD})
    agent = Session(front, args.db)
    session_id = agent.login(AGENT, AGENT_PASSWORD)

    conn = psycopg2.connect(
        host=options["db_host"],
        port=options["db_port"],
        user=options["db_user"],
        password=options["db_password"],
        dbname=args.db,
    )
    bell = psycopg2.connect(
        host=options["db_host"],
        port=options["db_port"],
        user=options["db_user"],
        password=options["db_password"],
        dbname="postgres",
    )
    picked = new_ticket(admin, conn, agent_id)
    if not picked:
        sys.exit(f"the new ticket has no running SLA clock in {args.db}")
    clock_id, number, name = picked
    print(f"ticket {number} {name!r} (clock {clock_id}), agent {AGENT}, front {front}")

    profile = tempfile.mkdtemp(prefix="sla-live-")
    page = Page(chromium, profile)
    failed = False
    try:
        page.send("Network.enable")
        page.send(
            "Network.setCookie",
            name="session_id",
            value=session_id,
            url=front,
            httpOnly=True,
        )
        page.send("Page.enable")
        page.send("Page.navigate", url=f"{front}/odoo/action-{QUEUE}")
        find_row = (
            "Array.from(document.querySelectorAll('.o_data_row'))"
            f".find(r => r.innerText.includes({json.dumps(number)}))"
        )
        wait_for(page, "!!document.querySelector('.o_searchview_input')", "the queue")
        # The agent looks the ticket up in his queue, grouped by urgency.
        page.evaluate("document.querySelector('.o_searchview_input').focus()")
        page.send("Input.insertText", text=number)
        time.sleep(1)
        for kind in ("keyDown", "keyUp"):
            page.send(
                "Input.dispatchKeyEvent",
                type=kind,
                key="Enter",
                code="Enter",
                windowsVirtualKeyCode=13,
            )
        wait_for(page, "!!document.querySelector('.o_group_header')", "the groups")
        page.evaluate(
            "document.querySelectorAll('.o_group_header:not(.o_group_open)')"
            ".forEach(h => h.click())"
        )
        wait_for(page, f"!!({find_row})", f"the row of {number}")
        # the websocket is open once the bus service has subscribed
        time.sleep(3)
        before = page.evaluate(f"({find_row}).innerText")
        print(f"queue open, row: {' '.join(before.split())[:160]}")
        page.evaluate("window.__slaMarker = 'no reload'")
        due = make_due(conn, clock_id, args.lead)
        toast_at = row_at = None
        rung = False
        while time.time() < due + args.timeout and (toast_at is None or row_at is None):
            if not rung and time.time() >= due + 1:
                ring(bell, args.db)
                rung = True
            if (
                toast_at is None
                and time.time() >= due
                and page.evaluate(
                    "Array.from(document.querySelectorAll('.o_notification'))"
                    ".some(n => n.innerText.includes('SLA breached')"
                    f" && n.innerText.includes({json.dumps(number)}))"
                )
            ):
                toast_at = time.time()
            text = page.evaluate(f"(({find_row}) || {{innerText: ''}}).innerText") or ""
            if (
                row_at is None
                and text != before
                and ("Breached" in text or "Overdue" in text)
            ):
                row_at = time.time()
                print(f"row now: {' '.join(text.split())[:160]}")
            time.sleep(0.25)
        same_page = page.evaluate("window.__slaMarker") == "no reload"
        for label, at in (
            ("notification 'SLA breached'", toast_at),
            ("queue row breached", row_at),
        ):
            if at is None:
                failed = True
                print(f"{label}: not seen within {args.timeout:.0f} s of the deadline")
            else:
                print(f"{label}: {at - due:+.1f} s after the deadline")
        print(f"page reloaded: {'no' if same_page else 'yes'}")
        failed = failed or not same_page
    finally:
        page.close()
        shutil.rmtree(profile, ignore_errors=True)
        conn.close()
    print("RESULT:", "FAILED" if failed else "live update through the gevent workers")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
