"""Unit tests of the ORM-free credit, uptime and bonus math.

The module is loaded by path, like the engine tests, so no database or
registry is needed. Cases use the seed's numbers.
"""

import importlib.util
import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_PATH = (
    Path(__file__).resolve().parents[1] / "sla_credits" / "engine" / "credit_math.py"
)
_SPEC = importlib.util.spec_from_file_location("credit_math_under_test", _PATH)
cm = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(cm)

D = Decimal
# A loaded CI machine must not fail a property for generating inputs slowly.
PROPERTY = settings(
    deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
Band = cm.Band
Incident = cm.Incident
APRIL = cm.month_bounds(2026, 4)  # 30 days
END_OF_APRIL = datetime(2026, 5, 10)


def at(day, hour=0, minute=0):
    return datetime(2026, 4, day, hour, minute)


# ---------------------------------------------------------------- bands

# (compliance %, credit %, right to terminate)
BAND_CASES = [
    (100, 0, False),
    (99.5, 0, False),
    (99.0, 0, False),
    (98.99, 5, False),
    (95.0, 5, False),
    (94.999, 10, False),
    (90, 10, False),
    (89.99, 15, False),
    (85.0, 15, False),
    (84.99, 20, True),
    (50, 20, True),
    (0, 20, True),
]


@pytest.mark.parametrize(("rate", "credit", "terminate"), BAND_CASES)
def test_default_bands_at_and_around_boundaries(rate, credit, terminate):
    band = cm.find_band(rate)
    assert band.credit_percent == credit
    assert band.right_to_terminate is terminate


def test_default_bands_are_valid():
    assert cm.validate_bands(cm.DEFAULT_BANDS)[0].lower == 0


def test_no_tickets_means_no_band_and_no_credit():
    assert cm.compliance_rate(0, 0) is None
    assert cm.find_band(None) is None
    assert cm.compliance_credit_percent(None) == 0


@pytest.mark.parametrize(
    ("within", "tickets", "rate"),
    [(95, 100, D(95)), (19, 20, D(95)), (99, 100, D(99)), (17, 20, D(85)), (1, 1, 100)],
)
def test_compliance_rate_is_exact_on_boundaries(within, tickets, rate):
    assert cm.compliance_rate(within, tickets) == rate


@pytest.mark.parametrize(("within", "tickets"), [(3, 2), (-1, 2), (0, -1)])
def test_impossible_ticket_counts_are_refused(within, tickets):
    with pytest.raises(ValueError, match="not possible"):
        cm.compliance_rate(within, tickets)


@pytest.mark.parametrize("rate", [-0.1, 100.01])
def test_rates_outside_0_100_are_refused(rate):
    with pytest.raises(ValueError, match="outside"):
        cm.find_band(rate)


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([], "at least one"),
        ([Band(0, 90, 10, False), Band(95, 100, 0, False)], "gap between 90"),
        ([Band(0, 96, 10, False), Band(95, 100, 0, False)], "overlap"),
        ([Band(5, 100, 0, False)], "from 0 to 5"),
        ([Band(0, 99, 0, False)], "from 99% to 100%"),
        ([Band(0, 101, 0, False)], "above 100"),
        ([Band(0, 0, 0, False), Band(0, 100, 0, False)], "lower bound"),
        ([Band(0, 100, 120, False)], "between 0 and 100"),
        ([Band(0, 100, -5, False)], "credit -5% must be between 0 and 100"),
        ([Band(0, 100, 250, False)], "credit 250% must be between 0 and 100"),
        ([Band(-5, 100, 0, False)], "band -5-100%: -5% is below 0%"),
        ([Band(95, 90, 0, False), Band(0, 100, 0, False)], "95-90%: the lower"),
    ],
)
def test_invalid_bands_are_refused(bands, message):
    with pytest.raises(ValueError, match=message):
        cm.validate_bands(bands)


@pytest.mark.parametrize(
    ("band", "message"),
    [
        (Band(-1, 50, 0, False), "below 0%"),
        (Band(50, 100.5, 0, False), "100.5% is above 100%"),
        (Band(50, 50, 0, False), "lower bound must be below"),
        (Band(0, 50, 100.001, False), "between 0 and 100"),
    ],
)
def test_one_band_is_checked_alone(band, message):
    with pytest.raises(ValueError, match=message):
        cm.check_band(band)


