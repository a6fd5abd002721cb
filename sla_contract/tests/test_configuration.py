"""Configuration that would stop ticket intake is refused where it is set.

Calendars without working time, two-week and flexible calendars, SLA dates
outside the contract's, targets under a minute or in weeks, and tiers on
supplier contracts.
"""

from contextlib import contextmanager
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form

from .common import SlaCase, local

P1 = "3"


class ConfigCase(SlaCase):
    @contextmanager
    def assertRefused(self, pattern):
        """A ValidationError whose message matches `pattern`, rolled back."""
        # assertRaises (not ...Regex) runs in a savepoint in Odoo tests.
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)


class CalendarCase(ConfigCase):
    def make_calendar(self, shape, name=None):
        """A new calendar in one of the shapes SLA clocks cannot run on."""
        Calendar = self.env["resource.calendar"]
        name = name or f"{shape.title()} schedule"
        if shape == "empty":
            return Calendar.create(
                {"name": name, "tz": "Europe/Brussels", "attendance_ids": [(5, 0, 0)]}
            )
        if shape == "two_weeks":
            calendar = Calendar.create({"name": name, "tz": "Europe/Brussels"})
            calendar.switch_calendar_type()
            return calendar
        if shape == "flexible":
            return Calendar.create(
                {
                    "name": name,
                    "tz": "Europe/Brussels",
                    "flexible_hours": True,
                    "full_time_required_hours": 40,
                }
            )
        if shape == "breaks_only":
            return Calendar.create(
                {
                    "name": name,
                    "tz": "Europe/Brussels",
                    "attendance_ids": [
                        (5, 0, 0),
                        (
                            0,
                            0,
                            {
                                "name": "Lunch",
                                "dayofweek": "0",
                                "hour_from": 12,
                                "hour_to": 13,
                                "day_period": "lunch",
                            },
                        ),
                    ],
                }
            )
        raise AssertionError(shape)


# What the manager must read: the calendar's name and what is wrong with it.
SHAPES = {
    "empty": "has no working hours",
    "breaks_only": "has no working hours",
    "two_weeks": "alternates two weeks",
    "flexible": "has flexible hours",
}


class TestUnusableCalendarRefused(CalendarCase):
    """Finding 17: a tier or contract never gets a calendar clocks cannot use."""

    def test_reason_names_calendar_and_fault(self):
        self.assertFalse(self.business_hours._sla_unusable_reason())
        for shape, fault in SHAPES.items():
            with self.subTest(shape=shape):
                calendar = self.make_calendar(shape)
                reason = calendar._sla_unusable_reason()
                self.assertIn(calendar.name, reason)
                self.assertIn(fault, reason)

    def test_shipped_calendars_are_usable(self):
        for tier in (self.bronze, self.silver, self.gold, self.platinum):
            with self.subTest(tier=tier.name):
                self.assertFalse(tier.calendar_id._sla_unusable_reason())

    def test_tier_refuses_unusable_calendar(self):
        for shape, fault in SHAPES.items():
            with self.subTest(shape=shape):
                calendar = self.make_calendar(shape)
                with self.assertRefused(f"Bronze.*{fault}"):
                    self.bronze.calendar_id = calendar

    def test_new_tier_refuses_unusable_calendar(self):
        calendar = self.make_calendar("flexible")
        with self.assertRefused("has flexible hours"):
            self.bronze.copy({"name": "Flexible Bronze", "calendar_id": calendar.id})

    def test_contract_refuses_unusable_calendar(self):
        contract = self.contracts["Gold"]
        for shape, fault in SHAPES.items():
            with self.subTest(shape=shape):
                calendar = self.make_calendar(shape)
                with self.assertRefused(f"{contract.name}.*{calendar.name}.*{fault}"):
                    contract.sla_calendar_id = calendar

    def test_tier_form_refuses_unusable_calendar(self):
        calendar = self.make_calendar("empty", name="Nobody home")
        form = Form(self.bronze)
        form.calendar_id = calendar
        with self.assertRefused("Nobody home.*no working hours"):
            form.save()

    def test_contract_form_refuses_unusable_calendar(self):
        calendar = self.make_calendar("two_weeks", name="Week A week B")
        form = Form(self.contracts["Gold"])
        form.sla_calendar_id = calendar
        with self.assertRefused("Week A week B.*two weeks"):
            form.save()

    def test_engine_keeps_refusing_two_week_and_flexible(self):
        for shape in ("two_weeks", "flexible"):
            with self.subTest(shape=shape):
                calendar = self.make_calendar(shape)
                with self.assertRaisesRegex(UserError, SHAPES[shape]):
                    calendar._sla_work_calendar()


