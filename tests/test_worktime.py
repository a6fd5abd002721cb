"""Unit and property tests of the ORM-free working-time engine.

The engine module is loaded by path so these tests need neither a database
nor an Odoo registry; that also proves it does not import Odoo.
"""

import importlib.util
import itertools
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import pytz
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

_PATH = Path(__file__).resolve().parents[1] / "sla_contract" / "engine" / "worktime.py"
_SPEC = importlib.util.spec_from_file_location("sla_worktime_under_test", _PATH)
worktime = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(worktime)
WorkCalendar = worktime.WorkCalendar

UTC = pytz.utc
BRU = pytz.timezone("Europe/Brussels")
NYC = pytz.timezone("America/New_York")
ONE_US = timedelta(microseconds=1)

OFFICE = [(d, 8.0, 12.0) for d in range(5)] + [(d, 13.0, 17.0) for d in range(5)]
ROUND_THE_CLOCK = [(d, 0.0, 24.0) for d in range(7)]
EIGHTEEN_SEVEN = [(d, 0.0, 18.0) for d in range(7)]
ODD_MINUTES = [(d, 8.25, 12.5) for d in range(6)] + [(d, 13.75, 19.1) for d in range(6)]


def local(tz, *args):
    return tz.localize(datetime(*args))


def utc(*args):
    return datetime(*args, tzinfo=UTC)


HOLIDAYS = [
    # Christmas and the day after, in Brussels time
    (local(BRU, 2024, 12, 25), local(BRU, 2024, 12, 27)),
    # an afternoon off on a weekday
    (local(BRU, 2024, 3, 27, 14), local(BRU, 2024, 3, 27, 16, 30)),
    # naive bounds mean UTC
    (datetime(2024, 11, 1, 0, 0), datetime(2024, 11, 2, 0, 0)),
]

CALENDARS = {
    "office_bru": WorkCalendar("Europe/Brussels", OFFICE, HOLIDAYS),
    "office_nyc": WorkCalendar("America/New_York", OFFICE, HOLIDAYS),
    "24x7_bru": WorkCalendar("Europe/Brussels", ROUND_THE_CLOCK, HOLIDAYS),
    "18x7_nyc": WorkCalendar("America/New_York", EIGHTEEN_SEVEN, HOLIDAYS),
    "odd_kolkata": WorkCalendar("Asia/Kolkata", ODD_MINUTES, HOLIDAYS),
}


# -- examples -----------------------------------------------------------------


def test_add_within_one_span():
    cal = CALENDARS["office_bru"]
    # Tuesday 2024-01-09 09:00 Brussels = 08:00 UTC
    assert cal.add_minutes(utc(2024, 1, 9, 8), 90) == utc(2024, 1, 9, 9, 30)


def test_exact_fill_ends_on_span_end():
    cal = CALENDARS["office_bru"]
    start = local(BRU, 2024, 1, 9, 8)
    assert cal.add_minutes(start, 240) == local(BRU, 2024, 1, 9, 12)
    assert cal.add_minutes(start, 480) == local(BRU, 2024, 1, 9, 17)
    assert cal.add_minutes(start, 481) == local(BRU, 2024, 1, 10, 8, 1)


def test_zero_minutes_is_next_working_instant():
    cal = CALENDARS["office_bru"]
    inside = local(BRU, 2024, 1, 9, 10, 17, 3)
    assert cal.add_minutes(inside, 0) == inside
    # span end is excluded: 12:00 is lunch, 17:00 Friday is the weekend
    assert cal.add_minutes(local(BRU, 2024, 1, 9, 12), 0) == local(BRU, 2024, 1, 9, 13)
    friday_evening = local(BRU, 2024, 1, 12, 17)
    assert cal.add_minutes(friday_evening, 0) == local(BRU, 2024, 1, 15, 8)
    assert cal.next_work_instant(friday_evening) == local(BRU, 2024, 1, 15, 8)


def test_start_outside_working_hours():
    cal = CALENDARS["office_bru"]
    saturday = local(BRU, 2024, 1, 13, 11)
    assert cal.add_minutes(saturday, 30) == local(BRU, 2024, 1, 15, 8, 30)
    night = local(BRU, 2024, 1, 9, 3)
    assert cal.add_minutes(night, 300) == local(BRU, 2024, 1, 9, 14)