def test_one_band_as_decimals():
    assert cm.check_band(Band(0, 85.5, 20, 1)) == Band(D(0), D("85.5"), D(20), True)


def test_custom_bands_in_any_order():
    bands = cm.validate_bands([Band(90, 100, 0, False), Band(0, 90, 25, True)])
    assert cm.find_band(90, bands).credit_percent == 0
    assert cm.find_band(89.9, bands).credit_percent == 25


# ---------------------------------------------------------------- uptime


@pytest.mark.parametrize(
    ("year", "month", "minutes"),
    [
        (2026, 2, 28 * 1440),
        (2028, 2, 29 * 1440),
        (2026, 4, 30 * 1440),
        (2026, 1, 31 * 1440),
        (2026, 12, 31 * 1440),
    ],
)
def test_month_length_is_real(year, month, minutes):
    start, end = cm.month_bounds(year, month)
    result = cm.monthly_downtime([], start, end, end)
    assert result.month_minutes == minutes
    assert cm.uptime_percent(result.downtime_minutes, result.month_minutes) == 100


def test_month_with_a_dst_change_counts_real_minutes():
    start, end = cm.month_bounds(2026, 3, ZoneInfo("Europe/Brussels"))
    assert cm.monthly_downtime([], start, end, end).month_minutes == 31 * 1440 - 60


def test_overlapping_incidents_are_counted_once():
    incidents = [
        Incident(at(3, 10), at(3, 11)),
        Incident(at(3, 10, 30), at(3, 12)),  # overlaps the first
        Incident(at(3, 12), at(3, 12, 30)),  # touches the second
        Incident(at(3, 10, 45), at(3, 11)),  # inside the first
    ]
    assert cm.monthly_downtime(incidents, *APRIL, END_OF_APRIL).downtime_minutes == 150


def test_incidents_are_clipped_to_the_month_and_to_now():
    incidents = [
        Incident(datetime(2026, 3, 31, 23), at(1, 1)),  # 60 min in April
        Incident(at(30, 23), datetime(2026, 5, 1, 2)),  # 60 min in April
        Incident(at(10, 8), None),  # still open at "now"
    ]
    result = cm.monthly_downtime(incidents, *APRIL, at(10, 9))
    assert result.downtime_minutes == 60 + 60
    result = cm.monthly_downtime(incidents, *APRIL, at(10, 9, 30))
    assert result.downtime_minutes == 60 + 90  # the late-April one is future


def test_planned_window_with_72h_notice_is_excluded():
    window = Incident(at(12, 22), at(13, 0), True, at(9, 22))
    result = cm.monthly_downtime([window], *APRIL, END_OF_APRIL)
    assert result.downtime_minutes == 0
    assert result.excluded_minutes == 120


@pytest.mark.parametrize(
    "notice_at", [at(11, 22), at(10, 22, 1), None], ids=["24h", "47h59", "none"]
)
def test_planned_window_with_short_or_no_notice_counts(notice_at):
    window = Incident(at(12, 22), at(13, 0), True, notice_at)
    result = cm.monthly_downtime([window], *APRIL, END_OF_APRIL)
    assert result.downtime_minutes == 120
    assert result.excluded_minutes == 0


def test_notice_of_exactly_the_notice_period_is_enough():
    window = Incident(at(12, 22), at(13, 0), True, at(10, 22))
    assert cm.monthly_downtime([window], *APRIL, END_OF_APRIL).downtime_minutes == 0


def test_maintenance_over_the_allowance_counts_the_excess_in_time_order():
    windows = [
        Incident(at(5, 0), at(5, 3), True, at(1)),  # 3 h, all excluded
        Incident(at(20, 0), at(20, 2), True, at(1)),  # 1 h excluded, 1 h over
    ]
    result = cm.monthly_downtime(windows, *APRIL, END_OF_APRIL)
    assert result.excluded_minutes == 240
    assert result.maintenance_minutes == 300
    assert result.downtime_minutes == 60
    longer = cm.monthly_downtime(
        windows, *APRIL, END_OF_APRIL, allowance=timedelta(hours=8)
    )
    assert longer.downtime_minutes == 0


