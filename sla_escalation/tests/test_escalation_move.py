"""A rule that moves the ticket to the engineering team re-enters the SLA
policy from inside the escalation job: the ticket takes the engineering
team's tier, its clocks are re-targeted, and the job goes on with the clock
as the move left it, without looping or firing a step twice."""

from datetime import timedelta

from odoo.tests import tagged

from .common import P1, EscalationCase, local

# Silver P1 (extended hours, Mon-Fri 07:00-19:00 Brussels): 2 hours to
# respond, 8 to resolve; opened Monday 18 January 2027 at 09:00.
OPENED = local(2027, 1, 18, 9, 0)
SILVER_STEPS = [
    ("response_50", local(2027, 1, 18, 10, 0)),
    ("response_75", local(2027, 1, 18, 10, 30)),
    ("response_100", local(2027, 1, 18, 11, 0)),
    ("resolution_50", local(2027, 1, 18, 13, 0)),
    ("resolution_75", local(2027, 1, 18, 15, 0)),
]
# Silver's 100% of resolution, which the move to Bronze puts off.
SILVER_100 = local(2027, 1, 18, 17, 0)
# Bronze P1 (business hours, 09:00-17:00): 24 hours to resolve, so 100% on
# Wednesday at 17:00 and 150% on Friday at 13:00.
BRONZE_100 = local(2027, 1, 20, 17, 0)
BRONZE_150 = local(2027, 1, 22, 13, 0)


@tagged("post_install", "-at_install")
class TestEngineeringMove(EscalationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A customer without a contract: the ticket's tier is its team's.
        cls.walk_in = cls.env["res.partner"].create(
            {"name": "Walk-in Customer", "is_company": True, "email": "w@example.com"}
        )
        cls.team.sla_default_tier_id = cls.silver
        cls.engineering.sla_default_tier_id = cls.bronze
        cls.rules["resolution_75"].engineering_mode = "move"

    def open(self):
        ticket = self.open_ticket("Silver", P1, OPENED, partner_id=self.walk_in.id)
        self.assertFalse(ticket.sla_contract_id)
        self.assertEqual(ticket.sla_clock_ids.tier_id, self.silver)
        return ticket

    def assert_moved(self, ticket):
        """On the engineering team, measured on its Bronze tier as if from
        the start."""
        self.assertEqual(ticket.team_id, self.engineering)
        target = self.bronze._target_for(P1)
        response = self.clock(ticket, "response")
        resolution = self.clock(ticket, "resolution")
        self.assertEqual(len(ticket.sla_clock_ids), 2, "re-targeted, not restarted")
        for clock, minutes in (
            (response, target.response_minutes),
            (resolution, target.resolution_minutes),
        ):
            self.assertEqual(clock.tier_id, self.bronze)
            self.assertEqual(clock.calendar_id, self.business_hours)
            self.assertEqual(clock.target_minutes, minutes)
            self.assertEqual(clock.start_at, OPENED)
        self.assertEqual(resolution.deadline, BRONZE_100)
        self.assertEqual(resolution.sla_escalation_at, BRONZE_100)
        # every response step fired: nothing left on that clock
        self.assertFalse(response.sla_escalation_at)

    def assert_no_wake_up_before(self, at):
        """The job did not re-arm itself for what it just did."""
        self.assertFalse(
            self.env["ir.cron.trigger"].search(
                [("cron_id", "=", self.cron.id), ("call_at", "<=", at)]
            )
        )

    def test_move_on_time_retargets_and_goes_on(self):
        ticket = self.open()
        for name, at in SILVER_STEPS:
            self.run_job(at)
            event = self.fired(ticket)[name]
            self.assertEqual((event.due_at, event.fired_at), (at, at), name)
        moved = self.fired(ticket)["resolution_75"]
        self.assertIn("Moved to the team Engineering.", moved.summary)
        self.assert_moved(ticket)
        self.assert_no_wake_up_before(SILVER_STEPS[-1][1] + timedelta(seconds=1))
        # run again at once, and at Silver's 100%: nothing
        self.run_job(SILVER_STEPS[-1][1])
        self.run_job(SILVER_100)
        self.assertEqual(len(self.events(ticket)), len(SILVER_STEPS))
        # Bronze's 100% and 150% fire at their instants, once
        for name, at in (
            ("resolution_100", BRONZE_100),
            ("resolution_150", BRONZE_150),
        ):
            self.run_job(at - timedelta(minutes=1))
            self.assertNotIn(name, self.fired(ticket))
            self.run_job(at)
            self.assertEqual(self.fired(ticket)[name].due_at, at)
        self.assertEqual(len(self.events(ticket)), 7)
        self.assertEqual(len(self.events(ticket, "done")), 7)
        self.assertFalse(any(ticket.sla_clock_ids.mapped("sla_escalation_at")))

    def test_move_in_a_late_run_decides_again_what_is_due(self):
        """The job was down all Monday afternoon: at 17:30 it fires what was
        missed, in order. The 75% step moves the ticket to Bronze, whose
        100% is on Wednesday: Silver's 100% (17:00) is no longer reached
        and does not fire."""
        ticket = self.open()
        self.run_job(SILVER_100 + timedelta(minutes=30))
        self.assertEqual(set(self.fired(ticket)), {name for name, _at in SILVER_STEPS})
        for name, at in SILVER_STEPS:
            self.assertEqual(self.fired(ticket)[name].due_at, at, name)
        self.assert_moved(ticket)
        self.assertEqual(len(self.events(ticket)), len(SILVER_STEPS))
        self.run_job(BRONZE_100)
        self.assertEqual(self.fired(ticket)["resolution_100"].due_at, BRONZE_100)
        self.assertEqual(len(self.events(ticket)), len(SILVER_STEPS) + 1)
