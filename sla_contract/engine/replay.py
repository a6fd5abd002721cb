"""A ticket's real history replayed against any tier, without clocks.

A ticket's history is its creation, its public replies and its stage moves.
From it come the instants a tier's clocks would have seen: the response
stops at the first public reply or at the closing, the resolution at the
closing, and both stand still while the ticket waits in a pausing stage.
Each tier then only brings its targets and its support hours (an engine of
``worktime.WorkCalendar``). Nothing here reads the clock: "now" is given.
"""

from collections import namedtuple

# ``pauses``: wall-clock (start, end or None) while in a pausing stage;
# ``closed``: the first closing, None while open.
Timeline = namedtuple("Timeline", "created first_reply pauses closed")

# ``met`` True / False, or None while still running on time; ``day`` is the
# day the outcome counts in (first breach, else the resolution).
Outcome = namedtuple("Outcome", "response resolution breached day")


def timeline(created, events, first_stage, stage_flags):
    """The Timeline of a ticket created at ``created`` in ``first_stage``.

    ``events``: ``(instant, "reply" | "stage", new stage id or None)``,
    oldest first; ``stage_flags``: {stage id: (closed, pauses the SLA)}.
    Only the first cycle counts: what happens after the first closing is a
    reopened ticket's new cycle, which this replay leaves out.
    """
    first_reply = closed = None
    pauses = []
    paused_since = created if stage_flags.get(first_stage, (False, False))[1] else None
    for at, kind, stage in events:
        if at < created:
            continue
        if kind == "reply":
            if first_reply is None:
                first_reply = at
            continue
        is_closed, pauses_sla = stage_flags.get(stage, (False, False))
        if paused_since is not None and not pauses_sla:
            pauses.append((paused_since, at))
            paused_since = None
        elif paused_since is None and pauses_sla and not is_closed:
            paused_since = at
        if is_closed:
            closed = at
            break
    if paused_since is not None:
        pauses.append((paused_since, closed))
    return Timeline(created, first_reply, tuple(pauses), closed)


def _used(engine, start, end, pauses):
    """Business minutes in ``[start, end)`` outside the pauses."""
    used = engine.minutes_between(start, end)
    for pause_start, pause_end in pauses:
        stop = min(pause_end or end, end)
        if stop > pause_start:
            used -= engine.minutes_between(max(pause_start, start), stop)
    return used


def _deadline(engine, start, target, pauses):
    """The instant ``target`` business minutes are used, pauses skipped."""
    deadline = engine.add_minutes(start, target)
    for pause_start, pause_end in sorted(pauses):
        if pause_start.replace(tzinfo=None) >= deadline.replace(tzinfo=None):
            break
        if pause_end is None:
            return None  # still paused: never due
        paused = engine.minutes_between(max(pause_start, start), pause_end)
        deadline = engine.add_minutes(deadline.replace(tzinfo=None), paused)
    return deadline.replace(tzinfo=None)


def replay(line, engine, response_target, resolution_target, now):
    """The Outcome of a Timeline on a tier: its targets in business minutes,
    its calendar as ``engine``, as of ``now``."""
    response_end = min(
        (at for at in (line.first_reply, line.closed) if at is not None),
        default=None,
    )
    results, breach_days = [], []
    for end, target in (
        (response_end, response_target),
        (line.closed, resolution_target),
    ):
        stop = end if end is not None else now
        used = _used(engine, line.created, stop, line.pauses)
        if used > target:
            due = _deadline(engine, line.created, target, line.pauses)
            results.append(False)
            breach_days.append((due or stop).date())
        else:
            results.append(True if end is not None else None)
    response, resolution = results
    breached = bool(breach_days)
    if breached:
        day = min(breach_days)
    elif resolution:
        day = line.closed.date()
    else:
        day = None
    return Outcome(response, resolution, breached, day)