def test_custom_notice_period():
    window = Incident(at(12, 22), at(13, 0), True, at(11, 22))
    result = cm.monthly_downtime(
        [window], *APRIL, END_OF_APRIL, notice=timedelta(hours=24)
    )
    assert result.downtime_minutes == 0


def test_unplanned_outage_inside_an_announced_window_is_maintenance():
    incidents = [
        Incident(at(12, 0), at(12, 2), True, at(1)),
        Incident(at(12, 1), at(12, 3)),  # 1 h inside the window, 1 h after
    ]
    result = cm.monthly_downtime(incidents, *APRIL, END_OF_APRIL)
    assert result.downtime_minutes == 60
    assert result.excluded_minutes == 120


def test_incident_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends before"):
        cm.monthly_downtime([Incident(at(2), at(1))], *APRIL, END_OF_APRIL)


def test_uptime_percent():
    assert cm.uptime_percent(120, 43200) == D(43080) * 100 / 43200
    assert cm.uptime_percent(D("43.2"), 43200) == D("99.9")
    with pytest.raises(ValueError):
        cm.uptime_percent(43201, 43200)


def test_composite_availability_is_the_product():
    assert cm.composite_availability([99.9, 99.9]) == D("99.8001")
    assert cm.composite_availability([]) == 100


# ---------------------------------------------------------------- uptime credits

AVERAGE_MONTH = 730 * 60  # the seed's "Monthly Downtime Allowed" month


@pytest.mark.parametrize(
    ("guarantee", "allowed", "rate"),
    [
        ("99.0", D("438"), 2),  # 7.3 hours
        ("99.5", D("219"), 3),  # 3.65 hours
        ("99.9", D("43.8"), 5),
        ("99.95", D("21.9"), 10),
    ],
)
def test_seed_uptime_table(guarantee, allowed, rate):
    assert cm.allowed_downtime_minutes(guarantee, AVERAGE_MONTH) == allowed
    assert cm.credit_per_hour(guarantee) == rate


def test_guarantee_between_rows_takes_the_lower_row():
    assert cm.credit_per_hour(99.7) == 3
    assert cm.credit_per_hour(99.99) == 10
    with pytest.raises(ValueError, match="No uptime credit rate"):
        cm.credit_per_hour(98)


def test_seed_case_999_with_2h_unplanned_in_a_30_day_month():
    outage = Incident(at(7, 10), at(7, 12))
    down = cm.monthly_downtime([outage], *APRIL, END_OF_APRIL)
    allowed = cm.allowed_downtime_minutes(99.9, down.month_minutes)
    assert allowed == D("43.2")
    rate = cm.credit_per_hour(99.9)
    percent = cm.uptime_credit_percent(down.downtime_minutes, allowed, rate)
    assert percent == D("6.4")  # 76.8 minutes over x 5% per hour
    assert cm.credit_amount(1000, percent, "0.01") == D("64.00")
    started = cm.uptime_credit_percent(
        down.downtime_minutes, allowed, rate, per_started_hour=True
    )
    assert started == 10  # two started hours
    assert cm.credit_amount(1000, started, "0.01") == D("100.00")


@pytest.mark.parametrize(
    ("downtime", "allowed", "rate", "per_started", "percent"),
    [
        (0, 43.2, 5, False, 0),
        (43.2, 43.2, 5, False, 0),
        (43.2, 43.2, 5, True, 0),
        (44.2, 43.2, 5, True, 5),
        (103.2, 43.2, 5, False, 5),
        (103.2, 43.2, 5, True, 5),
        (103.3, 43.2, 5, True, 10),
        (438 + 30, 438, 2, False, 1),
    ],
)
def test_uptime_credit_percent(downtime, allowed, rate, per_started, percent):
    assert (
        cm.uptime_credit_percent(downtime, allowed, rate, per_started_hour=per_started)
        == percent
    )


# ---------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("amount", "rounding", "rounded"),
    [
        ("10.005", "0.01", "10.01"),
        ("10.004", 0.01, "10.00"),
        ("2.5", 1, "3"),
        ("12.024", "0.05", "12.00"),
        ("12.025", "0.05", "12.05"),
        ("0.0005", "0.001", "0.001"),
    ],
)
def test_round_money_half_up(amount, rounding, rounded):
    assert str(cm.round_money(D(amount), rounding)) == rounded


