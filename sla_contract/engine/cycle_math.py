"""What a ticket cycle counts as: the one rule every SLA figure reads.

A cycle is a ticket's response and resolution clocks from its opening (or
reopening) to its closing. Credits, bonuses, the SLA Analysis, the
dashboards, the service review, the portal and the tier what-if all count
cycles, and all take these four facts from here:

* its outcome: breached if any of its clocks breached, else what its
  resolution clock became (met, cancelled), else open;
* the instant it counts at: its first breach, else its resolution;
* its contract: the contract of the clock that decided it (the first clock
  to breach, else the resolution clock), so a cycle counts once, for the
  contract whose commitment it kept or broke;
* whether it bears penalties: it does when the month it counts in is a
  month of penalties for that contract (see `penalties_apply`).

Nothing here reads the database or the clock.
"""

from collections import namedtuple
from datetime import date

OUTCOME_OPEN = "open"
OUTCOME_MET = "met"
OUTCOME_BREACHED = "breached"
OUTCOME_CANCELLED = "cancelled"
# The outcomes a cycle is counted with in compliance: met or breached.
COUNTED_OUTCOMES = (OUTCOME_MET, OUTCOME_BREACHED)

METRIC_ORDER = ("response", "resolution")

# What the rule needs of one clock; `key` is the caller's (an id, an index).
ClockFacts = namedtuple(
    "ClockFacts", "key metric state breached_at stopped_at contract_id"
)
# `decided_by` is the key of the clock that decided the outcome, or of the
# resolution clock while the cycle is open; None without clocks.
Verdict = namedtuple("Verdict", "outcome counted_at decided_by contract_id")


def verdict(clocks):
    """The Verdict of a cycle from the ClockFacts of its clocks."""
    clocks = list(clocks)
    breached = [c for c in clocks if c.state == "breached" and c.breached_at]
    if breached:
        first = min(
            breached, key=lambda c: (c.breached_at, METRIC_ORDER.index(c.metric))
        )
        return Verdict(
            OUTCOME_BREACHED, first.breached_at, first.key, first.contract_id
        )
    resolution = [c for c in clocks if c.metric == "resolution"]
    # A cycle always has its resolution clock; the response clock alone is
    # only possible in data made by hand, and then decides.
    deciding = resolution[-1] if resolution else (clocks[-1] if clocks else None)
    if deciding is None:
        return Verdict(OUTCOME_OPEN, None, None, None)
    if deciding.state == "met":
        outcome, at = OUTCOME_MET, deciding.stopped_at
    elif deciding.state == "cancelled":
        outcome, at = OUTCOME_CANCELLED, deciding.stopped_at
    else:
        outcome, at = OUTCOME_OPEN, None
    return Verdict(outcome, at, deciding.key, deciding.contract_id)


def report_day(verdict):
    """The day (UTC) a cycle counts in: the day it counts at, for a cycle
    met or breached; a cancelled or open cycle counts in no month."""
    if verdict.outcome in COUNTED_OUTCOMES and verdict.counted_at:
        return verdict.counted_at.date()
    return None


def month_start(day):
    return date(day.year, day.month, 1)


def penalties_apply(measurement_only, penalty_date, day):
    """Whether the month holding `day` is a month of penalties: the contract
    is not in measurement-only mode and its penalties start on or before
    that month's first day (no "Penalties From": from the start). A month
    that starts before "Penalties From" is a month of grace as a whole: its
    credit would have been, never owed."""
    if measurement_only or not day:
        return False
    return not penalty_date or month_start(day) >= penalty_date
