"""The users of the load test (bench/load/run.py), for locust.

Runs in locust's own virtualenv (``.local/locust-venv``), not Odoo's: only
the standard library and locust. What the users log in with and work on is
read from the JSON file ``$LOAD_CONFIG``, written by ``bench/load/loader.py``.
Every request is also appended to ``$LOAD_REQUESTS`` (CSV: time, name,
milliseconds, failed, error) so that the runner counts failures per fault
phase and percentiles per endpoint on its own.

* ``Agent`` (50): JSON-RPC as the web client does it: the SLA queue (the
  groups, then the first group's rows), a ticket's form and chatter, a
  reply, a stage change, a new ticket.
* ``Customer`` (200): the portal: ``/my/tickets``, ``/my/sla``, a contract
  page, a new ticket through helpdesk_mgmt's form.
* ``Monitoring`` (1): Alertmanager posting firing then resolved alerts to
  sla_credits' webhook.
* ``Manager`` (1): edits a tier's response target once, mid-run, which
  re-targets that tier's open clocks in the background.
"""

import csv
import json
import os
import random
import re
import threading
import time
from datetime import UTC, datetime, timedelta

from locust import HttpUser, between, constant, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())
DB = CONFIG["db"]
CSRF = re.compile(r'name="csrf_token"\s+(?:t-att-)?value="([^"]+)"')
OPTION = re.compile(r'<select[^>]*name="(category|team)".*?</select>', re.S)
VALUE = re.compile(r'<option[^>]*value="(\d+)"')
QUEUE_DOMAIN = [["closed", "=", False], ["sla_urgency", "!=", False]]
QUEUE_FIELDS = [
    "sla_next_deadline",
    "sla_badge",
    "number",
    "name",
    "priority",
    "commercial_partner_id",
    "sla_tier_id",
    "user_id",
    "stage_id",
    "sla_color",
    "sla_remaining_display",
]
FORM_FIELDS = [
    *QUEUE_FIELDS,
    "description",
    "partner_id",
    "team_id",
    "sla_contract_id",
    "sla_priority_help",
    "sla_updating",
    "sla_urgency",
]
CLOCK_FIELDS = ["metric", "state", "deadline", "percent_used", "remaining_display"]


def _spec(names):
    return {
        name: {"fields": {"display_name": {}}} if name.endswith("_id") else {}
        for name in names
    }


# ----------------------------------------------------------------------
# every request, for the runner
# ----------------------------------------------------------------------

_log_lock = threading.Lock()
_log_file = open(os.environ["LOAD_REQUESTS"], "a", newline="", encoding="utf-8")
_log = csv.writer(_log_file)


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs):
    error = "" if exception is None else str(exception).splitlines()[0][:200]
    with _log_lock:
        _log.writerow(
            [
                f"{time.time():.3f}",
                name,
                f"{response_time:.1f}",
                int(bool(error)),
                error,
            ]
        )


@events.quitting.add_listener
def _close(**_kwargs):
    with _log_lock:
        _log_file.flush()


def _flush_now():
    with _log_lock:
        _log_file.flush()


@events.init.add_listener
def _flusher(**_kwargs):
    def loop():
        while True:
            time.sleep(2)
            _flush_now()

    threading.Thread(target=loop, daemon=True).start()


# ----------------------------------------------------------------------
# users
# ----------------------------------------------------------------------


class _JsonRpc:
    """JSON-RPC the way the web client sends it."""

    def rpc(self, url, params, name):
        payload = {"jsonrpc": "2.0", "method": "call", "id": random.randint(1, 10**9)}
        payload["params"] = params
        with self.client.post(url, json=payload, name=name, catch_response=True) as r:
            try:
                body = r.json()
            except ValueError:
                r.failure(f"HTTP {r.status_code}, not JSON")
                return None
            if r.status_code != 200 or "error" in body:
                error = body.get("error", {}) if isinstance(body, dict) else {}
                message = error.get("data", {}).get("message") or error.get("message")
                r.failure(f"HTTP {r.status_code}: {message}")
                return None
            r.success()
            return body.get("result")

    def call(self, model, method, args, kwargs=None, name=None):
        return self.rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
            name or f"rpc {model}.{method}",
        )

    def authenticate(self, login, password):
        result = self.rpc(
            "/web/session/authenticate",
            {"db": DB, "login": login, "password": password},
            "login (JSON-RPC)",
        )
        return result and result.get("uid")


