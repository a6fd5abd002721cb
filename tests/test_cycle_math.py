"""The rule every SLA figure counts by (sla_contract/engine/cycle_math.py):
a table of the cases people ask about, and properties over generated
cycles."""

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

_PATH = (
    Path(__file__).resolve().parents[1] / "sla_contract" / "engine" / "cycle_math.py"
)
_SPEC = importlib.util.spec_from_file_location("cycle_math_under_test", _PATH)
cycle_math = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(cycle_math)
Clock = cycle_math.ClockFacts

T = datetime(2027, 3, 1, 9, 0)
A, B = 1, 2


def clock(key, metric, state, *, breached=None, stopped=None, contract=A):
    return Clock(key, metric, state, breached, stopped, contract)


# (clocks, outcome, counted at, decided by, contract)
CASES = {
    "open, on time": (
        [clock("r", "response", "running"), clock("s", "resolution", "running")],
        "open",
        None,
        "s",
        A,
    ),
    "answered, still open": (
        [
            clock("r", "response", "met", stopped=T),
            clock("s", "resolution", "running"),
        ],
        "open",
        None,
        "s",
        A,
    ),
    "resolved on time": (
        [
            clock("r", "response", "met", stopped=T),
            clock("s", "resolution", "met", stopped=T + timedelta(hours=3)),
        ],
        "met",
        T + timedelta(hours=3),
        "s",
        A,
    ),
    "breached while still open": (
        [
            clock("r", "response", "breached", breached=T),
            clock("s", "resolution", "running"),
        ],
        "breached",
        T,
        "r",
        A,
    ),
    "first breach decides": (
        [
            clock("r", "response", "breached", breached=T + timedelta(days=1)),
            clock("s", "resolution", "breached", breached=T),
        ],
        "breached",
        T,
        "s",
        A,
    ),
    "same instant: the response decides": (
        [
            clock("r", "response", "breached", breached=T),
            clock("s", "resolution", "breached", breached=T, contract=B),
        ],
        "breached",
        T,
        "r",
        A,
    ),
    # Response breached on A, the resolution re-targeted to B and met there:
    # one breached cycle, for A, never a met one for B as well.
    "breached on one contract, met on another": (
        [
            clock("r", "response", "breached", breached=T, contract=A),
            clock("s", "resolution", "met", stopped=T + timedelta(hours=5), contract=B),
        ],
        "breached",
        T,
        "r",
        A,
    ),
    "answered, then cancelled": (
        [
            clock("r", "response", "met", stopped=T),
            clock("s", "resolution", "cancelled", stopped=T + timedelta(hours=1)),
        ],
        "cancelled",
        T + timedelta(hours=1),
        "s",
        A,
    ),
    "breach kept through a cancellation": (
        [
            clock("r", "response", "breached", breached=T, stopped=T),
            clock("s", "resolution", "cancelled", stopped=T),
        ],
        "breached",
        T,
        "r",
        A,
    ),
    "a reopened cycle has its resolution only": (
        [clock("s2", "resolution", "met", stopped=T, contract=B)],
        "met",
        T,
        "s2",
        B,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_verdict(name):
    clocks, outcome, counted_at, decided_by, contract = CASES[name]
    verdict = cycle_math.verdict(clocks)
    assert verdict == (outcome, counted_at, decided_by, contract)


def test_no_clock_is_open_and_undecided():
    assert cycle_math.verdict([]) == ("open", None, None, None)


@pytest.mark.parametrize(
    ("mode", "penalty_date", "day", "expected"),
    [
        (False, date(2027, 3, 1), date(2027, 3, 1), True),
        (False, date(2027, 3, 1), date(2027, 2, 28), False),
        # a month starting before "Penalties From" is a month of grace
        (False, date(2027, 3, 15), date(2027, 3, 20), False),
        (False, date(2027, 3, 15), date(2027, 4, 1), True),
        (True, date(2027, 3, 1), date(2027, 6, 1), False),
        (False, None, date(2027, 6, 1), True),
        (False, date(2027, 3, 1), None, False),
    ],
)
def test_penalties_apply(mode, penalty_date, day, expected):
    assert cycle_math.penalties_apply(mode, penalty_date, day) is expected


_instants = st.datetimes(min_value=T, max_value=T + timedelta(days=60))


@st.composite
def _clock(draw):
    """A clock as the clocks keep them: stopped when met or cancelled, with
    its breach instant when breached (stopped or not)."""
    state = draw(st.sampled_from(["running", "paused", "met", "breached", "cancelled"]))
    breached = draw(_instants) if state == "breached" else None
    if state in ("met", "cancelled"):
        stopped = draw(_instants)
    elif state == "breached":
        stopped = draw(st.none() | _instants)
    else:
        stopped = None
    return Clock(
        draw(st.uuids()),
        draw(st.sampled_from(["response", "resolution"])),
        state,
        breached,
        stopped,
        draw(st.sampled_from([A, B, None])),
    )


@given(st.lists(_clock(), min_size=1, max_size=3))
def test_verdict_properties(clocks):
    verdict = cycle_math.verdict(clocks)
    decider = next(c for c in clocks if c.key == verdict.decided_by)
    # the decider's contract is the cycle's: it counts once, for one contract
    assert verdict.contract_id == decider.contract_id
    breaches = [
        c.breached_at for c in clocks if c.state == "breached" and c.breached_at
    ]
    if breaches:
        assert verdict.outcome == "breached"
        assert verdict.counted_at == min(breaches)
        assert decider.breached_at == verdict.counted_at
    else:
        assert verdict.outcome in ("met", "cancelled", "open")
        assert (verdict.counted_at is None) == (verdict.outcome == "open")
        if verdict.outcome != "open":
            assert verdict.counted_at == decider.stopped_at