def test_result_is_aware_utc_and_naive_means_utc():
    cal = CALENDARS["office_bru"]
    result = cal.add_minutes(datetime(2024, 1, 9, 8), 15)
    assert result.tzinfo is not None
    assert result.utcoffset() == timedelta(0)
    assert result == utc(2024, 1, 9, 8, 15)
    aware = cal.add_minutes(utc(2024, 1, 9, 8), 15)
    assert aware == result
    other_zone = cal.add_minutes(utc(2024, 1, 9, 8).astimezone(NYC), 15)
    assert other_zone == result


def test_leaves_remove_time():
    cal = CALENDARS["office_bru"]
    # Tuesday 24 Dec 16:00 local; 25-26 Dec off; Friday 27 Dec resumes
    start = local(BRU, 2024, 12, 24, 16)
    assert cal.add_minutes(start, 60) == local(BRU, 2024, 12, 24, 17)
    assert cal.add_minutes(start, 61) == local(BRU, 2024, 12, 27, 8, 1)
    assert cal.minutes_between(start, local(BRU, 2024, 12, 27, 9)) == 120
    # partial leave 14:00-16:30 on Wednesday 27 March
    day = (local(BRU, 2024, 3, 27), local(BRU, 2024, 3, 28))
    assert cal.minutes_between(*day) == 480 - 150
    assert not cal.is_working(local(BRU, 2024, 3, 27, 15))
    assert cal.is_working(local(BRU, 2024, 3, 27, 16, 30))


def test_minutes_between_basics():
    cal = CALENDARS["office_bru"]
    monday = local(BRU, 2024, 1, 8)
    assert cal.minutes_between(monday, monday + timedelta(days=7)) == 40 * 60
    assert cal.minutes_between(monday + timedelta(days=7), monday) == 0
    assert cal.minutes_between(monday, monday) == 0
    seconds = cal.minutes_between(
        local(BRU, 2024, 1, 8, 9), local(BRU, 2024, 1, 8, 9, 0, 30)
    )
    assert seconds == 0.5


def test_round_the_clock_dst_days():
    cal = WorkCalendar("Europe/Brussels", ROUND_THE_CLOCK)
    # spring forward: 23 hours, fall back: 25 hours
    assert (
        cal.minutes_between(local(BRU, 2024, 3, 31), local(BRU, 2024, 4, 1)) == 23 * 60
    )
    assert (
        cal.minutes_between(local(BRU, 2024, 10, 27), local(BRU, 2024, 10, 28))
        == 25 * 60
    )
    week = (local(BRU, 2024, 6, 3), local(BRU, 2024, 6, 10))
    assert cal.minutes_between(*week) == 7 * 24 * 60
    # midnight is working time; there is no gap between days
    assert cal.is_working(local(BRU, 2024, 6, 4))
    start = local(BRU, 2024, 6, 3, 23, 30)
    assert cal.add_minutes(start, 60) == local(BRU, 2024, 6, 4, 0, 30)
    assert cal.add_minutes(local(BRU, 2024, 6, 3), 24 * 60) == local(BRU, 2024, 6, 4)


def test_dst_wall_clock_lines():
    # 09:00-17:00 stays 8 hours on both switch days, in local wall-clock time
    cal = WorkCalendar("America/New_York", [(6, 9.0, 17.0)])
    for day in (date(2024, 3, 10), date(2024, 11, 3)):
        start = NYC.localize(datetime.combine(day, datetime.min.time()))
        assert cal.minutes_between(start, start + timedelta(days=1)) == 480
        assert cal.add_minutes(start, 0) == NYC.localize(
            datetime(day.year, day.month, day.day, 9)
        )


def test_line_inside_spring_forward_gap_matches_odoo_localize():
    # localize(is_dst=False) maps the missing 02:00 to 01:00 UTC; 04:00 CEST
    # is 02:00 UTC, so the line is worth 60 minutes that Sunday only.
    cal = WorkCalendar("Europe/Brussels", [(6, 2.0, 4.0)])
    assert cal.minutes_between(utc(2024, 3, 30), utc(2024, 4, 1)) == 60
    assert cal.next_work_instant(utc(2024, 3, 31)) == utc(2024, 3, 31, 1)
    assert cal.minutes_between(utc(2024, 4, 6), utc(2024, 4, 8)) == 120


def test_fractional_hours_round_like_odoo():
    # 8.25 -> 08:15, 19.1 -> 19:06 (minutes rounded half-up, seconds dropped)
    cal = WorkCalendar("UTC", [(0, 8.25, 19.1)])
    assert cal.next_work_instant(utc(2024, 1, 8)) == utc(2024, 1, 8, 8, 15)
    assert cal.minutes_between(utc(2024, 1, 8), utc(2024, 1, 9)) == 10 * 60 + 51


