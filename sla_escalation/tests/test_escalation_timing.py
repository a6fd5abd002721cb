from freezegun import freeze_time

from odoo.tests import tagged

from .common import P1, P3, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday


@tagged("post_install", "-at_install")
class TestEscalationTiming(EscalationCase):
    def response(self, ticket):
        return self.clock(ticket, "response")

    def test_pause_across_a_threshold_delays_it(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.assertEqual(
            self.response(ticket).sla_escalation_at, local(2027, 1, 18, 11, 0)
        )
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 10, 30))
        self.assertFalse(self.response(ticket).sla_escalation_at)
        self.run_job(local(2027, 1, 18, 11, 0))
        self.assertFalse(self.fired(ticket))
        self.move(ticket, self.stage_progress, local(2027, 1, 18, 11, 30))
        # an hour paused: 50% now falls at 12:00
        self.assertEqual(
            self.response(ticket).sla_escalation_at, local(2027, 1, 18, 12, 0)
        )
        self.run_job(local(2027, 1, 18, 11, 59))
        self.assertFalse(self.fired(ticket))
        self.run_job(local(2027, 1, 18, 12, 0))
        self.assertEqual(
            self.fired(ticket)["response_50"].due_at, local(2027, 1, 18, 12, 0)
        )

    def test_pause_over_night_lands_in_business_hours(self):
        # Opened at 16:00: 50% of 4 h is two business hours later, 10:00 the
        # next morning, not 18:00.
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 16, 0))
        self.assertEqual(
            self.response(ticket).sla_escalation_at, local(2027, 1, 19, 10, 0)
        )

    def test_retarget_moves_the_pending_instant(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        with freeze_time(local(2027, 1, 18, 10, 0)):
            ticket.priority = P3
        # Bronze P3 responds within 24 business hours: 50% is 12 h in,
        # Tuesday 13:00.
        self.assertEqual(
            self.response(ticket).sla_escalation_at, local(2027, 1, 19, 13, 0)
        )
        self.run_job(local(2027, 1, 18, 13, 0))
        self.assertFalse(self.fired(ticket))

    def test_response_cancels_the_remaining_response_steps(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(local(2027, 1, 18, 11, 0))
        self.assertIn("response_50", self.fired(ticket))
        self.reply(ticket, local(2027, 1, 18, 11, 30))
        self.assertEqual(self.response(ticket).state, "met")
        self.assertFalse(self.response(ticket).sla_escalation_at)
        self.run_job(local(2027, 1, 18, 13, 0))
        self.assertEqual(set(self.fired(ticket)), {"response_50"})

    def test_closed_and_met_clocks_never_fire(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.move(ticket, self.stage_done, local(2027, 1, 18, 10, 0))
        self.assertFalse(any(ticket.sla_clock_ids.mapped("sla_escalation_at")))
        self.run_job(local(2027, 1, 29, 17, 0))
        self.assertFalse(self.events(ticket))

    def test_breached_clock_escalates_until_closed(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(local(2027, 1, 20, 17, 0))
        self.env["sla.clock"]._cron_mark_breaches()
        self.move(ticket, self.stage_done, local(2027, 1, 21, 9, 0))
        self.run_job(local(2027, 1, 29, 17, 0))
        self.assertNotIn("resolution_150", self.fired(ticket))

    def test_late_run_fires_missed_steps_once_in_order(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        with self.assertLogs(
            "odoo.addons.sla_escalation.models.sla_clock", "WARNING"
        ) as logs:
            self.run_job(local(2027, 1, 18, 13, 30))
        events = self.events(ticket)
        self.assertEqual(
            events.mapped("rule_id"),
            self.rules["response_50"]
            | self.rules["response_75"]
            | self.rules["response_100"],
        )
        self.assertEqual(
            events.mapped("due_at"),
            [
                local(2027, 1, 18, 11, 0),
                local(2027, 1, 18, 12, 0),
                local(2027, 1, 18, 13, 0),
            ],
        )
        self.assertEqual(events.mapped("late_minutes"), [150.0, 90.0, 30.0])
        self.assertEqual(len(logs.records), 3)
        self.assertIn("late", logs.output[0])
        # in order: the 50% activity exists, then the 75% reassignment
        self.assertEqual(ticket.user_id, self.users["free_senior"])
        self.run_job(local(2027, 1, 18, 13, 31))
        self.assertEqual(len(self.events(ticket)), 3)

    def test_rule_edit_reaches_open_clocks_at_once(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        # the edit takes effect now: before the new 25% instant
        with freeze_time(OPENED):
            self.rules["response_50"].threshold_percent = 25
        self.assertEqual(
            self.response(ticket).sla_escalation_at, local(2027, 1, 18, 10, 0)
        )
        self.rules["response_50"].active = False
        self.assertEqual(
            self.response(ticket).sla_escalation_at, local(2027, 1, 18, 12, 0)
        )