class Agent(_JsonRpc, HttpUser):
    """An agent working the SLA queue."""

    fixed_count = CONFIG["agents_count"]
    wait_time = between(3, 9)

    def on_start(self):
        self.login, self.password = CONFIG["agents"].pop(0)
        CONFIG["agents"].append((self.login, self.password))
        self.uid = None
        while not self.uid:
            self.uid = self.authenticate(self.login, self.password)
            if not self.uid:
                time.sleep(5)
        self.rpc_context = {"lang": "en_US", "tz": "UTC", "uid": self.uid}
        self.tickets = []

    def _kwargs(self, **kwargs):
        return {**kwargs, "context": self.rpc_context}

    def _writable(self):
        # the watched tickets are left to the jobs: the runner counts their
        # escalations exactly, which an agent's reply or stage change would move
        pool = [
            t for t in self.tickets if not t[1].startswith(CONFIG["watched_prefix"])
        ]
        return random.choice(pool)[0] if pool else None

    @task(4)
    def open_queue(self):
        """The SLA queue: its urgency groups, then the most urgent group's
        rows, or, one time in two, the agent's own open tickets (the
        "My tickets" filter), where he works."""
        if random.random() < 0.5:
            return self._rows(
                [*QUEUE_DOMAIN, ["user_id", "=", self.uid]],
                "agent: my queue rows (web_search_read)",
            )
        groups = self.call(
            "helpdesk.ticket",
            "web_read_group",
            [QUEUE_DOMAIN, [], ["sla_urgency"]],
            self._kwargs(lazy=True, orderby="sla_urgency"),
            name="agent: queue groups (web_read_group)",
        )
        if not groups or not groups.get("groups"):
            return
        first = groups["groups"][0]
        return self._rows(
            [*QUEUE_DOMAIN, ["sla_urgency", "=", first["sla_urgency"]]],
            "agent: queue rows (web_search_read)",
        )

    def _rows(self, domain, name):
        rows = self.call(
            "helpdesk.ticket",
            "web_search_read",
            [domain],
            self._kwargs(
                specification=_spec(QUEUE_FIELDS),
                limit=80,
                order="sla_next_deadline, id",
                count_limit=10001,
            ),
            name=name,
        )
        if rows:
            self.tickets = [(r["id"], r["number"] or "") for r in rows["records"]]

    @task(4)
    def open_ticket(self):
        if not self.tickets:
            return self.open_queue()
        ticket_id = random.choice(self.tickets)[0]
        spec = _spec(FORM_FIELDS)
        spec["sla_clock_ids"] = {"fields": _spec(CLOCK_FIELDS)}
        self.call(
            "helpdesk.ticket",
            "web_read",
            [[ticket_id]],
            self._kwargs(specification=spec),
            name="agent: open ticket (web_read)",
        )
        self.rpc(
            "/mail/thread/messages",
            {"thread_model": "helpdesk.ticket", "thread_id": ticket_id, "limit": 30},
            "agent: ticket chatter (/mail/thread/messages)",
        )

    @task(2)
    def reply(self):
        ticket_id = self._writable()
        if ticket_id is None:
            return self.open_queue()
        self.call(
            "helpdesk.ticket",
            "message_post",
            [[ticket_id]],
            self._kwargs(
                body="We are looking into it and will update you shortly.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            ),
            name="agent: reply (message_post)",
        )

    @task(1)
    def change_stage(self):
        ticket_id = self._writable()
        if ticket_id is None:
            return self.open_queue()
        # mostly work in progress; one change in five closes the ticket
        stages = CONFIG["stages_open"]
        if random.random() < 0.2:
            stages = CONFIG["stages_closed"]
        self.call(
            "helpdesk.ticket",
            "write",
            [[ticket_id], {"stage_id": random.choice(stages)}],
            self._kwargs(),
            name="agent: change stage (write)",
        )

    @task(1)
    def create_ticket(self):
        partner = random.choice(CONFIG["customers"])
        self.call(
            "helpdesk.ticket",
            "create",
            [
                {
                    "name": "Phone call: printer queue stuck",
                    "description": "<p>Logged by phone.</p>",
                    "partner_id": partner,
                    "priority": random.choice(["0", "1", "1", "2", "3"]),
                }
            ],
            self._kwargs(),
            name="agent: create ticket (create)",
        )


class Customer(HttpUser):
    """A customer in the portal."""

    fixed_count = CONFIG["customers_count"]
    wait_time = between(8, 25)

    def on_start(self):
        entry = CONFIG["portal"].pop(0)
        CONFIG["portal"].append(entry)
        self.login, self.password, self.contract = entry
        while not self._login():
            time.sleep(5)

    def _csrf(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as r:
            found = CSRF.search(r.text or "")
            if r.status_code != 200 or not found:
                r.failure(f"HTTP {r.status_code}, no csrf token")
                return None, None
            r.success()
            return found.group(1), r.text

    def _login(self):
        token, _page = self._csrf("/web/login", "portal: login page")
        if not token:
            return False
        with self.client.post(
            "/web/login",
            data={
                "login": self.login,
                "password": self.password,
                "csrf_token": token,
                "redirect": "/my",
            },
            name="portal: log in (POST /web/login)",
            catch_response=True,
        ) as r:
            if r.status_code != 200 or "/web/login" in r.url:
                r.failure(f"HTTP {r.status_code}, still on {r.url}")
                return False
            r.success()
            return True

    def _page(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
            elif "/web/login" in r.url:
                r.failure("logged out")
            else:
                r.success()

    @task(3)
    def my_tickets(self):
        self._page("/my/tickets", "portal: /my/tickets")

    @task(2)
    def my_sla(self):
        self._page("/my/sla", "portal: /my/sla")

    @task(2)
    def my_contract(self):
        self._page(f"/my/sla/{self.contract}", "portal: /my/sla/<contract>")

    @task(1)
    def new_ticket(self):
        token, page = self._csrf("/new/ticket", "portal: new ticket form")
        if not token:
            return
        data = {
            "csrf_token": token,
            "subject": "The VPN drops every few minutes",
            "description": "Since this morning, for the whole office.",
            "sla_priority": random.choice(["1", "1", "2"]),
        }
        for select in OPTION.finditer(page):
            values = VALUE.findall(select.group(0))
            if values:
                data[select.group(1)] = values[0]
        with self.client.post(
            "/submitted/ticket",
            data=data,
            name="portal: submit ticket (POST /submitted/ticket)",
            catch_response=True,
        ) as r:
            if r.status_code != 200 or "/my/ticket/" not in r.url:
                r.failure(f"HTTP {r.status_code}, landed on {r.url}")
            else:
                r.success()


def _alert(status, fingerprint, started):
    return {
        "status": status,
        "labels": {
            "alertname": "ServiceDown",
            "severity": "critical",
            CONFIG["alert_label"]: CONFIG["alert_value"],
        },
        "annotations": {"summary": "Load test outage"},
        "startsAt": started.isoformat().replace("+00:00", "Z"),
        "endsAt": (
            "0001-01-01T00:00:00Z"
            if status == "firing"
            else datetime.now(UTC).isoformat().replace("+00:00", "Z")
        ),
        "generatorURL": "http://prometheus.invalid/graph",
        "fingerprint": fingerprint,
    }


class Monitoring(HttpUser):
    """Alertmanager: an outage fires, is re-sent, then resolves."""

    fixed_count = 1
    wait_time = constant(10)

    def on_start(self):
        self.open = None
        self.count = 0

    def _post(self, status, name):
        fingerprint, started = self.open
        body = {
            "version": "4",
            "groupKey": '{}:{alertname="ServiceDown"}',
            "status": status,
            "receiver": "sla-webhook",
            "groupLabels": {"alertname": "ServiceDown"},
            "commonLabels": {"alertname": "ServiceDown"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.invalid",
            "alerts": [_alert(status, fingerprint, started)],
        }
        with self.client.post(
            "/sla/alertmanager",
            json=body,
            headers={"Authorization": f"Bearer {CONFIG['alert_token']}"},
            name=name,
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}: {r.text[:200]}")
            else:
                r.success()

    @task
    def cycle(self):
        if self.open is None:
            self.count += 1
            started = datetime.now(UTC) - timedelta(seconds=30)
            self.open = (f"load-{CONFIG['run_id']}-{self.count}", started)
            self._post("firing", "alertmanager: firing")
        elif random.random() < 0.3:
            self._post("resolved", "alertmanager: resolved")
            self.open = None
        else:
            # Alertmanager re-sends a firing group every group_interval
            self._post("firing", "alertmanager: firing (repeat)")


class Manager(_JsonRpc, HttpUser):
    """Edits a tier's response target once, mid-run."""

    fixed_count = 1
    wait_time = constant(30)

    def on_start(self):
        self.done = False

    @task
    def edit_tier_once(self):
        if self.done or time.time() < CONFIG["edit_at"]:
            return
        if not self.authenticate(CONFIG["manager"][0], CONFIG["manager"][1]):
            return  # tried again at the next turn
        target = CONFIG["edit_target"]
        result = self.call(
            "sla.tier.target",
            "write",
            [[target["id"]], {"response_value": target["new_value"]}],
            {"context": {"lang": "en_US", "tz": "UTC"}},
            name="manager: edit a tier's target (write)",
        )
        self.done = result is not None
