from freezegun import freeze_time

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import P1, EscalationCase, local

# Bronze P1 on business hours (Mon-Fri 09:00-17:00 Brussels): 4 h to respond,
# 24 h to resolve, opened Monday 18 January 2027 at 09:00.
OPENED = local(2027, 1, 18, 9, 0)
MATRIX = [
    ("response_50", local(2027, 1, 18, 11, 0)),
    ("response_75", local(2027, 1, 18, 12, 0)),
    ("response_100", local(2027, 1, 18, 13, 0)),
    ("resolution_50", local(2027, 1, 19, 13, 0)),
    ("resolution_75", local(2027, 1, 20, 11, 0)),
    ("resolution_100", local(2027, 1, 20, 17, 0)),
    ("resolution_150", local(2027, 1, 22, 13, 0)),
]


@tagged("post_install", "-at_install")
class TestEscalationMatrix(EscalationCase):
    def test_walk_through_the_seven_rules(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        users = self.users
        partners = {key: user.partner_id for key, user in users.items()}
        partners["agent"] = self.agent.partner_id
        for name, instant in MATRIX:
            clocks = ticket.sla_clock_ids
            self.assertEqual(
                min(c.sla_escalation_at for c in clocks if c.sla_escalation_at),
                instant,
                f"{name} is the next instant stored",
            )
            triggers = self.env["ir.cron.trigger"].search(
                [("cron_id", "=", self.cron.id)]
            )
            self.assertIn(instant, triggers.mapped("call_at"), name)
            # A minute early: nothing.
            self.run_job(instant.replace(second=0) - _minute())
            self.assertNotIn(name, self.fired(ticket))
            self.run_job(instant)
            event = self.fired(ticket)[name]
            self.assertEqual(event.fired_at, instant)
            self.assertEqual(event.due_at, instant)
            self.assertFalse(event.late_minutes)
            self.assertFalse(event.missing_roles, name)
            # once: the same minute again adds nothing
            self.run_job(instant)
            self.assertEqual(len(self.events(ticket)), len(self.fired(ticket)))

        fired = self.fired(ticket)
        self.assertEqual(set(fired), {name for name, _at in MATRIX})
        # 50% of response: the agent is alerted and gets an activity.
        self.assertEqual(fired["response_50"].notified_partner_ids, partners["agent"])
        self.assertEqual(fired["response_50"].activity_user_id, self.agent)
        # 75%: the least-loaded senior takes over; agent and lead hear of it,
        # and so does the agent the ticket was taken from.
        self.assertEqual(fired["response_75"].previous_user_id, self.agent)
        self.assertEqual(fired["response_75"].new_user_id, users["free_senior"])
        self.assertEqual(ticket.user_id, users["free_senior"])
        self.assertEqual(
            fired["response_75"].notified_partner_ids,
            partners["free_senior"] | partners["lead"] | partners["agent"],
        )
        self.assertEqual(
            fired["response_100"].notified_partner_ids,
            partners["lead"] | partners["manager"],
        )
        # resolution 50%: the (new) agent, with resources to check.
        self.assertEqual(
            fired["resolution_50"].notified_partner_ids, partners["free_senior"]
        )
        activities = ticket.activity_ids
        self.assertEqual(
            sorted(activities.mapped("summary")),
            sorted(
                [
                    "Check the knowledge base and similar tickets",
                    "Respond to the customer",
                ]
            ),
        )
        # resolution 75%, stalled: engineering follows, its lead is told.
        self.assertEqual(
            fired["resolution_75"].notified_partner_ids,
            partners["free_senior"] | partners["engineer_lead"],
        )
        self.assertIn(partners["engineer"], ticket.message_partner_ids)
        self.assertIn(partners["engineer_lead"], ticket.message_partner_ids)
        # breach of resolution: manager, account manager, and the customer.
        customer = ticket.partner_id
        self.assertEqual(
            fired["resolution_100"].notified_partner_ids,
            partners["manager"] | partners["account_manager"] | customer,
        )
        message = fired["resolution_100"].customer_message_id
        self.assertTrue(message)
        self.assertIn(ticket.number, message.subject)
        mail = self.env["mail.mail"].search(
            [
                ("mail_message_id", "=", message.id),
                ("recipient_ids", "in", customer.ids),
            ]
        )
        self.assertEqual(len(mail), 1, "the customer's email is queued")
        self.assertIn(ticket.number, mail.body_html)
        self.assertEqual(
            fired["resolution_150"].notified_partner_ids,
            partners["director"] | partners["vp"],
        )
        # Chatter: one note per escalation, to the people it notified.
        notes = ticket.message_ids.filtered(
            lambda m: (
                m.subtype_id == self.env.ref("sla_escalation.mt_ticket_sla_escalated")
            )
        )
        self.assertEqual(len(notes), 7)
        self.assertTrue(ticket.sla_escalated)
        self.assertEqual(ticket.sla_escalation_count, 7)
        self.assertIn(
            ticket,
            self.env["helpdesk.ticket"].search([("sla_escalated", "=", True)]),
        )
        # Nothing left to fire.
        self.assertFalse(any(ticket.sla_clock_ids.mapped("sla_escalation_at")))

    def test_customer_message_fills_every_placeholder(self):
        ticket = self.open_ticket("Bronze", P1, OPENED, name="Mail gateway down")
        ticket.sla_progress_note = "identified the faulty mail relay"
        self.run_job(local(2027, 1, 20, 17, 0))
        event = self.fired(ticket)["resolution_100"]
        body = event.customer_message_id.body
        for expected in (
            f"ticket #{ticket.number}",
            "regarding Mail gateway down",
            "and has identified the faulty mail relay",
            "escalated this to support management and your account manager",
            # the resolution deadline has passed: a quarter of the target on
            "expected resolution time is 1/21/27, 3:00 PM (Europe/Brussels)",
            "Account Manager will follow up",
            # two business hours after 17:00 on Wednesday
            "by 1/21/27, 11:00 AM (Europe/Brussels)",
        ):
            self.assertIn(expected, " ".join(body.split()))
        self.assertNotIn("[", body)

    def test_progress_update_defaults_to_the_latest_public_reply(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.reply(ticket, local(2027, 1, 18, 10, 0))
        self.assertEqual(
            ticket.sla_progress_update, "replied: “We are looking into it.”"
        )

    def test_review_mode_prepares_the_message_for_the_account_manager(self):
        self.rules["resolution_100"].customer_message = "review"
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(local(2027, 1, 20, 17, 0))
        event = self.fired(ticket)["resolution_100"]
        self.assertFalse(event.customer_message_id)
        activity = ticket.activity_ids.filtered(
            lambda a: (
                a.activity_type_id == self.env.ref("mail.mail_activity_data_email")
            )
        )
        self.assertEqual(activity.user_id, self.users["account_manager"])
        self.assertIn(ticket.number, activity.note)
        action = event.action_open_composer()
        composer = (
            self.env["mail.compose.message"]
            .with_context(**action["context"])
            .create({})
        )
        self.assertIn(ticket.number, composer.body)

    def test_missing_roles_are_logged_not_raised(self):
        self.team.user_id = False
        self.env.company.sla_escalation_manager_id = False
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(local(2027, 1, 18, 13, 0))
        event = self.fired(ticket)["response_100"]
        self.assertEqual(event.missing_roles, "Team lead, Manager")
        self.assertFalse(event.notified_partner_ids)
        note = ticket.message_ids.filtered(
            lambda m: (
                m.subtype_id == self.env.ref("sla_escalation.mt_ticket_sla_escalated")
            )
        )[:1]
        self.assertIn("Not set, so not reached: Team lead, Manager", note.body)

    def test_one_failing_ticket_does_not_stop_the_batch(self):
        rule = self.rules["response_50"]
        rule.write({"customer_message": "send"})
        broken = self.open_ticket("Bronze", P1, OPENED)
        fine = self.open_ticket("Silver", P1, OPENED)
        # The template disappears on the Bronze tier's rule only. Rules take
        # effect when changed: before the thresholds, whatever today is.
        with freeze_time(OPENED):
            bronze_rule = rule.copy({"tier_ids": [(6, 0, self.bronze.ids)]})
            rule.tier_ids = self.silver
        rule.customer_message = "none"
        bronze_rule.mail_template_id = self.env["mail.template"].create(
            {
                "name": "gone",
                "model_id": self.env.ref("helpdesk_mgmt.model_helpdesk_ticket").id,
            }
        )
        # removed with the addon that owned it: the one way past the guard
        bronze_rule.mail_template_id.with_context(
            **{MODULE_UNINSTALL_FLAG: True}
        ).unlink()
        with mute_logger("odoo.addons.sla_escalation.models.sla_clock"):
            self.run_job(local(2027, 1, 18, 17, 0))
        failed = self.events(broken).filtered(lambda e: e.rule_id == bronze_rule)
        self.assertEqual(failed.state, "failed")
        self.assertIn("template", failed.error)
        self.assertTrue(self.events(fine, "done"))
        # the failed step is not retried; the broken ticket moves on
        self.assertIn("response_75", self.fired(broken))

    def test_tier_filter(self):
        with freeze_time(OPENED):
            self.rules["response_50"].tier_ids = self.gold
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(local(2027, 1, 18, 11, 30))
        self.assertNotIn("response_50", self.fired(ticket))


def _minute():
    from datetime import timedelta

    return timedelta(minutes=1)


@tagged("post_install", "-at_install")
class TestEscalationConditions(EscalationCase):
    def test_progress_skips_no_progress_rule(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.move(ticket, self.stage_progress, local(2027, 1, 19, 10, 0))
        self.run_job(local(2027, 1, 19, 13, 0))
        event = self.events(ticket).filtered(
            lambda e: e.rule_id == self.rules["resolution_50"]
        )
        self.assertEqual(event.state, "skipped")
        # recorded, and nothing of the rule done: no one told, no activity,
        # no escalation note (the response steps before it did fire)
        self.assertFalse(event.notified_partner_ids)
        self.assertFalse(event.activity_user_id)
        self.assertNotIn(
            "Check the knowledge base and similar tickets",
            ticket.activity_ids.mapped("summary"),
        )
        notes = ticket.message_ids.filtered(
            lambda m: (
                m.subtype_id == self.env.ref("sla_escalation.mt_ticket_sla_escalated")
            )
        )
        self.assertEqual(
            set(self.fired(ticket)), {"response_50", "response_75", "response_100"}
        )
        self.assertEqual(len(notes), 3)
        self.assertFalse(
            [note for note in notes if self.rules["resolution_50"].name in note.body]
        )

    def test_recent_activity_is_not_stalled(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        # 16:00 Tuesday: 3 business hours before the 75% instant, under the
        # 6 hours (25% of 24 h) that make a ticket stalled.
        self.move(ticket, self.stage_progress, local(2027, 1, 19, 16, 0))
        self.run_job(local(2027, 1, 20, 11, 0))
        event = self.events(ticket).filtered(
            lambda e: e.rule_id == self.rules["resolution_75"]
        )
        self.assertEqual(event.state, "skipped")

    def test_no_response_rule_on_a_resolution_clock(self):
        with freeze_time(OPENED):
            rule = self.rules["resolution_50"].copy(
                {"condition": "no_response", "threshold_percent": 10}
            )
        ticket = self.open_ticket("Bronze", P1, OPENED)
        with freeze_time(local(2027, 1, 18, 10, 0)):
            self.reply(ticket, local(2027, 1, 18, 10, 0))
        self.run_job(local(2027, 1, 18, 12, 0))
        event = self.events(ticket).filtered(lambda e: e.rule_id == rule)
        self.assertEqual(event.state, "skipped")
