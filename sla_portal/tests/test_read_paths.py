"""Read paths never write: the pages and calls that only show SLA figures
run on a read-only cursor (a PostgreSQL replica in production) without Odoo
having to try them again on the primary.

Odoo runs a `readonly` route, and an `@api.readonly` method called through
/web/dataset/call_kw, on a read-only transaction; a write there fails and
Odoo retries the whole request on a read/write cursor, logging a warning.
Each path below is called as its user would, and must not be retried.
"""

import json
from unittest.mock import patch

from odoo import http
from odoo.tests import tagged

from .common import SlaPortalCase

RETRY = "retrying with a read/write cursor"


class _Retries:
    """odoo.http's logger, recording the read-only retries it reports. Not a
    logging handler: a test run may have warnings disabled, and a retry must
    be seen whatever the logging settings."""

    def __init__(self, logger):
        self._logger = logger
        self.messages = []

    def __getattr__(self, name):
        return getattr(self._logger, name)

    def warning(self, msg, *args, **kwargs):
        text = msg % args if args else str(msg)
        if RETRY in text:
            self.messages.append(text)
        return self._logger.warning(msg, *args, **kwargs)


@tagged("post_install", "-at_install")
class TestReadPaths(SlaPortalCase):
    def setUp(self):
        super().setUp()
        self.retries = _Retries(http._logger)
        patcher = patch.object(http, "_logger", self.retries)
        patcher.start()
        self.addCleanup(patcher.stop)
        # an open ticket: its figures are live, computed as they are read
        self.open_ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Open outage",
                "description": "Still down.",
                "partner_id": self.users["alpha"].partner_id.id,
                "priority": "3",
            }
        )

    def call(self, model, method, *args, **kwargs):
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": kwargs,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        body = response.json()
        self.assertNotIn("error", body, body.get("error"))
        return body["result"]

    def assertNoRetry(self, what):
        self.assertEqual(self.retries.messages, [], what)

    def test_the_agents_and_managers_screens_only_read(self):
        self.authenticate("admin", "admin")
        ticket = self.open_ticket
        queue = {
            name: {}
            for name in (
                "name",
                "sla_badge",
                "sla_remaining_display",
                "sla_color",
                "sla_urgency",
                "sla_next_deadline",
                "sla_at_risk",
                "sla_due_today",
                "sla_priority_help",
            )
        }
        self.call(
            "helpdesk.ticket",
            "web_search_read",
            [("closed", "=", False)],
            specification=queue,
            limit=80,
        )
        self.assertNoRetry("the agent's queue")
        form = {
            **queue,
            "sla_clock_ids": {
                "fields": {
                    name: {}
                    for name in (
                        "metric",
                        "state",
                        "deadline",
                        "percent_used",
                        "remaining_display",
                        "color",
                    )
                }
            },
        }
        self.call("helpdesk.ticket", "web_read", [ticket.id], specification=form)
        self.assertNoRetry("the ticket form")
        for model, groupby, measures in (
            ("sla.ticket.report", ["report_date:month"], ["compliance:avg"]),
            ("sla.escalation.ticket.report", ["report_date:month"], ["escalated:avg"]),
            ("sla.contract.performance", ["month:month"], ["compliance:avg"]),
            ("sla.clock", ["tier_id"], ["compliance:avg"]),
        ):
            self.call(
                model,
                "web_read_group",
                [],
                fields=measures,
                groupby=groupby,
                lazy=False,
            )
            self.assertNoRetry(f"the {model} dashboard")
        self.call(
            "sla.clock",
            "web_search_read",
            [],
            specification={"percent_used": {}, "remaining_display": {}, "color": {}},
            limit=80,
        )
        self.assertNoRetry("the clock list")

    def test_the_customers_pages_only_read(self):
        self.authenticate("portal_alpha", "portal_alpha")
        contract = self.contracts["alpha"]
        ticket = self.open_ticket
        for url in (
            "/my",
            "/my/sla",
            f"/my/sla/{contract.id}",
            "/my/tickets",
            f"/my/ticket/{ticket.id}",
        ):
            self.assertEqual(self.url_open(url).status_code, 200, url)
            self.assertNoRetry(url)
