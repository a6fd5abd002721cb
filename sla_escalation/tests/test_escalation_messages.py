"""A step acts when its threshold is reached; its messages (the note to the
ticket's people, the customer's update) follow from a job of their own, so
that a wave of due thresholds is not held up by rendering and e-mail."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import html2plaintext, mute_logger

from .common import P1, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday; Bronze P1
LATE = local(2027, 1, 20, 17, 0)  # past the resolution deadline
MESSAGES_CRON = "sla_escalation.ir_cron_sla_escalation_messages"


def _text(html):
    return " ".join(html2plaintext(html or "").split())


@tagged("post_install", "-at_install")
class TestEscalationMessages(EscalationCase):
    def post(self, at):
        with freeze_time(at):
            self.env["sla.escalation.event"]._cron_sla_post_messages()

    def notes(self, ticket, rule):
        subtype = self.env.ref("sla_escalation.mt_ticket_sla_escalated")
        return ticket.message_ids.filtered(
            lambda m: m.subtype_id == subtype and rule.name in _text(m.body)
        )

    def customer_messages(self, ticket):
        return ticket.message_ids.filtered(
            lambda m: (
                m.message_type == "comment"
                and m.author_id == ticket.company_id.partner_id
                and ticket.partner_id in m.partner_ids
            )
        )

    def test_the_step_acts_at_once_and_its_messages_follow(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(LATE, messages=False)
        fired = self.fired(ticket)
        breach = fired["resolution_100"]
        alert = fired["response_50"]
        # what the step does is done: the alert's activity, the level
        self.assertTrue(alert.activity_id)
        self.assertEqual(ticket.sla_escalation_level, breach.level_name)
        # its messages are queued, and their job is woken for now
        self.assertEqual(breach.message_state, "queued")
        self.assertFalse(breach.customer_message_id)
        self.assertFalse(self.notes(ticket, breach.rule_id))
        self.assertFalse(self.customer_messages(ticket))
        cron = self.env.ref(MESSAGES_CRON)
        wake = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertTrue(wake)
        self.assertLessEqual(min(wake.mapped("call_at")), LATE + timedelta(seconds=1))

        self.post(LATE + timedelta(seconds=5))
        for event in fired.values():
            self.assertEqual(event.message_state, "posted", event.rule_id.name)
            self.assertEqual(len(self.notes(ticket, event.rule_id)), 1)
        self.assertEqual(self.customer_messages(ticket), breach.customer_message_id)
        self.assertIn("Customer message sent.", breach.summary)
        self.assertIn(ticket.partner_id, breach.notified_partner_ids)
        # the note goes to the people, the customer has his own message
        note = self.notes(ticket, breach.rule_id)
        self.assertNotIn(ticket.partner_id, note.partner_ids)
        self.assertIn("Customer message sent.", _text(note.body))

        # posted once: the job run again posts nothing
        count = len(ticket.message_ids)
        self.post(LATE + timedelta(minutes=1))
        ticket.invalidate_recordset(["message_ids"])
        self.assertEqual(len(ticket.message_ids), count)

    def test_each_message_tells_its_own_step(self):
        # Two steps that write to the customer, reached in one late run:
        # posted after both fired, each message still gives its own level.
        executive = self.rules["resolution_150"]
        executive.write(
            {
                "customer_message": "send",
                "mail_template_id": self.rules["resolution_100"].mail_template_id.id,
            }
        )
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(local(2027, 1, 22, 17, 0))
        fired = self.fired(ticket)
        breach, top = fired["resolution_100"], fired["resolution_150"]
        self.assertNotEqual(breach.level_name, top.level_name)
        for event in (breach, top):
            level = event.rule_id.level_name
            body = _text(event.customer_message_id.body)
            self.assertIn(f"escalated this to {level}", body)
        self.assertEqual(len(self.customer_messages(ticket)), 2)

    def test_a_message_that_cannot_be_rendered_fails_alone(self):
        broken = self.env["mail.template"].create(
            {
                "name": "Broken update",
                "model_id": self.env.ref("helpdesk_mgmt.model_helpdesk_ticket").id,
                "subject": "Update on {{ object.no_such_field }}",
                "body_html": "<p>Hello</p>",
            }
        )
        first = self.open_ticket("Bronze", P1, OPENED)
        second = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(LATE, messages=False)
        # the rule changed after the first firing: its template now breaks
        first_breach = self.fired(first)["resolution_100"]
        self.rules["resolution_100"].mail_template_id = broken
        with mute_logger(
            "odoo.addons.sla_escalation.models.sla_escalation_event",
            "odoo.addons.mail.models.mail_render_mixin",
        ):
            self.post(LATE + timedelta(seconds=5))
        self.assertEqual(first_breach.state, "done", "the step itself was done")
        self.assertEqual(first_breach.message_state, "failed")
        self.assertFalse(first_breach.customer_message_id)
        self.assertNotIn(first.partner_id, first_breach.notified_partner_ids)
        note = self.notes(first, first_breach.rule_id)
        self.assertEqual(len(note), 1, "the agents still read what was done")
        self.assertIn("Customer message not sent", _text(note.body))
        # the other steps' messages went out
        others = {
            name: event.message_state
            for ticket in (first, second)
            for name, event in self.fired(ticket).items()
            if name != "resolution_100"
        }
        self.assertEqual(set(others.values()), {"posted"}, others)
        self.assertEqual(self.fired(second)["resolution_100"].message_state, "failed")

    def test_messages_wait_for_a_wave_of_escalations(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(LATE, messages=False)
        breach = self.fired(ticket)["resolution_100"]
        # a wave: thresholds still due, as many as a run takes (one here)
        waiting = self.open_ticket("Bronze", P1, LATE)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sla_clock SET sla_escalation_at = %s WHERE ticket_id = %s",
            [LATE - timedelta(minutes=1), waiting.id],
        )
        self.env.invalidate_all()
        Event = self.env["sla.escalation.event"]
        cron = self.env.ref(MESSAGES_CRON)
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        with freeze_time(LATE + timedelta(seconds=5)):
            Event._sla_post_queued(batch_size=1)
        self.assertEqual(breach.message_state, "queued", "the steps go first")
        self.assertFalse(self.customer_messages(ticket))
        wake = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertEqual(wake.call_at, LATE + timedelta(seconds=10))
        # however long the wave lasts, a message does not wait for ever
        queued = [("message_state", "=", "queued")]
        with freeze_time(LATE + timedelta(minutes=6)):
            while Event.search_count(queued):
                before = Event.search_count(queued)
                Event._sla_post_queued(batch_size=1)
                self.assertEqual(Event.search_count(queued), before - 1)
        self.assertEqual(breach.message_state, "posted")
        self.assertTrue(breach.customer_message_id)
