"""The Alertmanager webhook over real HTTP: downtime incidents from alerts.

Payloads follow Alertmanager's documented webhook format (version 4) and are
posted as JSON with the monitored service's bearer token, as Alertmanager
does. Every rejected payload must leave the incidents as they were.
"""

import importlib.util
import json
from datetime import date, datetime
from pathlib import Path
from unittest.mock import patch

import psycopg2.errors

from odoo import Command
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import SQL, mute_logger

from ..models.sla_monitored_service import TOKEN_CRYPT_CONTEXT

MIGRATION = (
    Path(__file__).parents[1] / "migrations" / "18.0.1.1.0" / "post-migration.py"
)

URL = "/sla/alertmanager"
ZERO = "0001-01-01T00:00:00Z"
# 10:00:00.123456789 at +02:00, as Go encodes it
STARTS_AT = "2026-09-10T10:00:00.123456789+02:00"
START_UTC = datetime(2026, 9, 10, 8, 0, 0, 123456)
ENDS_AT = "2026-09-10T08:45:30.5Z"
END_UTC = datetime(2026, 9, 10, 8, 45, 30, 500000)


def alert(status="firing", service="api-eu", **overrides):
    result = {
        "status": status,
        "labels": {
            "alertname": "ServiceDown",
            "service": service,
            "severity": "critical",
        },
        "annotations": {
            "summary": f"{service} is down",
            "description": "Blackbox probe failed for 2 minutes.",
        },
        "startsAt": STARTS_AT,
        "endsAt": ZERO if status == "firing" else ENDS_AT,
        "generatorURL": "http://prometheus:9090/graph?g0.expr=probe_success+%3D%3D+0",
        "fingerprint": f"fp-{service}",
    }
    result.update(overrides)
    return result


