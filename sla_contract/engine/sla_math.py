"""SLA arithmetic that needs no database: target units, usage and colours."""

from decimal import ROUND_DOWN, Decimal

UNIT_MINUTES = "minutes"
UNIT_HOURS = "hours"
UNIT_DAYS = "days"
UNIT_WEEKS = "weeks"

STATE_RUNNING = "running"
STATE_PAUSED = "paused"
STATE_MET = "met"
STATE_BREACHED = "breached"
STATE_CANCELLED = "cancelled"
# Worst first: the ticket shows the first state any of its clocks is in.
STATES_BY_SEVERITY = (
    STATE_BREACHED,
    STATE_RUNNING,
    STATE_PAUSED,
    STATE_MET,
    STATE_CANCELLED,
)
OPEN_STATES = (STATE_RUNNING, STATE_PAUSED)

COLOR_GREEN = "green"
COLOR_YELLOW = "yellow"
COLOR_RED = "red"


def target_to_minutes(value, unit, hours_per_day, hours_per_week=0.0):
    """Business minutes of a target.

    A day is one full support day of the tier's calendar (its average hours
    per day), so "5 days" on an 8-hour calendar is 40 business hours and the
    deadline falls at the same time of day five working days later. A week is
    one full support week (the calendar's working hours in a week), so
    "1 week" on a Monday-to-Friday 8-hour calendar is 40 business hours and on
    a round-the-clock calendar 168.

    Raises ``ValueError`` for a target that is not positive or under one
    minute, a day or week target on a calendar without working hours, and an
    unknown unit.
    """
    if value <= 0:
        raise ValueError("a target must be positive")
    if unit == UNIT_MINUTES:
        minutes = value
    elif unit == UNIT_HOURS:
        minutes = value * 60
    elif unit == UNIT_DAYS:
        if hours_per_day <= 0:
            raise ValueError("the calendar has no working hours per day")
        minutes = value * hours_per_day * 60
    elif unit == UNIT_WEEKS:
        if hours_per_week <= 0:
            raise ValueError("the calendar has no working hours per week")
        minutes = value * hours_per_week * 60
    else:
        raise ValueError(f"unknown unit {unit!r}")
    # Clocks count whole minutes; rounding a shorter target would either
    # lose it or stretch it to a full minute.
    if minutes < 1:
        raise ValueError("a target must be at least one minute")
    return round(minutes)


def percent_used(consumed_minutes, target_minutes):
    if target_minutes <= 0:
        return 0.0
    return 100.0 * consumed_minutes / target_minutes


def color(breached, percent, at_risk_percent):
    if breached or percent >= 100.0:
        return COLOR_RED
    if percent >= at_risk_percent:
        return COLOR_YELLOW
    return COLOR_GREEN


URGENCY_AT_RISK = "1_at_risk"
URGENCY_BREACHED = "2_breached"
URGENCY_ON_TRACK = "3_on_track"
URGENCY_PAUSED = "4_paused"


def urgency(open_clocks):
    """Where an open ticket stands in the agent's queue, most urgent first.

    `open_clocks` is an iterable of (state, paused, at_risk) of the ticket's
    open clocks. At risk comes before breached: it can still be saved.
    Returns False for a ticket without open clocks.
    """
    facts = list(open_clocks)
    if not facts:
        return False
    if any(
        at_risk and not paused and state != STATE_BREACHED
        for state, paused, at_risk in facts
    ):
        return URGENCY_AT_RISK
    if any(state == STATE_BREACHED for state, _paused, _at_risk in facts):
        return URGENCY_BREACHED
    if all(paused for _state, paused, _at_risk in facts):
        return URGENCY_PAUSED
    return URGENCY_ON_TRACK


def worst_state(states):
    present = set(states)
    for state in STATES_BY_SEVERITY:
        if state in present:
            return state
    return False


def format_minutes(minutes):
    """Business duration for people: '2 h 05 min', '45 min', '-1 h 10 min'."""
    sign = "-" if minutes < 0 else ""
    total = round(abs(minutes))
    hours, mins = divmod(total, 60)
    if hours:
        return f"{sign}{hours} h {mins:02d} min"
    return f"{sign}{mins} min"


def instant_at(calendar, start, *, target, paused, percent):
    """Instant at which a clock started at `start` has used `percent` of
    `target` business minutes, given `paused` business minutes of finished
    pauses.

    Finished pauses push every threshold by their business minutes, which is
    the same as planning from the start and skipping the paused time. Any
    percentage works, above 100 included (an escalation at 150%).
    """
    if percent < 0:
        raise ValueError("a percentage of the target cannot be negative")
    return calendar.add_minutes(start, target * percent / 100.0 + paused)


def schedule(calendar, start, *, target, paused, slo_percent, at_risk_percent):
    """Deadline, SLO deadline and at-risk instant of a clock."""

    def at(percent):
        return instant_at(
            calendar, start, target=target, paused=paused, percent=percent
        )

    return {
        "deadline": at(100.0),
        "slo_deadline": at(slo_percent),
        "at_risk_at": at(at_risk_percent),
    }


def stop_outcome(deadline, stopped_at, already_breached):
    """State of a clock stopped at `stopped_at` against its final deadline.

    The deadline must already include every pause, the one being closed by
    the stop as well: a clock closed from a waiting stage is compared with
    the deadline its pause pushed, not the one before it.
    """
    if already_breached or (deadline and deadline < stopped_at):
        return STATE_BREACHED
    return STATE_MET


def format_rate(value, places=2):
    """A rate (percent) as printed: cut, never rounded, to `places`
    decimals, so that a printed figure never crosses a boundary the figure
    itself does not (296 of 299 is 98.99%, in the 95-99% band, never 99.00%).

    Float noise is settled first (94.9999999999 is 95), then the rest is cut.
    """
    if value is None:
        return ""
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-9))
    cut = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
    return f"{cut:.{places}f}"


def target_places(target):
    """Decimals a target is written with: 99.95 has 2, 99.9 has 1, 95 none.

    Float noise is settled at six decimals (99.95000000001 is 99.95)."""
    if not target:
        return 0
    exact = Decimal(repr(float(target))).quantize(Decimal(1).scaleb(-6)).normalize()
    return max(-exact.as_tuple().exponent, 0)


def rate_places(target):
    """Decimals a figure measured against ``target`` is printed with (cut, by
    ``format_rate``): one more than the target has, so that a figure missing
    its target never prints as the target (99.9074% against at least 99.95%
    prints 99.907%, never 99.9% nor 99.91%). Without a target, two."""
    if not target:
        return 2
    return target_places(target) + 1


def format_number(value):
    """A target's number as people write it: 3, 1.5, 0.25 (never 3.0)."""
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-6)).normalize()
    return f"{exact:f}"


def late_minutes(minutes):
    """Whole minutes a missed target was missed by, cut (never rounded up):
    0 means less than a minute."""
    return max(
        int(Decimal(repr(float(minutes or 0.0))).to_integral_value(ROUND_DOWN)), 0
    )