def test_total_credit_combines_and_caps():
    credit = cm.total_credit(1000, 15, D("6.4"), "0.01")
    assert (credit.percent, credit.amount, credit.capped) == (
        D("21.4"),
        D("214.00"),
        False,
    )
    credit = cm.total_credit(1000, 20, 90, "0.01")
    assert (credit.percent, credit.amount, credit.capped) == (100, D("1000.00"), True)
    credit = cm.total_credit(1000, 20, 10, "0.01", cap_percent=25)
    assert (credit.percent, credit.amount, credit.capped) == (25, D("250.00"), True)
    assert cm.total_credit(333.33, 5, 0, "0.01").amount == D("16.67")


def test_total_credit_refuses_negative_inputs():
    with pytest.raises(ValueError, match="fee"):
        cm.total_credit(-1, 5, 0, "0.01")
    with pytest.raises(ValueError, match="negative"):
        cm.total_credit(100, -5, 0, "0.01")


# ---------------------------------------------------------------- bonuses


def test_perfect_quarter_earns_every_bonus():
    bonus = cm.evaluate_bonuses([0.2, 0.5, 0.1], 0, [0.5, 0.7], [5, 4.6, 4.8])
    assert bonus == cm.Bonus(D(5), True, True, True)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (([0.2, 0.51], 0, [0.5], [5]), (0, True, True, True)),
        (([0.2], 1, [0.5], [5]), (5, False, True, True)),
        (([0.2], 0, [0.5, 0.91], [5]), (5, True, False, True)),
        (([0.2], 0, [0.5], [4.5]), (5, True, True, False)),
        (([0.2], 0, [], []), (5, True, False, False)),
        (([], 0, [], []), (0, False, False, False)),
    ],
)
def test_bonus_thresholds(args, expected):
    assert tuple(cm.evaluate_bonuses(*args)) == expected


# ---------------------------------------------------------------- properties

MINUTES_IN_APRIL = 30 * 1440
spans = st.tuples(
    st.integers(-2000, MINUTES_IN_APRIL + 2000), st.integers(0, 3000)
).map(
    lambda t: (
        APRIL[0] + timedelta(minutes=t[0]),
        APRIL[0] + timedelta(minutes=t[0] + t[1]),
    )
)
incident_lists = st.lists(
    st.builds(
        lambda span, planned, notice: Incident(
            span[0], span[1], planned, span[0] - timedelta(hours=notice)
        ),
        spans,
        st.booleans(),
        st.integers(0, 96),
    ),
    max_size=12,
)


@PROPERTY
@given(st.lists(spans, max_size=12), st.randoms())
def test_merging_is_idempotent_and_order_independent(intervals, rnd):
    merged = cm.merge_intervals(intervals)
    assert cm.merge_intervals(merged) == merged
    shuffled = list(intervals)
    rnd.shuffle(shuffled)
    assert cm.merge_intervals(shuffled) == merged
    assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))
    assert cm.total_duration(merged) <= sum(
        (max(e - s, timedelta()) for s, e in intervals), timedelta()
    )


@PROPERTY
@given(incident_lists)
def test_uptime_stays_within_0_and_100(incidents):
    down = cm.monthly_downtime(incidents, *APRIL, END_OF_APRIL)
    assert 0 <= cm.uptime_percent(down.downtime_minutes, down.month_minutes) <= 100
    assert down.excluded_minutes <= 240


@PROPERTY
@given(incident_lists, spans)
def test_more_downtime_never_gives_less_credit(incidents, extra):
    before = cm.monthly_downtime(incidents, *APRIL, END_OF_APRIL)
    after = cm.monthly_downtime([*incidents, Incident(*extra)], *APRIL, END_OF_APRIL)
    assert after.downtime_minutes >= before.downtime_minutes
    allowed = cm.allowed_downtime_minutes(99.9, before.month_minutes)
    for started in (False, True):
        assert cm.uptime_credit_percent(
            after.downtime_minutes, allowed, 5, per_started_hour=started
        ) >= cm.uptime_credit_percent(
            before.downtime_minutes, allowed, 5, per_started_hour=started
        )


percents = st.decimals(0, 200, places=3)


