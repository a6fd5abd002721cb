"""Service credits, uptime and bonuses as plain functions.

Money and percentages are ``Decimal``; floats and ints are accepted and
converted through ``str`` so that ``95.0`` means exactly 95. Datetimes may be
naive (Odoo's UTC) or aware; aware ones are compared and subtracted in UTC so
a DST change does not bend a month's length. Nothing here reads the clock:
"now" is always an argument.
"""

import itertools
import math
from collections import namedtuple
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from types import MappingProxyType

HUNDRED = Decimal(100)
ZERO = Decimal(0)

# --------------------------------------------------------------------------
# Compliance bands

# A band holds the compliance rates ``lower <= rate < upper``; the band whose
# upper bound is 100 also holds 100 itself.
Band = namedtuple("Band", "lower upper credit_percent right_to_terminate")

# The seed's "Service Credit Models" table.
DEFAULT_BANDS = (
    Band(Decimal(99), HUNDRED, ZERO, False),
    Band(Decimal(95), Decimal(99), Decimal(5), False),
    Band(Decimal(90), Decimal(95), Decimal(10), False),
    Band(Decimal(85), Decimal(90), Decimal(15), False),
    Band(ZERO, Decimal(85), Decimal(20), True),
)


def to_decimal(value):
    """``value`` as a Decimal; a float goes through its shortest repr."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return Decimal(repr(value))
    return Decimal(value)


def format_percent(value):
    """94.000 as "94", 99.5 as "99.5": how a manager writes a rate."""
    return f"{value.normalize():f}"


def check_band(band):
    """``band`` with Decimal figures, or ``ValueError``: its bounds within
    0-100%, the lower below the upper, and a credit between 0 and 100%."""
    pct = format_percent
    band = Band(
        to_decimal(band.lower),
        to_decimal(band.upper),
        to_decimal(band.credit_percent),
        bool(band.right_to_terminate),
    )
    name = f"Compliance band {pct(band.lower)}-{pct(band.upper)}%"
    if band.lower < ZERO:
        raise ValueError(f"{name}: {pct(band.lower)}% is below 0%.")
    if band.upper > HUNDRED:
        raise ValueError(f"{name}: {pct(band.upper)}% is above 100%.")
    if not band.lower < band.upper:
        raise ValueError(f"{name}: the lower bound must be below the upper bound.")
    if not ZERO <= band.credit_percent <= HUNDRED:
        raise ValueError(
            f"{name}: the credit {pct(band.credit_percent)}% must be between 0 "
            "and 100%."
        )
    return band


def validate_bands(bands):
    """The bands sorted from the lowest rate up, or ``ValueError``.

    Bands must cover 0-100% with no gap and no overlap, each passing
    :func:`check_band`.
    """
    pct = format_percent
    bands = sorted((check_band(b) for b in bands), key=lambda b: (b.lower, b.upper))
    if not bands:
        raise ValueError("Compliance bands: at least one band is needed.")
    if bands[0].lower != ZERO:
        raise ValueError(
            f"Compliance bands: rates from 0 to {pct(bands[0].lower)}% are not covered."
        )
    if bands[-1].upper != HUNDRED:
        raise ValueError(
            f"Compliance bands: rates from {pct(bands[-1].upper)}% to 100% "
            "are not covered."
        )
    for low, high in itertools.pairwise(bands):
        if low.upper < high.lower:
            raise ValueError(
                f"Compliance bands: a gap between {pct(low.upper)}% "
                f"and {pct(high.lower)}%."
            )
        if low.upper > high.lower:
            raise ValueError(
                f"Compliance bands: {pct(low.lower)}-{pct(low.upper)}% and "
                f"{pct(high.lower)}-{pct(high.upper)}% overlap."
            )
    return tuple(bands)


def find_band(rate, bands=DEFAULT_BANDS):
    """The band of a compliance rate in percent, or None for no rate.

    Lower bounds are inclusive and upper bounds exclusive, except 100 which
    falls in the top band: 95.0 is in 95-99%, 99.0 in 99%+, 85.0 in 85-90%.
    ``None`` (a period without tickets) has no band and so no credit.
    """
    if rate is None:
        return None
    rate = to_decimal(rate)
    if not ZERO <= rate <= HUNDRED:
        raise ValueError(f"Compliance rate {rate}% is outside 0-100%.")
    for band in bands:
        if band.lower <= rate < band.upper or rate == band.upper == HUNDRED:
            return band
    raise ValueError(f"No compliance band holds {rate}%.")


def compliance_rate(within_sla, tickets):
    """Tickets within SLA over tickets, in percent (Decimal).

    A period without tickets has no rate: ``None``, which :func:`find_band`
    turns into no band and no credit.
    """
    if tickets < 0 or within_sla < 0 or within_sla > tickets:
        raise ValueError(
            f"{within_sla} tickets within SLA out of {tickets} is not possible."
        )
    if not tickets:
        return None
    return Decimal(within_sla) * HUNDRED / Decimal(tickets)


def compliance_credit_percent(rate, bands=DEFAULT_BANDS):
    """Credit percent of the fee for a compliance rate (0 for no rate)."""
    band = find_band(rate, bands)
    return band.credit_percent if band else ZERO


# --------------------------------------------------------------------------
# Downtime and uptime

# ``end`` None: still open, counted up to "now". ``notice_at`` None: no notice.
Incident = namedtuple("Incident", "start end planned notice_at", defaults=(False, None))

Downtime = namedtuple(
    "Downtime",
    "month_minutes downtime_minutes excluded_minutes maintenance_minutes",
)

DEFAULT_NOTICE = timedelta(hours=48)
DEFAULT_MAINTENANCE_ALLOWANCE = timedelta(hours=4)


def _utc(moment):
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def to_minutes(delta):
    """A timedelta in minutes, exact to the microsecond (Decimal)."""
    return Decimal(delta // timedelta(microseconds=1)) / Decimal(60_000_000)


def month_bounds(year, month, tzinfo=None):
    """Start of the month and start of the next one, in ``tzinfo`` if given."""
    start = datetime(year, month, 1, tzinfo=tzinfo)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tzinfo)
    return start, end


def merge_intervals(intervals):
    """Sorted, disjoint ``(start, end)`` pairs covering the same time.

    Empty intervals vanish and touching ones join, so time covered by
    several incidents is counted once.
    """
    merged = []
    for start, end in sorted((_utc(s), _utc(e)) for s, e in intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def clip_intervals(intervals, start, end):
    """The merged intervals cut to ``[start, end)``."""
    start, end = _utc(start), _utc(end)
    return merge_intervals(
        (max(s, start), min(e, end)) for s, e in merge_intervals(intervals)
    )


def total_duration(intervals):
    """Time covered by the intervals, overlaps counted once."""
    return sum((e - s for s, e in merge_intervals(intervals)), timedelta())


def _subtract(intervals, holes):
    """Merged ``intervals`` minus merged ``holes``."""
    result = []
    holes = merge_intervals(holes)
    for start, end in merge_intervals(intervals):
        cursor = start
        for h_start, h_end in holes:
            if h_end <= cursor or h_start >= end:
                continue
            if h_start > cursor:
                result.append((cursor, h_start))
            cursor = max(cursor, h_end)
        if cursor < end:
            result.append((cursor, end))
    return result


def _head(intervals, duration):
    """The first ``duration`` of merged intervals, in time order."""
    head = []
    for start, end in intervals:
        if duration <= timedelta():
            break
        cut = min(end, start + duration)
        head.append((start, cut))
        duration -= cut - start
    return head


def is_announced(incident, notice=DEFAULT_NOTICE):
    """Planned with notice at least ``notice`` before it started."""
    return bool(
        incident.planned
        and incident.notice_at is not None
        and _utc(incident.start) - _utc(incident.notice_at) >= notice
    )


def monthly_downtime(
    incidents,
    month_start,
    month_end,
    now,
    *,
    notice=DEFAULT_NOTICE,
    allowance=DEFAULT_MAINTENANCE_ALLOWANCE,
):
    """Downtime of a month from its incidents.

    Every incident is cut to ``[month_start, min(month_end, now))``; an open
    one runs until ``now``. Overlapping incidents count once. Maintenance that
    was planned and announced at least ``notice`` ahead is excluded, but only
    for the month's first ``allowance`` of it in time order; the excess, and
    every planned window announced late or not at all, counts as downtime.
    An unplanned outage inside an announced window is part of that window
    (the customer was told the service would be down) and uses the allowance.
    """
    start, end = _utc(month_start), _utc(month_end)
    if end <= start:
        raise ValueError("The month must end after it starts.")
    horizon = min(end, _utc(now))
    intervals, announced = [], []
    for incident in incidents:
        stop = _utc(incident.end) if incident.end is not None else _utc(now)
        if stop < _utc(incident.start):
            raise ValueError(f"Incident ends before it starts: {incident}.")
        interval = (incident.start, stop)
        intervals.append(interval)
        if is_announced(incident, notice):
            announced.append(interval)
    down = clip_intervals(intervals, start, horizon)
    maintenance = clip_intervals(announced, start, horizon)
    excluded = _head(maintenance, allowance)
    downtime = _subtract(down, excluded)
    return Downtime(
        month_minutes=to_minutes(end - start),
        downtime_minutes=to_minutes(total_duration(downtime)),
        excluded_minutes=to_minutes(total_duration(excluded)),
        maintenance_minutes=to_minutes(total_duration(maintenance)),
    )


def uptime_percent(downtime_minutes, month_minutes):
    """(month minutes - downtime minutes) / month minutes x 100 (Decimal)."""
    downtime_minutes, month_minutes = (
        to_decimal(downtime_minutes),
        to_decimal(month_minutes),
    )
    if month_minutes <= 0 or not ZERO <= downtime_minutes <= month_minutes:
        raise ValueError(
            f"{downtime_minutes} minutes down in a {month_minutes}-minute month "
            "is not possible."
        )
    return (month_minutes - downtime_minutes) * HUNDRED / month_minutes


def composite_availability(percents):
    """Availability of a service relying on all of ``percents`` (the product)."""
    result = HUNDRED
    for percent in percents:
        result = result * to_decimal(percent) / HUNDRED
    return result


# --------------------------------------------------------------------------
# Uptime credits

# The seed's "Uptime-Based Credits" table: guarantee % -> credit % of the
# monthly fee per hour of downtime over the allowed downtime.
UPTIME_CREDIT_PER_HOUR = MappingProxyType(
    {
        Decimal("99.0"): Decimal(2),
        Decimal("99.5"): Decimal(3),
        Decimal("99.9"): Decimal(5),
        Decimal("99.95"): Decimal(10),
    }
)


def allowed_downtime_minutes(guarantee, month_minutes):
    """Downtime a guarantee allows in a month of ``month_minutes``.

    The seed's 7.3 h and 43.8 min are for an average month of 730 hours; we
    use the real month, so 99.9% allows 43.2 minutes in a 30-day month.
    """
    guarantee = to_decimal(guarantee)
    if not ZERO <= guarantee <= HUNDRED:
        raise ValueError(f"Uptime guarantee {guarantee}% is outside 0-100%.")
    return to_decimal(month_minutes) * (HUNDRED - guarantee) / HUNDRED


def credit_per_hour(guarantee, table=UPTIME_CREDIT_PER_HOUR):
    """Credit % per hour over for a guarantee.

    A guarantee between two rows takes the row of the highest guarantee not
    above it (99.7% earns 3%/h); one below every row raises ``ValueError``.
    """
    guarantee = to_decimal(guarantee)
    rows = [g for g in table if g <= guarantee]
    if not rows:
        raise ValueError(f"No uptime credit rate for a {guarantee}% guarantee.")
    return table[max(rows)]


def uptime_credit_percent(
    downtime_minutes, allowed_minutes, rate_per_hour, per_started_hour=False
):
    """Credit % of the fee for the downtime over the allowed downtime.

    Pro-rata per minute by default (76.8 minutes over at 5%/h is 6.4%); with
    ``per_started_hour`` every started hour over counts whole (10%). Not
    capped here: the cap applies to the period's total.
    """
    excess = to_decimal(downtime_minutes) - to_decimal(allowed_minutes)
    if excess <= 0:
        return ZERO
    hours = excess / Decimal(60)
    if per_started_hour:
        hours = hours.to_integral_value(rounding=ROUND_CEILING)
    return hours * to_decimal(rate_per_hour)


# --------------------------------------------------------------------------
# Money

Credit = namedtuple(
    "Credit",
    "compliance_percent uptime_percent percent cap_percent capped amount",
)


def round_money(amount, rounding):
    """``amount`` rounded half-up to a multiple of the currency's rounding.

    ``rounding`` is the currency's smallest unit, as ``res.currency.rounding``
    (0.01 for EUR, 1 for JPY, 0.05 for cash rounding).
    """
    rounding = to_decimal(rounding)
    if rounding <= 0:
        raise ValueError(f"Currency rounding {rounding} must be positive.")
    units = (to_decimal(amount) / rounding).quantize(Decimal(1), ROUND_HALF_UP)
    return (units * rounding).quantize(rounding)


# OCA contract's recurrence units, as months (None: depends on the month).
RECURRENCE_MONTHS = MappingProxyType(
    {
        "daily": None,
        "weekly": None,
        "monthly": Decimal(1),
        "monthlylastday": Decimal(1),
        "quarterly": Decimal(3),
        "semesterly": Decimal(6),
        "yearly": Decimal(12),
    }
)


def monthly_fee(amount, rule_type, interval, month_days):
    """What a recurring line of ``amount`` every ``interval`` ``rule_type``
    costs for one month of ``month_days`` days.

    A yearly line of 1,200 is 100 a month; a weekly line is charged for the
    month's real number of days (``month_days / 7`` weeks).
    """
    if interval <= 0:
        raise ValueError(f"A recurrence interval of {interval} is not possible.")
    amount = to_decimal(amount)
    if rule_type == "daily":
        return amount * Decimal(month_days) / Decimal(interval)
    if rule_type == "weekly":
        return amount * Decimal(month_days) / Decimal(7 * interval)
    months = RECURRENCE_MONTHS.get(rule_type)
    if months is None:
        raise ValueError(f"Unknown recurrence {rule_type!r}.")
    return amount / (months * Decimal(interval))


def credit_amount(fee, percent, rounding):
    """``percent`` of ``fee``, rounded half-up to the currency."""
    return round_money(to_decimal(fee) * to_decimal(percent) / HUNDRED, rounding)


def total_credit(fee, compliance_credit, uptime_credit, rounding, cap_percent=HUNDRED):
    """Compliance plus uptime credit for a period, capped.

    The cap is a percent of the period's fee (default 100%: a credit never
    exceeds the fee). The amount is rounded once, from the capped percent.
    """
    fee = to_decimal(fee)
    cap_percent = to_decimal(cap_percent)
    compliance_credit = to_decimal(compliance_credit)
    uptime_credit = to_decimal(uptime_credit)
    if fee < 0:
        raise ValueError(f"The fee {fee} cannot be negative.")
    if cap_percent < 0 or compliance_credit < 0 or uptime_credit < 0:
        raise ValueError("Credit and cap percents cannot be negative.")
    uncapped = compliance_credit + uptime_credit
    percent = min(uncapped, cap_percent)
    return Credit(
        compliance_percent=compliance_credit,
        uptime_percent=uptime_credit,
        percent=percent,
        cap_percent=cap_percent,
        capped=uncapped > cap_percent,
        amount=credit_amount(fee, percent, rounding),
    )


# --------------------------------------------------------------------------
# Quarterly bonuses (the seed's "Bonus Structures" table)

Bonus = namedtuple(
    "Bonus",
    "rate_increase_percent rate_hold recognition reduced_reporting",
)

BONUS_RATE_INCREASE = Decimal(5)
RESPONSE_SHARE = Decimal("0.5")
RESOLUTION_SHARE = Decimal("0.7")
CSAT_THRESHOLD = Decimal("4.5")


def _mean(values):
    values = [to_decimal(v) for v in values]
    return sum(values, ZERO) / len(values) if values else None


def evaluate_bonuses(response_ratios, breaches, resolution_ratios, csat_scores):
    """The bonuses a quarter earns.

    ``response_ratios``: per ticket, response time over its response target;
    every ticket within half its target (ratio <= 0.5) earns the 5% rate
    increase. ``breaches``: breached clocks in the quarter; none earns the
    rate hold. ``resolution_ratios``: per resolved ticket, resolution time
    over its target; a mean of 0.7 or less (30%+ faster) earns recognition.
    ``csat_scores``: ratings out of 5; a mean strictly above 4.5 earns reduced
    reporting. A quarter without tickets earns nothing, and a criterion with
    no data (no resolutions, no ratings) is not met.
    """
    response_ratios = [to_decimal(r) for r in response_ratios]
    if not response_ratios:
        return Bonus(ZERO, False, False, False)
    resolution = _mean(resolution_ratios)
    csat = _mean(csat_scores)
    return Bonus(
        rate_increase_percent=(
            BONUS_RATE_INCREASE
            if all(r <= RESPONSE_SHARE for r in response_ratios)
            else ZERO
        ),
        rate_hold=breaches == 0,
        recognition=resolution is not None and resolution <= RESOLUTION_SHARE,
        reduced_reporting=csat is not None and csat > CSAT_THRESHOLD,
    )


# --------------------------------------------------------------------------
# One contract's month, end to end

MonthFigures = namedtuple(
    "MonthFigures",
    "tickets within rate band compliance_credit downtime allowed_minutes "
    "excess_minutes uptime rate_per_hour uptime_credit credit",
)


def evaluate_month(
    *,
    tickets,
    within,
    bands,
    incidents,
    month_start,
    month_end,
    now,
    guarantee,
    fee,
    rounding,
    cap_percent=HUNDRED,
    notice=DEFAULT_NOTICE,
    allowance=DEFAULT_MAINTENANCE_ALLOWANCE,
    per_started_hour=False,
):
    """Compliance, uptime and the capped credit of one contract's month.

    ``guarantee`` falsy means no uptime commitment: uptime is measured, no
    uptime credit is owed. A guarantee below the uptime table's lowest row
    earns no uptime credit either.
    """
    rate = compliance_rate(within, tickets)
    band = find_band(rate, bands)
    compliance_credit = band.credit_percent if band else ZERO
    downtime = monthly_downtime(
        incidents, month_start, month_end, now, notice=notice, allowance=allowance
    )
    uptime = uptime_percent(downtime.downtime_minutes, downtime.month_minutes)
    allowed = excess = rate_per_hour = None
    uptime_credit = ZERO
    if guarantee:
        allowed = allowed_downtime_minutes(guarantee, downtime.month_minutes)
        excess = max(ZERO, downtime.downtime_minutes - allowed)
        try:
            rate_per_hour = credit_per_hour(guarantee)
        except ValueError:
            rate_per_hour = None
        if rate_per_hour is not None:
            uptime_credit = uptime_credit_percent(
                downtime.downtime_minutes, allowed, rate_per_hour, per_started_hour
            )
    credit = total_credit(fee, compliance_credit, uptime_credit, rounding, cap_percent)
    return MonthFigures(
        tickets=tickets,
        within=within,
        rate=rate,
        band=band,
        compliance_credit=compliance_credit,
        downtime=downtime,
        allowed_minutes=allowed,
        excess_minutes=excess,
        uptime=uptime,
        rate_per_hour=rate_per_hour,
        uptime_credit=uptime_credit,
        credit=credit,
    )


def evaluate_quarter(
    responses, responses_within_half, breaches, resolution_ratio, csat
):
    """:func:`evaluate_bonuses` from a quarter's aggregates, as SQL gives them.

    ``responses``: response clocks that stopped in the quarter, of which
    ``responses_within_half`` stopped met within half their target;
    ``resolution_ratio``: mean resolution time over target (None without
    resolutions); ``csat``: mean rating out of 5 (None without ratings).
    """
    if responses_within_half > responses or min(responses, responses_within_half) < 0:
        raise ValueError(
            f"{responses_within_half} fast responses out of {responses} "
            "is not possible."
        )
    if not responses:
        return Bonus(ZERO, False, False, False)
    return Bonus(
        rate_increase_percent=(
            BONUS_RATE_INCREASE if responses_within_half == responses else ZERO
        ),
        rate_hold=breaches == 0,
        recognition=resolution_ratio is not None
        and to_decimal(resolution_ratio) <= RESOLUTION_SHARE,
        reduced_reporting=csat is not None and to_decimal(csat) > CSAT_THRESHOLD,
    )
