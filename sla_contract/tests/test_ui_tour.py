from datetime import timedelta

# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import

from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSlaTicketTour(HttpCase):
    """The SLA screens as a support agent uses them, in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        cls.gold = ref("sla_contract.sla_tier_gold")
        cls.stage_waiting = ref("sla_contract.helpdesk_ticket_stage_waiting_customer")
        cls.customer = cls.env["res.partner"].create(
            {"name": "SLA Tour Customer", "is_company": True}
        )
        cls.contract = cls.env["contract.contract"].create(
            {
                "name": "SLA tour Gold support",
                "partner_id": cls.customer.id,
                "contract_type": "sale",
                "date_start": fields.Date.today() - timedelta(days=30),
                "sla_tier_id": cls.gold.id,
                "sla_date_start": fields.Date.today() - timedelta(days=30),
            }
        )
        # A support agent: helpdesk rights only, no accounting.
        cls.agent = cls.env["res.users"].create(
            {
                "name": "SLA Tour Agent",
                "login": "sla_tour_agent",
                "password": "sla_tour_agent",
                "email": "tour.agent@example.com",
                "tz": "Europe/Brussels",
                "groups_id": [(6, 0, [ref("helpdesk_mgmt.group_helpdesk_user").id])],
            }
        )

    def clock(self, metric):
        return self.ticket.sla_clock_ids.filtered(lambda c: c.metric == metric)

    def test_sla_ticket_tour(self):
        self.start_tour(
            "/odoo/action-sla_contract.helpdesk_ticket_action_sla_realtime",
            "sla_contract_ticket_tour",
            login="sla_tour_agent",
        )

        self.env.invalidate_all()
        self.ticket = self.env["helpdesk.ticket"].search(
            [("name", "=", "SLA tour printer outage")]
        )
        self.assertEqual(len(self.ticket), 1, "created through the form")
        self.assertEqual(self.ticket.create_uid, self.agent)
        self.assertEqual(self.ticket.sla_contract_id, self.contract)
        self.assertEqual(self.ticket.sla_tier_id, self.gold)
        self.assertEqual(self.ticket.stage_id, self.stage_waiting)
        response, resolution = self.clock("response"), self.clock("resolution")
        self.assertEqual(len(response), 1)
        self.assertEqual(response.state, "met")
        self.assertTrue(response.stopped_at)
        self.assertEqual(resolution.state, "paused")
        self.assertTrue(resolution.paused_since)
        self.assertFalse(resolution.stopped_at)
        # The log note came first and did not count as the response.
        messages = self.ticket.message_ids
        note = messages.filtered(lambda m: "printer logs internally" in (m.body or ""))
        reply = messages.filtered(lambda m: "printer model" in (m.body or ""))
        self.assertTrue(note.subtype_id.internal)
        self.assertFalse(reply.subtype_id.internal)
        self.assertLessEqual(note.date, response.stopped_at)
        lag = abs(response.stopped_at - reply.date)
        self.assertLessEqual(lag, timedelta(minutes=1))
