"""The agent a reassignment takes a ticket from hears of it, and his open
escalation activity goes to the new agent."""

from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import P1, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday; Bronze P1: 4 h to respond


def _text(html):
    return " ".join(html2plaintext(html or "").split())


@tagged("post_install", "-at_install")
class TestReassignedAgent(EscalationCase):
    def test_former_agent_is_told_and_hands_over_his_activity(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(local(2027, 1, 18, 11, 0))
        activity = ticket.activity_ids
        self.assertEqual(activity.user_id, self.agent)
        self.run_job(local(2027, 1, 18, 12, 0))
        senior = self.users["free_senior"]
        self.assertEqual(ticket.user_id, senior)
        # the former agent's to-do list no longer holds the ticket...
        Activity = self.env["mail.activity"].with_user(self.agent)
        self.assertFalse(
            Activity.search(
                [
                    ("res_model", "=", "helpdesk.ticket"),
                    ("res_id", "=", ticket.id),
                    ("user_id", "=", self.agent.id),
                ]
            )
        )
        # ...the new agent has the answer to write
        self.assertEqual(activity.user_id, senior)
        self.assertEqual(activity.summary, "Respond to the customer")
        # and the former agent is told which ticket went to whom
        told = (
            self.env["mail.notification"]
            .search(
                [
                    ("res_partner_id", "=", self.agent.partner_id.id),
                    ("mail_message_id.model", "=", "helpdesk.ticket"),
                    ("mail_message_id.res_id", "=", ticket.id),
                ]
            )
            .mail_message_id.filtered(lambda m: senior.name in _text(m.body))
        )
        self.assertEqual(len(told), 1)
        self.assertIn(ticket.number, _text(told.body))
        self.assertIn("Respond to the customer", _text(told.body))
        event = self.fired(ticket)["response_75"]
        self.assertIn(self.agent.partner_id, event.notified_partner_ids)