def payload(*alerts):
    alerts = list(alerts)
    firing = any(a.get("status") == "firing" for a in alerts if isinstance(a, dict))
    return {
        "version": "4",
        "groupKey": '{}/{severity="critical"}:{alertname="ServiceDown"}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "sla-webhook",
        "groupLabels": {"alertname": "ServiceDown"},
        "commonLabels": {"alertname": "ServiceDown", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }


@tagged("post_install", "-at_install")
class TestAlertmanagerWebhook(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # quiet fixtures; the webhook's own requests keep their tracking
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        gold = cls.env.ref("sla_contract.sla_tier_gold")
        Contract = cls.env["contract.contract"]
        Service = cls.env["sla.monitored.service"]
        cls.contracts = Contract
        for name in ("Webhook Europe", "Webhook America"):
            partner = cls.env["res.partner"].create({"name": name, "is_company": True})
            cls.contracts |= Contract.create(
                {
                    "name": f"{name} hosting",
                    "partner_id": partner.id,
                    "contract_type": "sale",
                    "date_start": date(2026, 1, 1),
                    "sla_tier_id": gold.id,
                    "sla_date_start": date(2026, 1, 1),
                }
            )
        cls.contract_eu, cls.contract_us = cls.contracts
        cls.service_eu = Service.create(
            {
                "name": "API Europe",
                "contract_id": cls.contract_eu.id,
                "alert_value": "api-eu",
            }
        )
        cls.service_us = Service.create(
            {
                "name": "API America",
                "contract_id": cls.contract_us.id,
                "alert_value": "api-us",
            }
        )
        cls.service_old = Service.create(
            {
                "name": "Retired API",
                "contract_id": cls.contract_eu.id,
                "alert_value": "api-old",
            }
        )
        cls.token_eu = cls.service_eu._sla_issue_token()
        cls.token_us = cls.service_us._sla_issue_token()
        cls.token_old = cls.service_old._sla_issue_token()
        cls.service_old.active = False
        for login, group in (
            ("webhook_manager", "helpdesk_mgmt.group_helpdesk_manager"),
            ("webhook_agent", "helpdesk_mgmt.group_helpdesk_user"),
        ):
            cls.env["res.users"].with_context(no_reset_password=True).create(
                {
                    "name": login,
                    "login": login,
                    "password": login,
                    "groups_id": [Command.set([cls.env.ref(group).id])],
                }
            )
        last = cls.env["sla.incident"].search([], order="id desc", limit=1)
        cls.last_incident_id = last.id or 0

    # ------------------------------------------------------------ helpers

    def post(self, body, token=None, authorization=None):
        """POST ``body`` (an object sent as JSON, or raw bytes) as
        Alertmanager does; ``token`` defaults to the EU service's."""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Alertmanager/0.27.0",
        }
        if authorization is None:
            authorization = f"Bearer {token or self.token_eu}"
        if authorization is not False:
            headers["Authorization"] = authorization
        data = body if isinstance(body, bytes) else json.dumps(body)
        response = self.url_open(URL, data=data, headers=headers)
        # the request wrote through the test cursor: read it afresh
        self.env.invalidate_all()
        return response

    def incidents(self):
        """Every incident written since the fixtures, whatever its contract."""
        return self.env["sla.incident"].search(
            [("id", ">", self.last_incident_id)], order="id"
        )

    def snapshot(self):
        return [
            (i.id, i.contract_id.id, i.service_id.id, i.start_at, i.end_at)
            for i in self.incidents()
        ]

    def assertRejected(self, response, status, before=()):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(
            response.headers.get("Content-Type", "").split(";")[0], "application/json"
        )
        self.assertTrue(response.json().get("error"), response.text)
        self.assertEqual(self.snapshot(), list(before), "a rejected payload wrote")

    # ------------------------------------------------------------ firing

    def test_firing_opens_one_incident(self):
        # written at the first try: no read-only cursor to fall back from
        with self.assertNoLogs("odoo.http", level="WARNING"):
            response = self.post(payload(alert()))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"opened": 1, "closed": 0, "unchanged": 0})
        incident = self.incidents()
        self.assertEqual(len(incident), 1)
        self.assertEqual(incident.contract_id, self.contract_eu)
        self.assertEqual(incident.service_id, self.service_eu)
        self.assertEqual(incident.partner_id, self.contract_eu.partner_id)
        # 10:00 at +02:00 is 08:00 UTC, naive, as Odoo stores it
        self.assertEqual(incident.start_at, START_UTC)
        self.assertFalse(incident.end_at)
        self.assertEqual(incident.duration_minutes, 0)
        self.assertEqual(incident.source, "alertmanager")
        self.assertEqual(incident.fingerprint, "fp-api-eu")
        self.assertEqual(incident.name, "api-eu is down")
        self.assertEqual(incident.description, "Blackbox probe failed for 2 minutes.")
        self.assertFalse(incident.planned)

    def test_repeated_firing_changes_nothing(self):
        self.post(payload(alert()))
        before = self.snapshot()
        self.assertEqual(len(before), 1)
        # Alertmanager re-sends the group every group_interval, and the same
        # alert may even appear twice in one notification.
        for body in (payload(alert()), payload(alert(), alert())):
            response = self.post(body)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(response.json()["opened"], 0)
            self.assertEqual(self.snapshot(), before)

    def test_two_alerts_of_one_service(self):
        second = alert(
            fingerprint="fp-api-eu-latency",
            startsAt="2026-09-10T09:00:00Z",
            labels={"alertname": "HighLatency", "service": "api-eu"},
            annotations={},
        )
        response = self.post(payload(alert(), second))
        self.assertEqual(response.json(), {"opened": 2, "closed": 0, "unchanged": 0})
        incidents = self.incidents()
        self.assertEqual(incidents.service_id, self.service_eu)
        self.assertEqual(
            sorted(incidents.mapped("name")), ["HighLatency", "api-eu is down"]
        )
        self.assertFalse(any(incidents.mapped("end_at")))

    def test_request_retried_after_a_serialization_failure(self):
        # Odoo re-runs the whole handler when PostgreSQL reports a
        # concurrent update: the second run must still see the payload.
        Service = type(self.env["sla.monitored.service"])
        apply_alerts = Service._sla_apply_alerts
        calls = []

        def concurrent_once(service, alerts):
            calls.append(len(alerts))
            if len(calls) == 1:
                service.env.cr.execute(
                    SQL(
                        "DO $$ BEGIN RAISE EXCEPTION 'concurrent update' "
                        "USING ERRCODE = 'serialization_failure'; END $$"
                    ),
                    log_exceptions=False,
                )
            return apply_alerts(service, alerts)

        with patch.object(Service, "_sla_apply_alerts", concurrent_once):
            response = self.post(payload(alert()))
        self.assertEqual(calls, [1, 1])
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"opened": 1, "closed": 0, "unchanged": 0})
        self.assertEqual(len(self.incidents()), 1)

    def test_resolved_racing_its_firing_is_retried_not_lost(self):
        # Another request writes the firing while this one handles the
        # resolved: the insert collides. Counting it "unchanged" would leave
        # the incident open for ever; the request is re-run instead.
        Incident = type(self.env["sla.incident"])
        create = Incident.create
        calls = []

        def collide_once(model, vals_list):
            calls.append(1)
            if len(calls) == 1:
                raise psycopg2.errors.UniqueViolation("alert_uniq")
            return create(model, vals_list)

        with patch.object(Incident, "create", collide_once):
            response = self.post(payload(alert("resolved")))
        self.assertEqual(len(calls), 2)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"opened": 0, "closed": 1, "unchanged": 0})
        self.assertEqual(self.incidents().end_at, END_UTC)

    # ------------------------------------------------------------ resolved

    def test_resolved_closes_the_incident(self):
        self.post(payload(alert()))
        opened = self.incidents()
        response = self.post(payload(alert("resolved")))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"opened": 0, "closed": 1, "unchanged": 0})
        incident = self.incidents()
        self.assertEqual(incident, opened, "resolved must close, not add")
        self.assertEqual(incident.end_at, END_UTC)
        self.assertAlmostEqual(incident.duration_minutes, 45.5, delta=0.01)
        # resolved again, then a late firing re-sent: it stays closed
        for body in (payload(alert("resolved")), payload(alert())):
            response = self.post(body)
            self.assertEqual(
                response.json(), {"opened": 0, "closed": 0, "unchanged": 1}
            )
            self.assertEqual(self.incidents(), opened)
            self.assertEqual(opened.end_at, END_UTC)

    def test_resolved_without_firing_creates_a_closed_incident(self):
        response = self.post(payload(alert("resolved")))
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"opened": 0, "closed": 1, "unchanged": 0})
        incident = self.incidents()
        self.assertEqual(len(incident), 1)
        self.assertEqual(incident.service_id, self.service_eu)
        self.assertEqual(incident.contract_id, self.contract_eu)
        self.assertEqual(incident.start_at, START_UTC)
        self.assertEqual(incident.end_at, END_UTC)
        # the firing that arrives late does not reopen it
        self.post(payload(alert()))
        self.assertEqual(self.incidents(), incident)
        self.assertTrue(incident.end_at)

    def test_new_outage_after_resolution_is_a_new_incident(self):
        self.post(payload(alert()))
        self.post(payload(alert("resolved")))
        again = alert(startsAt="2026-09-10T12:00:00.000000001Z")
        response = self.post(payload(again))
        self.assertEqual(response.json(), {"opened": 1, "closed": 0, "unchanged": 0})
        first, second = self.incidents().sorted("start_at")
        self.assertTrue(first.end_at)
        self.assertFalse(second.end_at)
        self.assertEqual(second.start_at, datetime(2026, 9, 10, 12, 0))

    # ------------------------------------------------------------ tokens

    def test_no_token(self):
        for authorization in (False, "", "Bearer", "Bearer   ", "Token abc"):
            response = self.post(payload(alert()), authorization=authorization)
            self.assertRejected(response, 401)

    def test_wrong_token(self):
        token = self.token_eu
        for authorization in (
            "Bearer not-the-token",
            f"Bearer {token[:-1]}",
            f"Bearer {token}x",
            f"Basic {token}",
            f"Bearer {token.upper() if token.upper() != token else token.lower()}",
        ):
            response = self.post(payload(alert()), authorization=authorization)
            self.assertRejected(response, 401)

    def test_archived_service(self):
        self.assertTrue(self.token_old)
        response = self.post(payload(alert(service="api-old")), token=self.token_old)
        self.assertRejected(response, 403)

    def test_each_service_writes_only_its_own_incidents(self):
        self.assertNotEqual(self.token_eu, self.token_us)
        response = self.post(payload(alert(service="api-us")), token=self.token_us)
        self.assertEqual(response.json()["opened"], 1)
        response = self.post(payload(alert(service="api-eu")), token=self.token_eu)
        self.assertEqual(response.json()["opened"], 1)
        incidents = self.incidents()
        self.assertEqual(len(incidents), 2)
        for incident in incidents:
            service = {"fp-api-eu": self.service_eu, "fp-api-us": self.service_us}[
                incident.fingerprint
            ]
            self.assertEqual(incident.service_id, service)
            self.assertEqual(incident.contract_id, service.contract_id)
        # one service's token cannot close, or open, the other's
        before = self.snapshot()
        response = self.post(
            payload(alert("resolved", service="api-us")), token=self.token_eu
        )
        self.assertRejected(response, 422, before)
        response = self.post(
            payload(alert("resolved", service="api-eu")), token=self.token_us
        )
        self.assertRejected(response, 422, before)
        # and each closes its own
        self.post(payload(alert("resolved", service="api-us")), token=self.token_us)
        closed = self.incidents().filtered("end_at")
        self.assertEqual(closed.service_id, self.service_us)

    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def stored_row(self, service):
        """The service's row as PostgreSQL holds it, every column as text."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT row_to_json(s)::text FROM sla_monitored_service s WHERE id = %s",
            service.ids,
        )
        return self.env.cr.fetchone()[0]

    def test_token_is_shown_once_and_only_its_hash_kept(self):
        service = self.service_us
        self.assertNotIn(self.token_us, self.stored_row(service))
        self.authenticate("webhook_manager", "webhook_manager")
        # a new token, shown in the dialog the button opens
        action = self.call(
            "sla.monitored.service", "action_regenerate_token", service.ids
        )
        self.assertEqual(action["res_model"], "sla.monitored.service.token")
        token = action["context"]["default_token"]
        self.assertGreaterEqual(len(token), 40)
        shown = self.call(
            "sla.monitored.service.token",
            "default_get",
            ["token", "service_name"],
            context=action["context"],
        )
        self.assertEqual(shown, {"token": token, "service_name": "API America"})
        # never readable again: not over RPC, not in the database
        fields = self.call("sla.monitored.service", "fields_get", [], ["type"])
        self.assertNotIn("token_hash", fields)
        [values] = self.call("sla.monitored.service", "read", service.ids, list(fields))
        self.assertNotIn(token, json.dumps(values))
        self.assertEqual(values["token_prefix"], token[:8])
        self.assertNotIn(token, self.stored_row(service))
        service.invalidate_recordset()
        self.assertTrue(TOKEN_CRYPT_CONTEXT.verify(token, service.sudo().token_hash))
        # the new token works, the old one no longer does
        response = self.post(payload(alert(service="api-us")), token=token)
        self.assertEqual(response.json()["opened"], 1)
        before = self.snapshot()
        response = self.post(
            payload(alert("resolved", service="api-us")), token=self.token_us
        )
        self.assertRejected(response, 401, before)

    def test_only_managers_issue_tokens(self):
        self.authenticate("webhook_agent", "webhook_agent")
        fields = self.call("sla.monitored.service", "fields_get", [], ["type"])
        self.assertNotIn("token_prefix", fields)
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.call(
                "sla.monitored.service", "action_regenerate_token", self.service_eu.ids
            )
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        response = self.post(payload(alert()), token=self.token_eu)
        self.assertEqual(response.status_code, 200, response.text)

    def test_migration_keeps_existing_tokens_working(self):
        # A database from before: the token in plain text, no hash.
        legacy = "plain-token-from-version-18.0.1.0.0-abcdefghijklmnop"
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("ALTER TABLE sla_monitored_service ADD COLUMN token varchar")
        cr.execute(
            "UPDATE sla_monitored_service SET token = %s, token_prefix = NULL, "
            "token_hash = NULL WHERE id = %s",
            [legacy, self.service_eu.id],
        )
        spec = importlib.util.spec_from_file_location(
            "sla_credits_migration", MIGRATION
        )
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertNotIn(legacy, self.stored_row(self.service_eu))
        cr.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'sla_monitored_service' AND column_name = 'token'"
        )
        self.assertFalse(cr.fetchall())
        response = self.post(payload(alert()), token=legacy)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["opened"], 1)

    def test_same_fingerprint_on_two_services(self):
        # Two Alertmanagers, or two customers' alerts with equal labels: the
        # fingerprint is only unique within a service.
        self.post(payload(alert(fingerprint="shared")))
        self.post(
            payload(alert(service="api-us", fingerprint="shared")),
            token=self.token_us,
        )
        self.assertEqual(
            self.incidents().mapped("service_id"), self.service_eu | self.service_us
        )

    # ------------------------------------------------------------ bad payloads

    def test_foreign_label_rejects_the_whole_payload(self):
        self.post(payload(alert()))
        before = self.snapshot()
        valid_new = alert(fingerprint="fp-new", startsAt="2026-09-10T09:00:00Z")
        for body in (
            payload(alert("resolved"), alert(service="api-us")),
            payload(valid_new, alert(service="api-us", fingerprint="fp-other")),
            payload(alert(labels={"alertname": "ServiceDown"})),
        ):
            response = self.post(body)
            self.assertRejected(response, 422, before)
            self.assertIn("api-eu", response.json()["error"])
        self.assertFalse(self.incidents().end_at)

    def test_malformed_json(self):
        self.post(payload(alert()))
        before = self.snapshot()
        for body in (
            b'{"version": "4", "alerts": [',
            b"version=4",
            b"\xff\xfe{}",
            json.dumps(payload(alert("resolved"))).encode()[:-1],
        ):
            response = self.post(body)
            self.assertRejected(response, 400, before)

    def test_deeply_nested_json(self):
        # A JSON 400 like any bad payload, not a server error.
        self.post(payload(alert()))
        before = self.snapshot()
        nested_label = alert("resolved")
        nested_label["labels"]["service"] = json.loads("[" * 40 + "]" * 40)
        for body in (
            b"[" * 50_000,
            b"[" * 50_000 + b"]" * 50_000,
            b'{"version": "4", "alerts": ' + b"[" * 50_000,
            payload(nested_label),
        ):
            with self.assertNoLogs("odoo.http", level="ERROR"):
                response = self.post(body)
            self.assertRejected(response, 400, before)
            self.assertIn("nested", response.json()["error"])

    def test_invalid_payload(self):
        self.post(payload(alert()))
        before = self.snapshot()
        wrong_version = payload(alert("resolved"))
        wrong_version["version"] = "3"
        for body in (
            wrong_version,
            payload(),
            [payload(alert("resolved"))],
            payload(alert("resolved", endsAt=ZERO)),
            payload(alert("resolved", endsAt="2026-09-10T09:59:59+02:00")),
            payload(alert("resolved"), alert(startsAt="yesterday")),
        ):
            response = self.post(body)
            self.assertRejected(response, 400, before)
        self.assertFalse(self.incidents().end_at)

    def test_too_large(self):
        body = payload(alert())
        body["commonAnnotations"] = {"padding": "x" * (1024 * 1024)}
        self.assertRejected(self.post(body), 413)
        # sent in chunks, without a Content-Length
        data = json.dumps(body).encode()
        chunks = (data[i : i + 65536] for i in range(0, len(data), 65536))
        response = self.url_open(
            URL,
            data=chunks,
            headers={
                "Authorization": f"Bearer {self.token_eu}",
                "Content-Type": "application/json",
            },
        )
        self.env.invalidate_all()
        self.assertRejected(response, 413)

    def test_get_is_not_allowed(self):
        response = self.url_open(
            URL, headers={"Authorization": f"Bearer {self.token_eu}"}
        )
        self.assertEqual(response.status_code, 405)
        self.assertEqual(self.snapshot(), [])
