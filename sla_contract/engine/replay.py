"""A ticket's real history replayed against any tier, as its clocks would run.

A ticket's history is its creation, its public replies and its stage moves.
The replay runs the clocks a tier would have given it, step by step as
`helpdesk.ticket` and `sla.clock` run the live ones:

* the ticket opens a cycle with a response and a resolution clock, unless it
  is created closed; created in a pausing stage, both start paused;
* a public reply stops the open response clock;
* a move to a closed stage stops the open clocks (met, or breached past their
  deadline), or cancels them, without a verdict, when the stage cancels the
  SLA;
* a move from a closed stage to an open one opens a new cycle with a
  resolution clock only, measured from the reopening (paused at once when
  the stage pauses);
* a move into a pausing stage pauses the open clocks, a move out of it
  resumes them; a clock paused or stopped past its deadline is breached, and
  a paused clock's deadline moves by the business time it stood still;
* "now", the breach job: a counting clock past its deadline is breached.

Each cycle's outcome, the instant it counts at and its contract are then
`cycle_math.verdict` of its clocks, the rule the live `sla.cycle` rows are
decided by. A tier brings its targets, its support hours (an engine of
``worktime.WorkCalendar``, holidays included) and the contract its cycles
count for. Nothing here reads the database or the clock.
"""

from collections import namedtuple
from datetime import date

from .cycle_math import OUTCOME_MET, ClockFacts, report_day, verdict

REPLY = "reply"
STAGE = "stage"

# What the replay needs of a stage: `closed`, `pause` (waiting on the
# customer), `cancel` (closing it cancels the SLA).
StageFlags = namedtuple("StageFlags", "closed pause cancel")
NO_STAGE = StageFlags(False, False, False)

# What a tier measures a ticket on: its calendar's engine, the response and
# resolution targets of the ticket's priority in business minutes, and the
# contract its cycles count for (None for a tier not sold).
Terms = namedtuple("Terms", "engine response resolution contract_id")

# One replayed cycle: its number (1 from the opening, then one per
# reopening), the instant it opened, the ClockFacts of its clocks (keyed by
# metric) and their Verdict.
Cycle = namedtuple("Cycle", "number start_at clocks verdict")

_RUNNING = "running"
_PAUSED = "paused"
_MET = "met"
_BREACHED = "breached"
_CANCELLED = "cancelled"
_OPEN = (_RUNNING, _PAUSED)


def _naive(dt):
    """The engine answers in aware UTC; histories are naive UTC."""
    return dt.replace(tzinfo=None) if dt is not None and dt.tzinfo else dt


class _Clock:
    """One replayed clock: the state `sla.clock` keeps, and its transitions
    (`_pause`, `_resume`, `_stop`, `_cancel`, `_check_breach`)."""

    __slots__ = (
        "breached_at",
        "deadline",
        "engine",
        "metric",
        "paused",
        "paused_since",
        "start",
        "state",
        "stopped_at",
        "target",
    )

    def __init__(self, metric, start, target, engine):
        self.metric = metric
        self.start = start
        self.target = target
        self.engine = engine
        self.paused = 0.0  # business minutes of finished pauses
        self.paused_since = None
        self.state = _RUNNING
        self.breached_at = None
        self.stopped_at = None
        self._schedule()

    def _schedule(self):
        # A finished pause pushes the deadline by its business minutes.
        self.deadline = _naive(
            self.engine.add_minutes(self.start, self.target + self.paused)
        )

    def _close_pause(self, at):
        self.paused += self.engine.minutes_between(self.paused_since, at)
        self.paused_since = None

    def check_breach(self, at):
        """Breached when the deadline passed while it counted."""
        if (
            self.stopped_at is None
            and self.state in _OPEN
            and self.deadline <= (self.paused_since or at)
        ):
            self.state = _BREACHED
            self.breached_at = self.deadline

    def pause(self, at):
        if self.stopped_at is not None or self.paused_since is not None:
            return
        # A deadline passed before the pause is a breach.
        self.check_breach(at)
        self.paused_since = at
        if self.state == _RUNNING:
            self.state = _PAUSED

    def resume(self, at):
        if self.stopped_at is not None or self.paused_since is None:
            return
        self._close_pause(at)
        if self.state == _PAUSED:
            self.state = _RUNNING
        self._schedule()
        self.check_breach(at)

    def stop(self, at):
        if self.stopped_at is not None:
            return
        if self.paused_since is not None:
            # Closed while waiting: judged on the business time really used.
            self._close_pause(at)
            self._schedule()
        if self.state == _BREACHED or self.deadline < at:
            if self.state != _BREACHED:
                self.state = _BREACHED
                self.breached_at = self.deadline
        else:
            self.state = _MET
        self.stopped_at = at

    def cancel(self, at):
        if self.stopped_at is not None:
            return
        if self.paused_since is not None:
            self._close_pause(at)
        self.state = _CANCELLED
        self.breached_at = None
        self.stopped_at = at

    def settle(self, now):
        """The breach job at `now`: only a counting clock can breach."""
        if self.stopped_at is None and self.state == _RUNNING:
            self.check_breach(now)

    def facts(self, contract_id):
        return ClockFacts(
            self.metric,
            self.metric,
            self.state,
            self.breached_at,
            self.stopped_at,
            contract_id,
        )


