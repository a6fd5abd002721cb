"""The what-if's replay of a ticket's history, without a database: each case
is one thing the live clocks do (helpdesk.ticket._sla_stage_transition,
sla.clock), and the cycles' verdicts come from the one cycle rule."""

import importlib
import importlib.util
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ENGINE = Path(__file__).resolve().parents[1] / "sla_contract" / "engine"
PACKAGE = "sla_engine_under_test"


def _engine(name):
    """A module of the engine package, loaded from its files (replay.py
    reads cycle_math.py as a sibling) without Odoo."""
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PACKAGE, ENGINE / "__init__.py", submodule_search_locations=[str(ENGINE)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{PACKAGE}.{name}")


replay = _engine("replay")
cycle_math = _engine("cycle_math")
worktime = _engine("worktime")

NEW, PROGRESS, WAITING, DONE, CANCELLED = 1, 2, 7, 4, 5
FLAGS = {
    NEW: replay.StageFlags(False, False, False),
    PROGRESS: replay.StageFlags(False, False, False),
    WAITING: replay.StageFlags(False, True, False),
    DONE: replay.StageFlags(True, False, False),
    CANCELLED: replay.StageFlags(True, False, True),
}
ALWAYS = worktime.WorkCalendar(
    "UTC", attendances=[(day, 0.0, 24.0) for day in range(7)]
)
# Monday to Friday, 9:00-17:00 UTC
OFFICE = [(day, 9.0, 17.0) for day in range(5)]
CONTRACT = 42


def at(day, hour, minute=0):
    return datetime(2026, 9, day, hour, minute)


def reply(instant):
    return (instant, replay.REPLY, None)


def move(instant, before, after):
    return (instant, replay.STAGE, (before, after))


def run(
    events,
    response=60,
    resolution=600,
    *,
    created=None,
    first=NEW,
    now=None,
    engine=ALWAYS,
    contract=CONTRACT,
):
    terms = replay.Terms(engine, response, resolution, contract)
    return replay.replay(
        created or at(1, 9),
        first,
        events,
        stage_flags=FLAGS,
        terms=terms,
        now=now or at(30, 0),
    )


def clock(cycle, metric):
    return next(c for c in cycle.clocks if c.metric == metric)


def test_reply_then_closing_on_time_is_met_on_the_closing_day():
    [cycle] = run([reply(at(1, 9, 30)), move(at(1, 14), NEW, DONE)])
    assert clock(cycle, "response").state == "met"
    assert clock(cycle, "response").stopped_at == at(1, 9, 30)
    assert cycle.verdict == cycle_math.Verdict("met", at(1, 14), "resolution", CONTRACT)


def test_the_first_breach_decides_and_counts_on_its_day():
    # answered after 2 hours (1 hour allowed): breached at 10:00
    [cycle] = run([reply(at(1, 11)), move(at(1, 12), NEW, DONE)])
    assert clock(cycle, "response").breached_at == at(1, 10)
    assert clock(cycle, "resolution").state == "met"
    assert cycle.verdict == cycle_math.Verdict(
        "breached", at(1, 10), "response", CONTRACT
    )


def test_an_open_ticket_breaches_at_its_deadline_and_is_counted_then():
    [cycle] = run([], created=at(1, 22), now=at(3, 0))
    assert clock(cycle, "response").breached_at == at(1, 23)
    assert clock(cycle, "resolution").breached_at == at(2, 8)
    assert cycle.verdict.outcome == "breached"
    assert cycle.verdict.counted_at == at(1, 23)


def test_an_open_ticket_on_time_is_open():
    [cycle] = run([reply(at(1, 9, 5))], now=at(1, 10))
    assert cycle.verdict == cycle_math.Verdict("open", None, "resolution", CONTRACT)


def test_waiting_on_the_customer_stands_still_and_moves_the_deadline():
    # 90 minutes used of 100 though 3.5 hours passed
    [cycle] = run(
        [
            reply(at(1, 9, 10)),
            move(at(1, 10), NEW, WAITING),
            move(at(1, 12), WAITING, PROGRESS),
            move(at(1, 12, 30), PROGRESS, DONE),
        ],
        resolution=100,
    )
    assert cycle.verdict.outcome == "met"
    assert cycle.verdict.counted_at == at(1, 12, 30)


def test_a_pause_after_the_deadline_is_a_breach_at_the_deadline():
    [cycle] = run([move(at(1, 10, 30), NEW, WAITING)], now=at(1, 11))
    response = clock(cycle, "response")
    assert (response.state, response.breached_at) == ("breached", at(1, 10))


def test_a_pause_exactly_at_the_deadline_breaches_a_stop_there_does_not():
    [paused] = run([move(at(1, 10), NEW, WAITING)], now=at(1, 11))
    assert clock(paused, "response").state == "breached"
    [answered] = run([reply(at(1, 10))], now=at(1, 11))
    assert clock(answered, "response").state == "met"


def test_a_ticket_created_waiting_counts_from_its_first_move():
    [cycle] = run(
        [move(at(1, 12), WAITING, PROGRESS), move(at(1, 13, 30), PROGRESS, DONE)],
        response=120,
        resolution=120,
        first=WAITING,
    )
    # 90 minutes counted from noon: within both targets
    assert clock(cycle, "response").state == "met"
    assert cycle.verdict.outcome == "met"


def test_a_ticket_still_waiting_never_breaches():
    [cycle] = run([], first=WAITING, now=at(20, 0))
    assert cycle.verdict.outcome == "open"


def test_closed_while_waiting_is_judged_on_the_time_used():
    [cycle] = run(
        [
            reply(at(1, 9, 30)),
            move(at(1, 10), NEW, WAITING),
            move(at(3, 10), WAITING, DONE),  # two days waiting
        ],
        resolution=90,
    )
    assert cycle.verdict == cycle_math.Verdict("met", at(3, 10), "resolution", CONTRACT)


def test_a_breach_stays_at_its_first_deadline_through_a_pause():
    [cycle] = run(
        [
            move(at(1, 12), NEW, WAITING),  # response due 10:00: breached
            move(at(2, 12), WAITING, PROGRESS),
            reply(at(2, 13)),
            move(at(2, 14), PROGRESS, DONE),
        ]
    )
    response = clock(cycle, "response")
    assert (response.state, response.breached_at) == ("breached", at(1, 10))
    assert cycle.verdict.counted_at == at(1, 10)


def test_cancelling_stops_the_clocks_without_a_verdict():
    [cycle] = run([reply(at(1, 9, 30)), move(at(1, 12), NEW, CANCELLED)])
    assert clock(cycle, "response").state == "met"
    assert clock(cycle, "resolution").state == "cancelled"
    assert cycle.verdict == cycle_math.Verdict(
        "cancelled", at(1, 12), "resolution", CONTRACT
    )


def test_cancelling_drops_a_breach_still_running_keeps_a_stopped_one():
    # no reply, cancelled past the response deadline: both cancelled
    [running] = run([move(at(1, 12), NEW, CANCELLED)])
    assert {c.state for c in running.clocks} == {"cancelled"}
    assert all(c.breached_at is None for c in running.clocks)
    assert running.verdict.outcome == "cancelled"
    # answered late, then cancelled: the response breach was final
    [answered] = run([reply(at(1, 11)), move(at(1, 12), NEW, CANCELLED)])
    assert answered.verdict.outcome == "breached"
    assert answered.verdict.counted_at == at(1, 10)


def test_a_reopening_opens_a_resolution_cycle_from_the_reopening():
    first, second = run(
        [
            reply(at(1, 9, 30)),
            move(at(1, 10), NEW, DONE),
            move(at(5, 9), DONE, PROGRESS),
            reply(at(5, 9, 10)),  # no response clock to stop any more
            move(at(5, 18), PROGRESS, DONE),
        ]
    )
    assert (first.number, first.verdict.outcome) == (1, "met")
    assert second.number == 2
    assert second.start_at == at(5, 9)
    assert [c.metric for c in second.clocks] == ["resolution"]
    # 540 minutes from the reopening, 600 allowed
    assert second.verdict == cycle_math.Verdict(
        "met", at(5, 18), "resolution", CONTRACT
    )


def test_a_ticket_reopened_into_waiting_starts_its_cycle_paused():
    _first, second = run(
        [
            move(at(1, 10), NEW, DONE),
            move(at(5, 9), DONE, WAITING),
            move(at(8, 9), WAITING, PROGRESS),
        ],
        now=at(8, 18),
    )
    # nine hours counted, from 8 September 9:00: on time
    assert second.verdict.outcome == "open"
    later = run(
        [
            move(at(1, 10), NEW, DONE),
            move(at(5, 9), DONE, WAITING),
            move(at(8, 9), WAITING, PROGRESS),
        ],
        now=at(9, 0),
    )[1]
    assert later.verdict == cycle_math.Verdict(
        "breached", at(8, 19), "resolution", CONTRACT
    )


def test_moves_between_closed_stages_change_nothing():
    [cycle] = run([move(at(1, 9, 30), NEW, DONE), move(at(1, 10), DONE, CANCELLED)])
    assert cycle.verdict.outcome == "met"


def test_a_ticket_created_closed_has_no_cycle_until_reopened():
    assert run([], first=DONE) == []
    [cycle] = run([move(at(2, 9), DONE, PROGRESS)], first=DONE, now=at(2, 10))
    assert (cycle.number, [c.metric for c in cycle.clocks]) == (1, ["resolution"])


def test_events_after_now_or_before_the_creation_are_left_out():
    [cycle] = run(
        [reply(at(1, 8)), reply(at(1, 9, 30)), move(at(1, 12), NEW, DONE)],
        now=at(1, 9, 45),
    )
    assert clock(cycle, "response").stopped_at == at(1, 9, 30)
    assert cycle.verdict.outcome == "open"


def test_support_hours_and_holidays_come_from_the_engine():
    monday = datetime(2026, 9, 7, 16, 30)
    office = worktime.WorkCalendar("UTC", attendances=OFFICE)
    holiday = worktime.WorkCalendar(
        "UTC",
        attendances=OFFICE,
        leaves=[(datetime(2026, 9, 8), datetime(2026, 9, 9))],
    )
    events = [reply(datetime(2026, 9, 8, 10, 0))]
    [plain] = run(events, created=monday, engine=office, now=datetime(2026, 9, 10))
    [off] = run(events, created=monday, engine=holiday, now=datetime(2026, 9, 10))
    # one hour: Monday 16:30-17:00, then Tuesday 9:00-9:30; 10:00 is late
    assert plain.verdict.counted_at == datetime(2026, 9, 8, 9, 30)
    # Tuesday off: due on Wednesday at 9:30, the reply is on time
    assert clock(off, "response").state == "met"


def test_the_contract_given_is_the_cycle_contract():
    [cycle] = run([move(at(1, 9, 30), NEW, DONE)], contract=None)
    assert cycle.verdict.contract_id is None


def test_monthly_counts_met_and_breached_cycles_by_the_day_they_count():
    cycles = run([reply(at(1, 11)), move(at(1, 12), NEW, DONE)]) + run(
        [move(at(30, 12), NEW, DONE)], created=at(30, 11), now=datetime(2026, 10, 5)
    )
    late_open = run([], created=at(30, 23, 30), now=datetime(2026, 10, 5))
    cancelled = run([move(at(2, 9, 30), NEW, CANCELLED)], created=at(2, 9))
    months = replay.monthly(
        cycles + late_open + cancelled, date(2026, 9, 1), date(2026, 10, 31)
    )
    # September: one breached, one met; October: the open one breached
    assert months == {date(2026, 9, 1): [2, 1], date(2026, 10, 1): [1, 0]}
    assert replay.monthly(cycles, date(2026, 9, 2), date(2026, 9, 29)) == {}


STEPS = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=600),
        st.sampled_from(["reply", NEW, PROGRESS, WAITING, DONE, CANCELLED]),
    ),
    max_size=12,
)


