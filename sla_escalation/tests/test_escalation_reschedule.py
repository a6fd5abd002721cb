"""Every edit that moves a deadline moves the next escalation instant with
it, at once: the job wakes at the new instant and the steps fire then, not
at the instant the edit made wrong."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import P1, EscalationCase, local

# Bronze P1 (business hours, Mon-Fri 09:00-17:00 Brussels): 4 hours to
# respond, its steps at 50%, 75% and 100%.
RESPONSE_STEPS = ("response_50", "response_75", "response_100")
EASTER_MONDAY = date(2027, 3, 29)
# Good Friday at 16:00: one business hour left before the long weekend.
GOOD_FRIDAY = local(2027, 3, 26, 16, 0)
EASTER_SATURDAY = local(2027, 3, 27, 10, 0)
MONDAY = [local(2027, 3, 29, h, 0) for h in (10, 11, 12)]
TUESDAY = [local(2027, 3, 30, h, 0) for h in (10, 11, 12)]
# Monday 18 January 2027 at 08:00, an hour before the desk opens.
EARLY = local(2027, 1, 18, 8, 0)
AN_HOUR_EARLIER = [local(2027, 1, 18, h, 0) for h in (10, 11, 12)]


@tagged("post_install", "-at_install")
class TestEscalationFollowsEdits(EscalationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        # The calendar edits reschedule every open clock on the calendar:
        # only this case's tickets are open.
        cls.env.cr.execute(
            "UPDATE sla_clock SET stopped_at = start_at, state = 'cancelled',"
            " sla_escalation_at = NULL WHERE stopped_at IS NULL"
        )
        cls.env.invalidate_all()
        Users = cls.env["res.users"].with_context(no_reset_password=True)
        # SLA managers keep the public holidays and the tiers; working
        # schedules and their time zone are the administrators'.
        cls.sla_manager = Users.create(
            {
                "name": "SLA Manager",
                "login": "esc_sla_manager",
                "groups_id": [(6, 0, [ref("helpdesk_mgmt.group_helpdesk_manager").id])],
            }
        )
        cls.admin = Users.create(
            {
                "name": "Schedules Admin",
                "login": "esc_schedules_admin",
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            ref("base.group_system").id,
                            ref("helpdesk_mgmt.group_helpdesk_user").id,
                        ],
                    )
                ],
            }
        )

    def response(self, ticket):
        return self.clock(ticket, "response")

    def assert_next(self, ticket, deadline, instant):
        """The deadline and the next escalation instant, stored and armed."""
        response = self.response(ticket)
        self.assertEqual(response.deadline, deadline)
        self.assertEqual(response.sla_escalation_at, instant)
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)])
        # by then at the latest: an earlier wake-up re-arms the job
        self.assertLessEqual(min(triggers.mapped("call_at")), instant)

    def drive(self, ticket, instants, not_before=()):
        """Run the job as a live server would, a minute before each step,
        at each step and at the `not_before` instants where nothing fires;
        each step fires at its instant, on time."""
        for at in not_before:
            self.run_job(at)
            self.assertFalse(self.fired(ticket), f"nothing fires at {at}")
        for name, at in zip(RESPONSE_STEPS, instants, strict=True):
            self.run_job(at - timedelta(minutes=1))
            self.assertNotIn(name, self.fired(ticket))
            self.run_job(at)
            event = self.fired(ticket)[name]
            self.assertEqual((event.due_at, event.fired_at), (at, at), name)
            self.assertFalse(event.late_minutes, name)
        self.assertEqual(set(self.fired(ticket)), set(RESPONSE_STEPS))

    def test_deleting_a_holiday_brings_the_steps_forward(self):
        easter = self.holiday(self.business_hours, EASTER_MONDAY)
        ticket = self.open_ticket("Bronze", P1, GOOD_FRIDAY)
        self.assert_next(ticket, TUESDAY[-1], TUESDAY[0])
        # the holiday was a mistake: the desk works on Easter Monday
        with freeze_time(EASTER_SATURDAY):
            easter.with_user(self.sla_manager).unlink()
        self.assert_next(ticket, MONDAY[-1], MONDAY[0])
        self.drive(ticket, MONDAY)

    def test_adding_a_holiday_puts_the_steps_off(self):
        ticket = self.open_ticket("Bronze", P1, GOOD_FRIDAY)
        self.assert_next(ticket, MONDAY[-1], MONDAY[0])
        with freeze_time(EASTER_SATURDAY):
            self.env["resource.calendar.leaves"].with_user(self.sla_manager).create(
                {
                    "name": "Easter Monday",
                    "calendar_id": self.business_hours.id,
                    "date_from": local(2027, 3, 29, 0, 0),
                    "date_to": local(2027, 3, 29, 23, 59, 59),
                }
            )
        self.assert_next(ticket, TUESDAY[-1], TUESDAY[0])
        self.drive(ticket, TUESDAY, not_before=MONDAY)

    def test_changing_the_time_zone_moves_the_steps(self):
        ticket = self.open_ticket("Bronze", P1, EARLY)
        self.assert_next(ticket, local(2027, 1, 18, 13, 0), local(2027, 1, 18, 11, 0))
        # the support desk works from Helsinki: 09:00 there is 08:00 here
        with freeze_time(local(2027, 1, 18, 8, 30)):
            self.business_hours.with_user(self.admin).tz = "Europe/Helsinki"
        self.assert_next(ticket, AN_HOUR_EARLIER[-1], AN_HOUR_EARLIER[0])
        self.drive(ticket, AN_HOUR_EARLIER)

    def test_editing_a_working_time_moves_the_steps(self):
        ticket = self.open_ticket("Bronze", P1, EARLY)
        self.assert_next(ticket, local(2027, 1, 18, 13, 0), local(2027, 1, 18, 11, 0))
        monday = self.business_hours.attendance_ids.filtered(
            lambda a: a.dayofweek == "0"
        )
        # the desk opens at 08:00 on Mondays, as saved from the schedule's
        # form
        with freeze_time(local(2027, 1, 18, 8, 30)):
            self.business_hours.with_user(self.admin).write(
                {"attendance_ids": [Command.update(monday.id, {"hour_from": 8.0})]}
            )
        self.assert_next(ticket, AN_HOUR_EARLIER[-1], AN_HOUR_EARLIER[0])
        self.drive(ticket, AN_HOUR_EARLIER)

    def test_editing_a_tier_target_moves_the_steps(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.assert_next(ticket, local(2027, 1, 18, 13, 0), local(2027, 1, 18, 11, 0))
        target = self.bronze._target_for(P1)
        # two hours to respond: 50% at 10:00, 75% at 10:30, 100% at 11:00
        with freeze_time(local(2027, 1, 18, 9, 30)):
            target.with_user(self.sla_manager).response_value = 2
        steps = [local(2027, 1, 18, 10, 0), local(2027, 1, 18, 10, 30)]
        steps.append(local(2027, 1, 18, 11, 0))
        self.assert_next(ticket, steps[-1], steps[0])
        self.drive(ticket, steps)
