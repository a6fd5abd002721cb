"""Unit tests of the ORM-free SLA arithmetic (target units).

The module is loaded by path, like the engine tests, so no database or
registry is needed.
"""

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "sla_contract" / "engine" / "sla_math.py"
_SPEC = importlib.util.spec_from_file_location("sla_math_under_test", _PATH)
sla_math = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(sla_math)
target_to_minutes = sla_math.target_to_minutes

# (value, unit, hours per day, hours per week, business minutes)
CASES = [
    (15, "minutes", 8, 40, 15),
    (1.5, "minutes", 8, 40, 2),
    (4, "hours", 8, 40, 240),
    (0.25, "hours", 0, 0, 15),
    (5, "days", 8, 40, 2400),
    (5, "days", 24, 168, 7200),
    (0.5, "days", 12, 60, 360),
    (1, "weeks", 8, 40, 2400),
    (1, "weeks", 24, 168, 10080),
    (2, "weeks", 12, 60, 7200),
    (0.5, "weeks", 8, 40, 1200),
    # Mon-Fri 8 h plus Saturday 4 h: a week is 44 h, not 5 x 8.
    (1, "weeks", 7.33, 44, 2640),
]


@pytest.mark.parametrize(("value", "unit", "per_day", "per_week", "minutes"), CASES)
def test_target_to_minutes(value, unit, per_day, per_week, minutes):
    assert target_to_minutes(value, unit, per_day, per_week) == minutes


def test_week_and_days_agree_on_a_five_day_calendar():
    for per_day in (7.5, 8, 12, 24):
        assert target_to_minutes(1, "weeks", per_day, 5 * per_day) == (
            target_to_minutes(5, "days", per_day, 5 * per_day)
        )


def test_hours_per_week_is_optional_for_other_units():
    assert target_to_minutes(3, "days", 8) == 1440


@pytest.mark.parametrize(
    ("value", "unit", "per_day", "per_week", "message"),
    [
        (0, "hours", 8, 40, "positive"),
        (-1, "minutes", 8, 40, "positive"),
        (0.4, "minutes", 8, 40, "at least one minute"),
        (0.99, "minutes", 8, 40, "at least one minute"),
        (0.01, "hours", 8, 40, "at least one minute"),
        (1, "days", 0, 0, "no working hours per day"),
        (1, "weeks", 8, 0, "no working hours per week"),
        (1, "weeks", 8, -1, "no working hours per week"),
        (1, "fortnights", 8, 40, "unknown unit"),
    ],
)
def test_refused_targets(value, unit, per_day, per_week, message):
    with pytest.raises(ValueError, match=message):
        target_to_minutes(value, unit, per_day, per_week)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ([], False),
        ([("running", False, False)], sla_math.URGENCY_ON_TRACK),
        ([("running", False, True)], sla_math.URGENCY_AT_RISK),
        ([("breached", False, True)], sla_math.URGENCY_BREACHED),
        ([("breached", False, True), ("running", False, True)], "1_at_risk"),
        ([("paused", True, True), ("paused", True, False)], "4_paused"),
        ([("breached", True, True)], sla_math.URGENCY_BREACHED),
        ([("paused", True, True), ("running", False, False)], "3_on_track"),
    ],
)
def test_urgency_rank(facts, expected):
    assert sla_math.urgency(facts) == expected


@pytest.mark.parametrize(
    ("value", "places", "printed"),
    [
        # 296 of 299 is in the 95-99% band: never printed as 99.00%
        (100 * 296 / 299, 2, "98.99"),
        (95.0, 2, "95.00"),
        # float noise is not a cut below the boundary
        (94.99999999999, 2, "95.00"),
        (100 * 19 / 20, 1, "95.0"),
        (99.9074, 3, "99.907"),
        (100, 2, "100.00"),
        (0, 2, "0.00"),
    ],
)
def test_format_rate_never_rounds_across_a_boundary(value, places, printed):
    assert sla_math.format_rate(value, places) == printed


def test_format_rate_of_nothing():
    assert sla_math.format_rate(None) == ""


@pytest.mark.parametrize(
    "target, places",
    [
        (99.95, 3),
        (99.9, 2),
        (99.99, 3),
        (99.5, 2),
        (99, 1),
        (95, 1),
        (100, 1),
        (99.95000000001, 3),
        (None, 2),
        (0, 2),
    ],
)
def test_rate_places_is_one_decimal_more_than_the_target(target, places):
    assert sla_math.rate_places(target) == places


@pytest.mark.parametrize(
    "uptime, target, printed",
    [
        # a month with 40 minutes down against 99.95: missed, and it says so
        (100 * (1 - 40 / 43200), 99.95, "99.907"),
        # a quarter with 40 minutes down: not 100.0
        (100 * (1 - 40 / 132480), 99.95, "99.969"),
        (99.9074, 99.9, "99.90"),
        (99.94999, 99.95, "99.949"),
        (99.95, 99.95, "99.950"),
    ],
)
def test_uptime_printed_at_the_precision_of_its_guarantee(uptime, target, printed):
    shown = sla_math.format_rate(uptime, sla_math.rate_places(target))
    assert shown == printed
    # a printed figure never reads as meeting a guarantee the figure misses
    assert (float(shown) >= target) == (uptime >= target)


@pytest.mark.parametrize(
    "value, printed", [(3, "3"), (3.0, "3"), (1.5, "1.5"), (0.25, "0.25"), (100, "100")]
)
def test_format_number(value, printed):
    assert sla_math.format_number(value) == printed


@pytest.mark.parametrize(
    "minutes, late", [(0, 0), (0.2, 0), (0.99, 0), (1, 1), (59.99, 59), (-3, 0)]
)
def test_late_minutes_cut_so_seconds_late_is_never_zero_minutes_late(minutes, late):
    assert sla_math.late_minutes(minutes) == late