def replay(created, first_stage, events, *, stage_flags, terms, now):
    """The Cycles of a ticket created at `created` in `first_stage`, measured
    on `terms` (a Terms), as of `now`.

    `events`: ``(instant, REPLY, None)`` or ``(instant, STAGE, (stage before,
    stage after))``, oldest first; `stage_flags`: {stage: StageFlags}, an
    unknown stage being open. Events before the creation or after `now` are
    left out: the live clocks never saw them.
    """
    flags = stage_flags.get
    cycles = []  # [(number, start, [_Clock])]

    def open_clocks():
        return [
            clock
            for _number, _start, clocks in cycles
            for clock in clocks
            if clock.stopped_at is None
        ]

    def start(at, metrics, paused):
        clocks = [
            _Clock(metric, at, getattr(terms, metric), terms.engine)
            for metric in metrics
        ]
        if paused:
            for clock in clocks:
                clock.pause(at)
        cycles.append((len(cycles) + 1, at, clocks))

    opening = flags(first_stage, NO_STAGE)
    if not opening.closed:
        start(created, ("response", "resolution"), opening.pause)
    for at, kind, payload in events:
        if at < created or at > now:
            continue
        if kind == REPLY:
            for clock in open_clocks():
                if clock.metric == "response":
                    clock.stop(at)
            continue
        before, after = (flags(stage, NO_STAGE) for stage in payload)
        if after.closed and not before.closed:
            for clock in open_clocks():
                if after.cancel:
                    clock.cancel(at)
                else:
                    clock.stop(at)
        elif before.closed and not after.closed:
            start(at, ("resolution",), after.pause)
        elif after.pause and not before.pause:
            for clock in open_clocks():
                clock.pause(at)
        elif before.pause and not after.pause:
            for clock in open_clocks():
                clock.resume(at)
    result = []
    for number, start_at, clocks in cycles:
        for clock in clocks:
            clock.settle(now)
        facts = tuple(clock.facts(terms.contract_id) for clock in clocks)
        result.append(Cycle(number, start_at, facts, verdict(facts)))
    return result


def month_start(day):
    return date(day.year, day.month, 1)


def monthly(cycles, first_day, last_day):
    """{first day of a month: [cycles counted, cycles within SLA]} of the
    `cycles` that count (met or breached) on a day from `first_day` to
    `last_day`: what a month's compliance is made of."""
    months = {}
    for cycle in cycles:
        day = report_day(cycle.verdict)
        if day is None or not first_day <= day <= last_day:
            continue
        month = months.setdefault(month_start(day), [0, 0])
        month[0] += 1
        if cycle.verdict.outcome == OUTCOME_MET:
            month[1] += 1
    return months