class TestCalendarInUseKeepsItsShape(CalendarCase):
    """Finding 17: a calendar in use cannot be edited into an unusable shape."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Used by one contract only, not by any tier.
        cls.contract_hours = cls.business_hours.copy()
        cls.contract_hours.name = "Contract hours"
        cls.contracts["Gold"].sla_calendar_id = cls.contract_hours

    def test_removing_every_working_period_is_refused(self):
        for calendar, user in (
            (self.business_hours, "SLA tier Bronze"),
            (self.contract_hours, "contract Gold support"),
        ):
            with self.subTest(calendar=calendar.name):
                with self.assertRefused("no working hours"):
                    calendar.attendance_ids.unlink()
                with self.assertRefused(user):
                    calendar.write({"attendance_ids": [(5, 0, 0)]})
                self.assertTrue(calendar._sla_has_working_time())

    def test_turning_working_periods_into_breaks_is_refused(self):
        with self.assertRefused("no working hours"):
            self.contract_hours.attendance_ids.day_period = "lunch"

    def test_moving_the_last_periods_away_is_refused(self):
        other = self.make_calendar("empty", name="Other")
        with self.assertRefused("Contract hours.*no working"):
            self.contract_hours.attendance_ids.calendar_id = other

    def test_two_week_switch_is_refused(self):
        with self.assertRefused("(?s)alternates two weeks.*SLA tier Bronze"):
            self.business_hours.switch_calendar_type()
        with self.assertRefused("alternates two weeks"):
            self.contract_hours.two_weeks_calendar = True

    def test_flexible_is_refused(self):
        with self.assertRefused("has flexible hours"):
            self.contract_hours.write(
                {"flexible_hours": True, "full_time_required_hours": 40}
            )

    def test_calendar_form_refuses_removing_every_period(self):
        form = Form(self.contract_hours)
        while len(form.attendance_ids):
            form.attendance_ids.remove(index=0)
        with self.assertRefused("Contract hours.*no working"):
            form.save()

    def test_replacing_periods_in_one_edit_is_allowed(self):
        self.contract_hours.write(
            {
                "attendance_ids": [(5, 0, 0)]
                + [
                    (
                        0,
                        0,
                        {
                            "name": "Long day",
                            "dayofweek": str(day),
                            "hour_from": 7,
                            "hour_to": 19,
                            "day_period": "morning",
                        },
                    )
                    for day in range(5)
                ]
            }
        )
        self.assertEqual(self.contract_hours._sla_hours_per_week(), 60)

    def test_open_clocks_do_not_turn_refusal_into_a_crash(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.assertTrue(ticket.sla_clock_ids)
        with self.assertRefused("no working hours"):
            self.business_hours.attendance_ids.unlink()
        with self.assertRefused("no working hours"):
            self.business_hours.attendance_ids.hour_to = 9

    def test_replacing_periods_moves_open_clocks_once(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 9, 30)):
            self.business_hours.write(
                {
                    "attendance_ids": [(5, 0, 0)]
                    + [
                        (
                            0,
                            0,
                            {
                                "name": "Short day",
                                "dayofweek": str(day),
                                "hour_from": 9,
                                "hour_to": 11,
                            },
                        )
                        for day in range(5)
                    ]
                }
            )
        # Response, 4 business hours: Monday 09:00-11:00, Tuesday 09:00-11:00.
        self.assertEqual(
            self.clock(ticket, "response").deadline, local(2027, 1, 19, 11, 0)
        )

    def test_unused_calendar_edits_freely(self):
        calendar = self.business_hours.copy()
        calendar.attendance_ids.unlink()
        self.assertFalse(calendar._sla_has_working_time())
        calendar.attendance_ids = [
            (0, 0, {"name": "Mon", "dayofweek": "0", "hour_from": 9, "hour_to": 17})
        ]
        calendar.switch_calendar_type()
        self.assertTrue(calendar.two_weeks_calendar)


class TestSlaWithinContractDates(ConfigCase):
    """Finding 18: the SLA lives within its contract's dates."""

    def setUp(self):
        super().setUp()
        self.contract = self.contracts["Silver"]
        self.contract.write(
            {"date_start": date(2026, 1, 1), "date_end": date(2027, 12, 31)}
        )

    def test_sla_start_before_contract_start_is_refused(self):
        with self.assertRefused("before the contract itself"):
            self.contract.sla_date_start = date(2025, 12, 31)
        with self.assertRefused("before the contract itself"):
            self.contract.date_start = date(2026, 2, 1)

    def test_sla_start_after_contract_end_is_refused(self):
        with self.assertRefused("after the contract itself"):
            self.contract.sla_date_start = date(2028, 1, 1)
        with self.assertRefused("after the contract itself"):
            self.contract.date_end = date(2025, 12, 31)

    def test_sla_start_within_contract_is_accepted(self):
        self.contract.sla_date_start = date(2027, 12, 31)
        self.contract.sla_date_start = date(2026, 1, 1)

    def test_contract_form_refuses_sla_start_before_contract(self):
        form = Form(self.contract)
        form.sla_date_start = date(2025, 6, 1)
        with self.assertRefused("before the contract itself"):
            form.save()

    def test_contract_not_started_is_not_picked(self):
        # Data recorded before the check: the SLA starts, the contract not yet.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE contract_contract SET date_start = %s WHERE id = %s",
            [date(2027, 2, 1), self.contract.id],
        )
        self.contract.invalidate_recordset(["date_start"])
        ticket = self.open_ticket("Silver", P1, local(2027, 1, 18, 9, 0))
        self.assertFalse(ticket.sla_contract_id)
        self.assertFalse(ticket.sla_clock_ids)
        ticket = self.open_ticket("Silver", P1, local(2027, 2, 1, 9, 0))
        self.assertEqual(ticket.sla_contract_id, self.contract)


