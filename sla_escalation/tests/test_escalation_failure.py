"""A failed escalation step leaves a trace where the agent looks: a note on
the ticket and the Escalations button; the template it needed cannot be
deleted unawares."""

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import html2plaintext, mute_logger

from .common import P1, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday; Bronze P1: 4 h to respond


def _text(html):
    return " ".join(html2plaintext(html or "").split())


@tagged("post_install", "-at_install")
class TestFailedStep(EscalationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.helpdesk_manager = cls.env["res.users"].create(
            {
                "name": "Helpdesk Boss",
                "login": "esc_helpdesk_boss",
                "email": "boss@example.com",
                # who may delete mail templates at all
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            cls.env.ref("helpdesk_mgmt.group_helpdesk_manager").id,
                            cls.env.ref("mail.group_mail_template_editor").id,
                        ],
                    )
                ],
            }
        )

    def _template(self, name):
        return self.env["mail.template"].create(
            {
                "name": name,
                "model_id": self.env.ref("helpdesk_mgmt.model_helpdesk_ticket").id,
                "body_html": "<p>Hello</p>",
            }
        )

    def test_failed_step_is_noted_on_the_ticket_and_counted(self):
        rule = self.rules["response_50"]
        template = self._template("Short-lived")
        rule.write({"customer_message": "send", "mail_template_id": template.id})
        # gone the one way the guard lets through: with the addon owning it
        template.with_context(**{MODULE_UNINSTALL_FLAG: True}).unlink()
        ticket = self.open_ticket("Bronze", P1, OPENED)
        with mute_logger("odoo.addons.sla_escalation.models.sla_clock"):
            self.run_job(local(2027, 1, 18, 11, 0))
        event = self.events(ticket).filtered(lambda e: e.rule_id == rule)
        self.assertEqual(event.state, "failed")
        # what the ticket's agent sees
        as_agent = ticket.with_user(self.agent)
        self.assertEqual(as_agent.sla_escalation_count, 1, "the button shows")
        note = as_agent.message_ids.filtered(
            lambda m: (
                m.subtype_id == self.env.ref("mail.mt_note")
                and rule.name in _text(m.body)
            )
        )
        self.assertEqual(len(note), 1)
        self.assertTrue(note.subtype_id.internal)
        self.assertIn("failed", _text(note.body))
        self.assertIn("The rule's message template no longer exists.", _text(note.body))
        # the ticket goes on: the next step fires
        self.run_job(local(2027, 1, 18, 12, 0))
        self.assertIn("response_75", self.fired(ticket))
        self.assertEqual(as_agent.sla_escalation_count, 2)

    def test_deleting_a_template_a_rule_writes_with_is_refused(self):
        proactive = self.env.ref("sla_escalation.mail_template_proactive_escalation")
        with self.assertRaises(UserError) as caught:
            proactive.with_user(self.helpdesk_manager).unlink()
        message = str(caught.exception)
        self.assertIn(self.rules["resolution_100"].name, message)
        self.assertIn(proactive.name, message)
        # also when the rule is archived: it would fail once active again
        self.rules["resolution_100"].active = False
        with self.assertRaises(UserError):
            proactive.with_user(self.helpdesk_manager).unlink()
        self.assertTrue(proactive.exists())

    def test_a_template_no_rule_writes_with_can_go(self):
        template = self._template("Unused by messages")
        # a rule holds it, but sends no customer message
        self.rules["response_50"].mail_template_id = template
        template.with_user(self.helpdesk_manager).unlink()
        self.assertFalse(template.exists())
        self.assertFalse(self.rules["response_50"].mail_template_id)