def _history(steps, created):
    stage, instant, events = NEW, created, []
    for gap, what in steps:
        instant += timedelta(minutes=gap)
        if what == "reply":
            events.append(reply(instant))
        elif what != stage:
            events.append(move(instant, stage, what))
            stage = what
    return events


@settings(max_examples=200, deadline=None)
@given(STEPS, st.integers(min_value=0, max_value=6000))
def test_properties_of_any_history(steps, later):
    created = at(1, 9)
    events = _history(steps, created)
    end = events[-1][0] if events else created
    now = end + timedelta(minutes=later)
    cycles = run(events, created=created, now=now)
    # a cycle per opening and reopening
    reopenings = sum(
        1
        for _at, kind, payload in events
        if kind == replay.STAGE
        and FLAGS[payload[0]].closed
        and not FLAGS[payload[1]].closed
    )
    assert len(cycles) == 1 + reopenings
    for cycle in cycles:
        assert cycle.verdict == cycle_math.verdict(cycle.clocks)
        assert [c.metric for c in cycle.clocks] == (
            ["response", "resolution"] if cycle.number == 1 else ["resolution"]
        )
        for fact in cycle.clocks:
            if fact.state == "breached":
                assert cycle.start_at < fact.breached_at <= now
            if fact.stopped_at:
                assert cycle.start_at <= fact.stopped_at <= now
        if cycle.verdict.counted_at:
            assert cycle.start_at <= cycle.verdict.counted_at <= now
    # all cycles but the last are over: closed before the next opened
    for cycle in cycles[:-1]:
        assert all(fact.stopped_at for fact in cycle.clocks)
    # the future cannot change the past: later events leave a counted cycle
    # where it was, only an open one may still end
    again = run(events, created=created, now=now + timedelta(days=30))
    for before, after in zip(cycles, again, strict=True):
        if before.verdict.outcome != "open":
            assert after.verdict == before.verdict


@pytest.mark.parametrize("first", [NEW, WAITING])
def test_a_history_without_events_is_one_open_cycle(first):
    [cycle] = run([], first=first, now=at(1, 9, 30))
    assert cycle.verdict.outcome == "open"
