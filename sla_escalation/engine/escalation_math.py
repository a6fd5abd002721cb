"""Escalation decisions that need no database: which thresholds are due,
which one comes next, which ones a rule skips because they were reached
before it took effect, who is least loaded, and what counts as progress."""

from collections import namedtuple

# One rule as a clock sees it: the instant the clock reaches the rule's
# threshold, the rule's place in the matrix for equal instants, and when the
# rule took effect (None: it applies to every threshold, past ones included).
Threshold = namedtuple(
    "Threshold", "rule_id at percent sequence effective_from", defaults=(None,)
)

# A firing more than this late was missed by the scheduler (server down,
# queue full) and is reported as late.
LATE_AFTER_SECONDS = 120

REPLY = "reply"
STAGE = "stage"


def _order(threshold):
    return (threshold.at, threshold.percent, threshold.sequence, threshold.rule_id)


def in_effect(at, effective_from):
    """Whether a threshold reached at `at` belongs to a rule that took
    effect at `effective_from`: a rule created or changed applies to the
    thresholds reached from then on, never to the ones already behind an
    open ticket. None means the rule applies to every threshold."""
    return bool(at) and (not effective_from or at >= effective_from)


def pending(thresholds, fired_rule_ids):
    """The thresholds not fired yet and in effect, in firing order. One
    reached before its rule took effect is never pending: it does not fire,
    now or later, and nobody waits for it."""
    return sorted(
        (
            t
            for t in thresholds
            if t.rule_id not in fired_rule_ids and in_effect(t.at, t.effective_from)
        ),
        key=_order,
    )


def due(thresholds, fired_rule_ids, now):
    """The pending thresholds reached at `now`, oldest first: a late run
    fires every missed step once, in the order they fell due."""
    return [t for t in pending(thresholds, fired_rule_ids) if t.at <= now]


def next_instant(thresholds, fired_rule_ids):
    """The instant of the next pending threshold, or None."""
    todo = pending(thresholds, fired_rule_ids)
    return todo[0].at if todo else None


def lateness_seconds(due_at, now):
    """How late a firing at `now` is for a threshold reached at `due_at`;
    0 when within the scheduler's normal delay."""
    late = (now - due_at).total_seconds()
    return late if late > LATE_AFTER_SECONDS else 0.0


def least_loaded(loads, exclude=()):
    """The user id with the fewest open tickets among `loads`, a list of
    (user id, open ticket count) in the pool's order; ties go to the first
    in that order. None when nobody but `exclude` is in the pool."""
    candidates = [
        (count, position, user_id)
        for position, (user_id, count) in enumerate(loads)
        if user_id not in exclude
    ]
    return min(candidates)[2] if candidates else None


def made_progress(history, since):
    """Progress is a public reply to the customer or a stage change after
    `since` (the previous escalation of the clock, or its start). `history`
    is [(instant, kind)] with kind REPLY or STAGE; internal notes and
    automatic messages are not in it."""
    return any(at > since and kind in (REPLY, STAGE) for at, kind in history)


def has_reply(history, since):
    """A public reply after `since`: the customer has had a response."""
    return any(at > since and kind == REPLY for at, kind in history)


def last_activity(history, start):
    """The latest reply or stage change, or `start` when there is none."""
    instants = [at for at, kind in history if kind in (REPLY, STAGE) and at > start]
    return max(instants, default=start)


def is_stalled(idle_minutes, target_minutes, stalled_percent):
    """Stalled: no reply and no stage change for `stalled_percent` of the
    target, counted in business minutes."""
    return idle_minutes >= target_minutes * stalled_percent / 100.0