class TestTargets(ConfigCase):
    """Finding 19: targets under a minute, and targets in support weeks."""

    def target(self, tier, code="P1"):
        return tier.target_ids.filtered(lambda t: t.priority_id.code == code)

    def test_target_under_one_minute_has_its_own_message(self):
        target = self.target(self.platinum)
        for vals in (
            {"response_value": 0.4, "response_unit": "minutes"},
            {"response_value": 0.6, "response_unit": "minutes"},
            {"response_value": 0.01, "response_unit": "hours"},
            {"response_value": 0.0005, "response_unit": "days"},
        ):
            with self.subTest(vals=vals):
                with self.assertRefused(r"^Platinum P1: [^\n]*at least one minute"):
                    target.write(vals)

    def test_tier_form_refuses_target_under_one_minute(self):
        form = Form(self.platinum)
        with form.target_ids.edit(0) as line:
            line.response_value = 0.4
            line.response_unit = "minutes"
        with self.assertRefused("at least one minute"):
            form.save()

    def test_support_week_is_the_calendars_working_week(self):
        # Bronze: Mon-Fri 09:00-17:00 (40 h); Platinum: 24/7 (168 h).
        for tier, minutes in ((self.bronze, 40 * 60), (self.platinum, 168 * 60)):
            with self.subTest(tier=tier.name):
                target = self.target(tier, "P4")
                target.write({"resolution_value": 2, "resolution_unit": "weeks"})
                self.assertEqual(target.resolution_minutes, 2 * minutes)
                target.resolution_value = 2.5
                self.assertEqual(target.resolution_minutes, 2.5 * minutes)

    def test_support_week_follows_calendar_edits(self):
        target = self.target(self.bronze, "P4")
        target.write({"resolution_value": 2, "resolution_unit": "weeks"})
        self.bronze.calendar_id.attendance_ids.filtered(
            lambda a: a.dayofweek == "4"
        ).unlink()
        self.assertEqual(target.resolution_minutes, 2 * 32 * 60)

    def test_ticket_deadline_with_target_in_weeks(self):
        self.target(self.bronze, "P1").write(
            {"resolution_value": 1, "resolution_unit": "weeks"}
        )
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 10, 0))
        resolution = self.clock(ticket, "resolution")
        self.assertEqual(resolution.target_minutes, 40 * 60)
        # One support week later: the next Monday at the same time.
        self.assertEqual(resolution.deadline, local(2027, 1, 25, 10, 0))

    def test_tier_form_accepts_weeks(self):
        form = Form(self.bronze)
        with form.target_ids.edit(3) as line:
            line.resolution_value = 2
            line.resolution_unit = "weeks"
        form.save()
        self.assertEqual(self.bronze.target_ids[3].resolution_minutes, 2 * 40 * 60)


class TestSupplierContract(ConfigCase):
    """Finding 19: a supplier contract never carries an SLA tier."""

    def test_purchase_contract_refuses_tier(self):
        with self.assertRefused("supplier contract"):
            self.env["contract.contract"].create(
                {
                    "name": "Printer maintenance (bought)",
                    "partner_id": self.customers["Gold"].id,
                    "contract_type": "purchase",
                    "date_start": date(2026, 1, 1),
                    "sla_tier_id": self.gold.id,
                    "sla_date_start": date(2026, 1, 1),
                }
            )

    def test_sale_contract_with_tier_cannot_turn_purchase(self):
        with self.assertRefused("supplier contract"):
            self.contracts["Gold"].contract_type = "purchase"

    def test_purchase_contract_form_hides_sla(self):
        form = Form(
            self.env["contract.contract"].with_context(default_contract_type="purchase")
        )
        form.name = "Bought support"
        form.partner_id = self.customers["Gold"]
        with self.assertRaises(AssertionError):
            form.sla_tier_id = self.gold

    def test_purchase_contract_without_tier_is_fine(self):
        contract = self.env["contract.contract"].create(
            {
                "name": "Printer maintenance (bought)",
                "partner_id": self.customers["Gold"].id,
                "contract_type": "purchase",
            }
        )
        self.assertFalse(contract.sla_tier_id)