@PROPERTY
@given(
    st.decimals(0, 10**7, places=2),
    percents,
    percents,
    st.decimals(0, 100, places=2),
    st.sampled_from(["0.01", "1", "0.05", "0.001"]),
)
def test_credits_never_exceed_the_cap(fee, compliance, uptime, cap, rounding):
    credit = cm.total_credit(fee, compliance, uptime, rounding, cap_percent=cap)
    assert 0 <= credit.percent <= cap
    assert credit.amount <= cm.round_money(fee * cap / 100, rounding)
    assert credit.amount <= cm.round_money(fee, rounding)


@PROPERTY
@given(st.integers(0, 500), st.integers(0, 500))
def test_lower_compliance_never_gives_less_credit(a, b):
    total = max(a, b, 1)
    lo, hi = sorted((min(a, total), min(b, total)))
    assert cm.compliance_credit_percent(
        cm.compliance_rate(lo, total)
    ) >= cm.compliance_credit_percent(cm.compliance_rate(hi, total))


@pytest.mark.parametrize(
    ("amount", "rule_type", "interval", "days", "fee"),
    [
        ("300", "monthly", 1, 30, "300"),
        ("300", "monthlylastday", 1, 31, "300"),
        ("600", "monthly", 2, 31, "300"),
        ("900", "quarterly", 1, 30, "300"),
        ("1800", "semesterly", 1, 30, "300"),
        ("3600", "yearly", 1, 28, "300"),
        ("10", "daily", 1, 30, "300"),
        ("70", "weekly", 1, 30, "300"),
        ("70", "weekly", 2, 28, "140"),
    ],
)
def test_monthly_fee_of_each_recurrence(amount, rule_type, interval, days, fee):
    assert cm.monthly_fee(Decimal(amount), rule_type, interval, days) == Decimal(fee)


@pytest.mark.parametrize(("rule_type", "interval"), [("monthly", 0), ("hourly", 1)])
def test_monthly_fee_refuses_unknown_recurrences(rule_type, interval):
    with pytest.raises(ValueError):
        cm.monthly_fee(Decimal(10), rule_type, interval, 30)


def test_a_month_with_breaches_and_downtime_is_capped_at_the_fee():
    figures = cm.evaluate_month(
        tickets=10,
        within=8,  # 80%: 20% and the right to terminate
        bands=cm.DEFAULT_BANDS,
        incidents=[Incident(at(3, 8), at(20, 8))],  # 17 days down
        month_start=APRIL[0],
        month_end=APRIL[1],
        now=END_OF_APRIL,
        guarantee=D("99.9"),
        fee=D("1000"),
        rounding=D("0.01"),
    )
    assert figures.rate == D(80)
    assert figures.band.right_to_terminate
    assert figures.credit.capped
    assert figures.credit.amount == D("1000.00")


def test_a_perfect_month_without_uptime_commitment_owes_nothing():
    figures = cm.evaluate_month(
        tickets=3,
        within=3,
        bands=cm.DEFAULT_BANDS,
        incidents=[Incident(at(3, 8), at(3, 10))],
        month_start=APRIL[0],
        month_end=APRIL[1],
        now=END_OF_APRIL,
        guarantee=0,
        fee=D("1000"),
        rounding=D("0.01"),
    )
    assert figures.uptime < 100
    assert figures.allowed_minutes is None
    assert figures.credit.amount == D("0.00")


def test_a_perfect_quarter_earns_every_bonus():
    bonus = cm.evaluate_quarter(
        responses=12,
        responses_within_half=12,
        breaches=0,
        resolution_ratio=0.6,
        csat=4.8,
    )
    assert bonus == cm.Bonus(D(5), True, True, True)


@pytest.mark.parametrize(
    ("within", "breaches", "ratio", "csat", "expected"),
    [
        (11, 0, 0.7, 4.5, cm.Bonus(D(0), True, True, False)),
        (12, 1, 0.71, 4.51, cm.Bonus(D(5), False, False, True)),
        (12, 0, None, None, cm.Bonus(D(5), True, False, False)),
    ],
)
def test_quarter_bonus_thresholds(within, breaches, ratio, csat, expected):
    bonus = cm.evaluate_quarter(
        responses=12,
        responses_within_half=within,
        breaches=breaches,
        resolution_ratio=ratio,
        csat=csat,
    )
    assert bonus == expected


def test_a_quarter_without_tickets_earns_nothing():
    nothing = cm.Bonus(D(0), False, False, False)
    assert cm.evaluate_quarter(0, 0, 0, None, 5.0) == nothing