def test_attendance_validity_dates():
    line = (0, 8.0, 16.0, date(2024, 1, 15), date(2024, 1, 22))
    cal = WorkCalendar("UTC", [line])
    assert cal.minutes_between(utc(2024, 1, 1), utc(2024, 2, 1)) == 2 * 480
    assert cal.next_work_instant(utc(2024, 1, 1)) == utc(2024, 1, 15, 8)


def test_overlapping_leaves_and_lines():
    leaves = [
        (utc(2024, 1, 8, 9), utc(2024, 1, 8, 11)),
        (utc(2024, 1, 8, 10), utc(2024, 1, 8, 12)),
    ]
    cal = WorkCalendar("UTC", [(0, 8.0, 12.0), (0, 10.0, 14.0)], leaves)
    assert cal.minutes_between(utc(2024, 1, 8), utc(2024, 1, 9)) == 180
    assert cal.add_minutes(utc(2024, 1, 8, 8), 61) == utc(2024, 1, 8, 12, 1)


def test_no_working_time_raises():
    empty = WorkCalendar("UTC", [])
    with pytest.raises(ValueError):
        empty.add_minutes(utc(2024, 1, 1), 10)
    with pytest.raises(ValueError):
        empty.next_work_instant(utc(2024, 1, 1))
    assert empty.minutes_between(utc(2024, 1, 1), utc(2025, 1, 1)) == 0
    assert not empty.is_working(utc(2024, 1, 1))
    long_leave = [(utc(2024, 1, 1), utc(2027, 1, 1))]
    blocked = WorkCalendar("UTC", OFFICE, long_leave, horizon_days=400)
    with pytest.raises(ValueError):
        blocked.add_minutes(utc(2024, 1, 1), 10)
    with pytest.raises(ValueError):
        CALENDARS["office_bru"].add_minutes(utc(2024, 1, 1), -1)


def test_invalid_lines_rejected():
    with pytest.raises(ValueError):
        WorkCalendar("UTC", [(7, 8.0, 9.0)])
    with pytest.raises(ValueError):
        WorkCalendar("UTC", [(0, 8.0, 25.0)])


def test_work_intervals():
    cal = CALENDARS["office_bru"]
    spans = cal.work_intervals(local(BRU, 2024, 1, 9, 10), local(BRU, 2024, 1, 10, 9))
    assert spans == [
        (local(BRU, 2024, 1, 9, 10), local(BRU, 2024, 1, 9, 12)),
        (local(BRU, 2024, 1, 9, 13), local(BRU, 2024, 1, 9, 17)),
        (local(BRU, 2024, 1, 10, 8), local(BRU, 2024, 1, 10, 9)),
    ]


def test_float_to_time():
    assert worktime.float_to_time(24.0) == (datetime.max.time(), 1)
    assert worktime.float_to_time(8.5) == (datetime(1, 1, 1, 8, 30).time(), 0)
    # 59.5 minutes rounds half-up to the next hour
    assert worktime.float_to_time(8 + 59.5 / 60) == (datetime(1, 1, 1, 9, 0).time(), 0)


# -- properties -----------------------------------------------------------------

# Around the 2024/2025 switches of Brussels (last Sundays of March/October)
# and New York (second Sunday of March, first of November).
DST_SWITCHES = [
    utc(2024, 3, 10, 7),
    utc(2024, 3, 31, 1),
    utc(2024, 10, 27, 1),
    utc(2024, 11, 3, 6),
    utc(2025, 3, 9, 7),
    utc(2025, 3, 30, 1),
    utc(2025, 10, 26, 1),
    utc(2025, 11, 2, 6),
]

calendars = st.sampled_from(sorted(CALENDARS))
anywhere = st.integers(0, 2 * 366 * 86400).map(
    lambda s: utc(2024, 1, 1) + timedelta(seconds=s)
)
near_dst = st.builds(
    lambda switch, seconds: switch + timedelta(seconds=seconds),
    st.sampled_from(DST_SWITCHES),
    st.integers(-4 * 86400, 4 * 86400),
)
instants = st.one_of(anywhere, near_dst)
minutes = st.one_of(st.integers(0, 80 * 60), st.floats(0, 80 * 60, allow_nan=False))

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY
@given(calendars, instants, minutes)
def test_add_then_between_is_identity(name, start, amount):
    cal = CALENDARS[name]
    end = cal.add_minutes(start, amount)
    assert end >= start
    # exact to the microsecond the amount was rounded to
    assert cal.minutes_between(start, end) == pytest.approx(amount, abs=1e-6)


