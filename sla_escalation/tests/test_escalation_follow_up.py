"""The customer is promised someone who will act: never an archived
account manager."""

from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import P1, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday; Bronze P1: 4 h to respond


def _text(html):
    return " ".join(html2plaintext(html or "").split())


@tagged("post_install", "-at_install")
class TestFollowUpContact(EscalationCase):
    def test_the_customer_is_never_promised_an_archived_user(self):
        # (archived users, who the message says will follow up)
        cases = [
            ((), "Account Manager will follow up"),
            (("account_manager",), "Lead will follow up"),
            (("account_manager", "lead"), "Our support team will follow up"),
        ]
        for archived, expected in cases:
            with self.subTest(archived=archived):
                for key in archived:
                    self.users[key].active = False
                ticket = self.open_ticket("Bronze", P1, OPENED)
                self.run_job(local(2027, 1, 20, 17, 0))
                event = self.fired(ticket)["resolution_100"]
                body = _text(event.customer_message_id.body)
                self.assertIn(expected, body)
                for key in archived:
                    self.assertNotIn(self.users[key].name, body)
                if archived:
                    self.assertIn("Account manager", event.missing_roles)

    def test_review_goes_to_the_named_contact(self):
        self.rules["resolution_100"].customer_message = "review"
        self.users["account_manager"].active = False
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(local(2027, 1, 20, 17, 0))
        activity = ticket.activity_ids.filtered(
            lambda a: (
                a.activity_type_id == self.env.ref("mail.mail_activity_data_email")
            )
        )
        self.assertEqual(activity.user_id, self.users["lead"])
        self.assertIn("Lead will follow up", _text(activity.note))
