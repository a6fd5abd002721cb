from datetime import datetime, time, timedelta

import pytz

# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import

from odoo import fields
from odoo.tests import HttpCase, tagged

BRUSSELS = pytz.timezone("Europe/Brussels")


def next_friday_afternoon():
    """A Friday 15:00 in Brussels at least a week ahead, as naive UTC."""
    today = datetime.now(BRUSSELS).date() + timedelta(days=7)
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    start = BRUSSELS.localize(datetime.combine(friday, time(15, 0)))
    return start.astimezone(pytz.utc).replace(tzinfo=None)


@tagged("post_install", "-at_install")
class TestSlaBadgeTour(HttpCase):
    """The live badge counts down in the browser without a reload."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        customer = cls.env["res.partner"].create(
            {"name": "SLA Badge Customer", "is_company": True}
        )
        cls.env["contract.contract"].create(
            {
                "name": "SLA badge Bronze support",
                "partner_id": customer.id,
                "contract_type": "sale",
                "date_start": fields.Date.today() - timedelta(days=30),
                "sla_tier_id": ref("sla_contract.sla_tier_bronze").id,
                "sla_date_start": fields.Date.today() - timedelta(days=30),
            }
        )
        cls.agent = cls.env["res.users"].create(
            {
                "name": "SLA Badge Agent",
                "login": "sla_badge_agent",
                "password": "sla_badge_agent",
                "email": "badge.agent@example.com",
                "tz": "Europe/Brussels",
                "groups_id": [(6, 0, [ref("helpdesk_mgmt.group_helpdesk_user").id])],
            }
        )
        cls.start = next_friday_afternoon()
        # Clocks that start in the future: every instant the browser mocks
        # is then ahead of the server's own time, whenever the test runs.
        cls.ticket = (
            cls.env["helpdesk.ticket"]
            .with_context(sla_now=cls.start)
            .create(
                {
                    "name": "SLA badge tour ticket",
                    "description": "The printer is down.",
                    "partner_id": customer.id,
                    "priority": "3",
                    "user_id": cls.agent.id,
                }
            )
        )

    def test_badge_counts_down_live(self):
        response = self.ticket.sla_clock_ids.filtered(lambda c: c.metric == "response")
        self.assertEqual(response.start_at, self.start)
        # Two hours on Friday, two on Monday morning.
        monday = BRUSSELS.localize(
            datetime.combine(self.start.date() + timedelta(days=3), time(11, 0))
        )
        self.assertEqual(
            response.deadline, monday.astimezone(pytz.utc).replace(tzinfo=None)
        )
        self.start_tour(
            "/odoo/action-sla_contract.helpdesk_ticket_action_sla_realtime",
            "sla_contract_badge_tour",
            login="sla_badge_agent",
        )
        response.invalidate_recordset()
        self.assertEqual(response.state, "met")