@PROPERTY
@given(calendars, instants, minutes, minutes)
def test_add_is_monotonic(name, start, first, second):
    cal = CALENDARS[name]
    low, high = sorted((first, second))
    assert cal.add_minutes(start, low) <= cal.add_minutes(start, high)


@PROPERTY
@given(calendars, instants, instants)
def test_add_is_monotonic_in_start(name, first, second):
    cal = CALENDARS[name]
    first, second = sorted((first, second))
    assert cal.add_minutes(first, 90) <= cal.add_minutes(second, 90)
    assert cal.minutes_between(first, second) >= 0


@PROPERTY
@given(calendars, instants, st.integers(1, 40 * 60), st.integers(1, 40 * 60))
def test_add_is_additive(name, start, first, second):
    cal = CALENDARS[name]
    assert cal.add_minutes(cal.add_minutes(start, first), second) == cal.add_minutes(
        start, first + second
    )


@PROPERTY
@given(calendars, instants, instants, instants)
def test_between_is_additive(name, first, second, third):
    cal = CALENDARS[name]
    a, b, c = sorted((first, second, third))
    total = cal.minutes_between(a, c)
    assert total == pytest.approx(
        cal.minutes_between(a, b) + cal.minutes_between(b, c), abs=1e-9
    )


@PROPERTY
@given(calendars, instants)
def test_next_work_instant(name, dt):
    cal = CALENDARS[name]
    nxt = cal.next_work_instant(dt)
    assert nxt >= dt
    assert cal.is_working(nxt)
    assert cal.minutes_between(dt, nxt) == 0
    if cal.is_working(dt):
        assert nxt == dt
    else:
        assert not cal.is_working(nxt - ONE_US)


@PROPERTY
@given(calendars, instants, st.integers(1, 80 * 60))
def test_positive_amount_ends_inside_or_on_span_end(name, start, amount):
    cal = CALENDARS[name]
    end = cal.add_minutes(start, amount)
    assert cal.is_working(end - ONE_US)
    # one minute earlier the deadline had not been reached
    assert cal.minutes_between(start, end - timedelta(minutes=1)) < amount


@PROPERTY
@given(calendars, instants, st.integers(0, 20 * 86400))
def test_between_matches_work_intervals(name, start, seconds):
    cal = CALENDARS[name]
    end = start + timedelta(seconds=seconds)
    spans = cal.work_intervals(start, end)
    assert all(a < b for a, b in spans)
    assert all(prev[1] < nxt[0] for prev, nxt in itertools.pairwise(spans))
    total = sum((b - a for a, b in spans), timedelta()) / timedelta(minutes=1)
    assert total == pytest.approx(cal.minutes_between(start, end), abs=1e-9)


@PROPERTY
@given(
    st.sampled_from(["Europe/Brussels", "America/New_York"]),
    instants,
    st.integers(0, 3 * 86400),
)
def test_round_the_clock_counts_elapsed_time(zone, start, seconds):
    cal = WorkCalendar(zone, ROUND_THE_CLOCK)
    end = start + timedelta(seconds=seconds)
    assert cal.minutes_between(start, end) == seconds / 60
    assert cal.add_minutes(start, seconds / 60) == end


@PROPERTY
@given(calendars, instants, minutes)
def test_memoization_is_transparent(name, start, amount):
    # a fresh engine answers the same as one with days already memoized
    cal = CALENDARS[name]
    fresh = WorkCalendar(cal.tz, _LINES[name], HOLIDAYS)
    assert fresh.add_minutes(start, amount) == cal.add_minutes(start, amount)
    assume(amount > 0)
    assert fresh.minutes_between(
        start, start + timedelta(minutes=amount)
    ) == cal.minutes_between(start, start + timedelta(minutes=amount))


_LINES = {
    "office_bru": OFFICE,
    "office_nyc": OFFICE,
    "24x7_bru": ROUND_THE_CLOCK,
    "18x7_nyc": EIGHTEEN_SEVEN,
    "odd_kolkata": ODD_MINUTES,
}


def test_module_does_not_import_odoo():
    source = _PATH.read_text()
    assert "odoo" not in {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
