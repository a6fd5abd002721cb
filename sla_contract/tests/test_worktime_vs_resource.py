# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The working-time engine answers like resource.calendar.

Hypothesis draws instants (anywhere, around DST switches, on local span
boundaries, around holidays) and durations, and the engine built by
``_sla_work_calendar`` must agree with ``plan_hours`` and
``get_work_hours_count`` (``compute_leaves=True``) on the same calendars.
"""

from datetime import date, datetime, time, timedelta

import pytz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

UTC = pytz.utc
# Odoo ends a 24:00 line at 23:59:59.999999 and accumulates float hours.
TOLERANCE = timedelta(seconds=1)

ZONES = {
    "office_bru": "Europe/Brussels",
    "office_nyc": "America/New_York",
    "24x7_bru": "Europe/Brussels",
    "18x7_nyc": "America/New_York",
    "odd_kolkata": "Asia/Kolkata",
}
NAMES = sorted(ZONES)

# (local date, hour from, local date, hour to) of global time off per calendar
HOLIDAYS = [
    (date(2024, 12, 25), 0, date(2024, 12, 26), 24),
    # Good Friday noon to Monday 10:00 across the Brussels spring switch
    (date(2024, 3, 29), 12, date(2024, 4, 1), 10),
    # Friday afternoon to Monday across the New York fall switch
    (date(2024, 11, 1), 15, date(2024, 11, 4), 11),
    (date(2024, 11, 28), 0, date(2024, 11, 28), 24),
    (date(2025, 1, 15), 10.5, date(2025, 1, 15), 14.75),
    (date(2025, 4, 21), 0, date(2025, 4, 21), 24),
    (date(2025, 3, 9), 1, date(2025, 3, 9), 4),
]
DST_SWITCHES = [
    datetime(2024, 3, 10, 7),
    datetime(2024, 3, 31, 1),
    datetime(2024, 10, 27, 1),
    datetime(2024, 11, 3, 6),
    datetime(2025, 3, 9, 7),
    datetime(2025, 3, 30, 1),
    datetime(2025, 10, 26, 1),
    datetime(2025, 11, 2, 6),
]
WINDOW_START = datetime(2024, 1, 1)
WINDOW_SECONDS = 2 * 365 * 86400


def _naive_utc(zone, day, hours):
    """Naive UTC value of local ``day`` + ``hours``, as stored on leaves."""
    local = zone.localize(datetime.combine(day, time()) + timedelta(hours=hours))
    return local.astimezone(UTC).replace(tzinfo=None)


def _local_instant(args):
    zone, day, hour, minute = args
    naive = datetime.combine(
        WINDOW_START.date() + timedelta(days=day), time(hour, minute)
    )
    return pytz.timezone(zone).localize(naive).astimezone(UTC).replace(tzinfo=None)


def _leave_bounds():
    bounds = []
    for zone in set(ZONES.values()):
        tz = pytz.timezone(zone)
        for day_from, hour_from, day_to, hour_to in HOLIDAYS:
            bounds += [
                _naive_utc(tz, day_from, hour_from),
                _naive_utc(tz, day_to, hour_to),
            ]
    return sorted(bounds)


# naive UTC instants; the tests also feed some of them as aware datetimes
instants = st.one_of(
    st.integers(0, WINDOW_SECONDS).map(lambda s: WINDOW_START + timedelta(seconds=s)),
    st.builds(
        lambda switch, seconds: switch + timedelta(seconds=seconds),
        st.sampled_from(DST_SWITCHES),
        st.integers(-4 * 86400, 4 * 86400),
    ),
    st.tuples(
        st.sampled_from(sorted(set(ZONES.values()))),
        st.integers(0, 2 * 365),
        st.integers(0, 23),
        st.sampled_from([0, 0, 0, 15, 30, 45, 59]),
    ).map(_local_instant),
    st.builds(
        lambda bound, minutes: bound + timedelta(minutes=minutes),
        st.sampled_from(_leave_bounds()),
        st.integers(-6 * 60, 6 * 60),
    ),
)
durations = st.one_of(
    st.sampled_from([0, 1, 60, 240, 480, 1440, 2400, 4800]),
    st.integers(0, 80 * 60),
)
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@tagged("post_install", "-at_install")
class TestWorktimeVsResource(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        office = [(8, 12, "morning"), (12, 13, "lunch"), (13, 17, "afternoon")]
        odd = [
            (8.25, 12.5, "morning"),
            (12.5, 13.75, "lunch"),
            (13.75, 19.1, "afternoon"),
        ]
        lines = {
            "office_bru": (range(5), office),
            "office_nyc": (range(5), office),
            "24x7_bru": (range(7), [(0, 24, "morning")]),
            "18x7_nyc": (range(7), [(0, 18, "morning")]),
            "odd_kolkata": (range(6), odd),
        }
        # pylint infers BaseCase.env as None before setUpClass sets it
        # pylint: disable=unsubscriptable-object
        env = cls.env
        Calendar = env["resource.calendar"]
        Leave = env["resource.calendar.leaves"]
        cls.calendars = {}
        for name in NAMES:
            days, periods = lines[name]
            cls.calendars[name] = calendar = Calendar.create(
                {
                    "name": f"SLA worktime {name}",
                    "tz": ZONES[name],
                    "attendance_ids": [(5, 0, 0)]
                    + [
                        (
                            0,
                            0,
                            {
                                "name": f"{day} {period}",
                                "dayofweek": str(day),
                                "hour_from": hour_from,
                                "hour_to": hour_to,
                                "day_period": period,
                            },
                        )
                        for day in days
                        for hour_from, hour_to, period in periods
                    ],
                }
            )
            zone = pytz.timezone(ZONES[name])
            Leave.create(
                [
                    {
                        "name": "Holiday",
                        "calendar_id": calendar.id,
                        "date_from": _naive_utc(zone, day_from, hour_from),
                        "date_to": _naive_utc(zone, day_to, hour_to),
                    }
                    for day_from, hour_from, day_to, hour_to in HOLIDAYS
                ]
            )
        # Public holiday on no calendar: counts for every calendar.
        Leave.create(
            {
                "name": "Labour day",
                "calendar_id": False,
                "date_from": datetime(2025, 5, 1, 0, 0),
                "date_to": datetime(2025, 5, 1, 23, 59, 59),
            }
        )
        # Neither counts: not "Time Off", and one resource's own leave.
        office_bru = cls.calendars["office_bru"]
        Leave.create(
            {
                "name": "Team event",
                "calendar_id": office_bru.id,
                "time_type": "other",
                "date_from": datetime(2025, 2, 4, 0, 0),
                "date_to": datetime(2025, 2, 5, 0, 0),
            }
        )
        resource = env["resource.resource"].create(
            {"name": "Agent", "calendar_id": office_bru.id, "tz": "Europe/Brussels"}
        )
        Leave.create(
            {
                "name": "Agent off",
                "calendar_id": office_bru.id,
                "resource_id": resource.id,
                "date_from": datetime(2025, 2, 11, 0, 0),
                "date_to": datetime(2025, 2, 12, 0, 0),
            }
        )
        cls.engines = {
            name: cal._sla_work_calendar() for name, cal in cls.calendars.items()
        }

    def _assert_same_instant(self, engine, got, expected, context):
        diff = abs(got - expected)
        if diff <= TOLERANCE:
            return
        # plan_hours subtracts float hours span by span; an amount that
        # exactly fills a span can leave a residue of ~1e-15 h that pushes
        # Odoo's answer to the next span's start. Both instants then carry
        # the same worked time.
        self.assertFalse(engine.is_working(got), context)
        self.assertLessEqual(
            abs(engine.next_work_instant(got) - expected), TOLERANCE, context
        )

    @PROPERTY
    @given(
        name=st.sampled_from(NAMES),
        start=instants,
        minutes=durations,
        aware=st.booleans(),
    )
    def test_add_minutes_matches_plan_hours(self, name, start, minutes, aware):
        calendar, engine = self.calendars[name], self.engines[name]
        if aware:
            start = UTC.localize(start).astimezone(pytz.timezone(ZONES[name]))
        expected = calendar.plan_hours(minutes / 60, start, compute_leaves=True)
        got = engine.add_minutes(start, minutes)
        if not aware:
            # naive in, naive UTC out for plan_hours
            expected = UTC.localize(expected)
        context = (
            f"{name} start={start!r} minutes={minutes} odoo={expected} engine={got}"
        )
        self._assert_same_instant(engine, got, expected, context)

    @PROPERTY
    @given(name=st.sampled_from(NAMES), start=instants, nth=st.integers(1, 8))
    def test_exact_fill_matches_plan_hours(self, name, start, nth):
        # amounts ending exactly on a span end, where plan_hours' float
        # residue matters most
        calendar, engine = self.calendars[name], self.engines[name]
        spans = engine.work_intervals(start, start + timedelta(days=21))
        end = spans[min(nth, len(spans)) - 1][1]
        minutes = engine.minutes_between(start, end)
        got = engine.add_minutes(start, minutes)
        self.assertEqual(got, end)
        expected = UTC.localize(
            calendar.plan_hours(minutes / 60, start, compute_leaves=True)
        )
        context = (
            f"{name} start={start!r} minutes={minutes} odoo={expected} engine={got}"
        )
        self._assert_same_instant(engine, got, expected, context)

    @PROPERTY
    @given(
        name=st.sampled_from(NAMES),
        start=instants,
        seconds=st.integers(-86400, 20 * 86400),
        aware=st.booleans(),
    )
    def test_minutes_between_matches_get_work_hours_count(
        self, name, start, seconds, aware
    ):
        calendar, engine = self.calendars[name], self.engines[name]
        end = start + timedelta(seconds=seconds)
        if aware:
            start, end = (
                UTC.localize(start),
                UTC.localize(end).astimezone(pytz.timezone(ZONES[name])),
            )
        expected = calendar.get_work_hours_count(start, end, compute_leaves=True) * 60
        got = engine.minutes_between(start, end)
        self.assertAlmostEqual(
            got, expected, delta=1 / 60, msg=f"{name} {start!r} -> {end!r}"
        )

    @PROPERTY
    @given(name=st.sampled_from(NAMES), dt=instants)
    def test_next_work_instant_matches_plan_hours_zero(self, name, dt):
        calendar, engine = self.calendars[name], self.engines[name]
        expected = UTC.localize(calendar.plan_hours(0, dt, compute_leaves=True))
        got = engine.next_work_instant(dt)
        self.assertLessEqual(abs(got - expected), TOLERANCE, f"{name} {dt!r}")
        self.assertEqual(engine.is_working(dt), got == UTC.localize(dt))

    def test_lunch_is_not_work(self):
        engine = self.engines["office_bru"]
        brussels = pytz.timezone("Europe/Brussels")
        monday = brussels.localize(datetime(2025, 6, 2))
        self.assertEqual(
            engine.minutes_between(monday, monday + timedelta(days=1)), 480
        )
        self.assertFalse(
            engine.is_working(brussels.localize(datetime(2025, 6, 2, 12, 30)))
        )
        self.assertEqual(
            engine.add_minutes(brussels.localize(datetime(2025, 6, 2, 11)), 90),
            brussels.localize(datetime(2025, 6, 2, 13, 30)),
        )

    def test_which_leaves_count(self):
        engine = self.engines["office_bru"]
        day = timedelta(days=1)
        # a calendar-less public holiday counts (Thursday 1 May 2025)
        self.assertEqual(
            engine.minutes_between(datetime(2025, 5, 1), datetime(2025, 5, 2)), 0
        )
        # "other" time off and a resource's own leave do not (two Tuesdays)
        for tuesday in (datetime(2025, 2, 4), datetime(2025, 2, 11)):
            self.assertEqual(engine.minutes_between(tuesday, tuesday + day), 480)

    def test_engine_is_cached(self):
        calendar = self.calendars["office_nyc"]
        self.assertIs(calendar._sla_work_calendar(), calendar._sla_work_calendar())
        self.assertIs(calendar._sla_work_calendar(), self.engines["office_nyc"])

    def test_cache_follows_attendance_and_leave_changes(self):
        calendar = self.calendars["office_bru"]
        monday = datetime(2025, 6, 2)
        week = (monday, monday + timedelta(days=7))
        self.assertEqual(calendar._sla_work_calendar().minutes_between(*week), 40 * 60)

        # same transaction, so write_date would not move
        calendar.attendance_ids.filtered(
            lambda a: a.dayofweek == "0" and a.hour_to == 17
        ).hour_to = 18
        self.assertEqual(calendar._sla_work_calendar().minutes_between(*week), 41 * 60)

        leave = self.env["resource.calendar.leaves"].create(
            {
                "name": "Half day",
                "calendar_id": calendar.id,
                "date_from": datetime(2025, 6, 3, 6, 0),
                "date_to": datetime(2025, 6, 3, 10, 0),
            }
        )
        self.assertEqual(calendar._sla_work_calendar().minutes_between(*week), 37 * 60)
        leave.date_to = datetime(2025, 6, 3, 8, 0)
        self.assertEqual(calendar._sla_work_calendar().minutes_between(*week), 39 * 60)
        leave.unlink()
        self.assertEqual(calendar._sla_work_calendar().minutes_between(*week), 41 * 60)
        calendar.tz = "UTC"
        self.assertEqual(calendar._sla_work_calendar().tz.zone, "UTC")

    def test_two_week_calendar_is_refused(self):
        calendar = self.env["resource.calendar"].create(
            {"name": "Alternating", "tz": "UTC"}
        )
        calendar.switch_calendar_type()
        self.assertTrue(calendar.two_weeks_calendar)
        with self.assertRaises(UserError):
            calendar._sla_work_calendar()

    def test_flexible_calendar_is_refused(self):
        calendar = self.env["resource.calendar"].create(
            {
                "name": "Flexible",
                "tz": "UTC",
                "flexible_hours": True,
                "full_time_required_hours": 40,
            }
        )
        with self.assertRaises(UserError):
            calendar._sla_work_calendar()
