"""The what-if's replay of a ticket's history, without a database."""

import importlib.util
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "sla_contract" / "engine"


def _load(name):
    spec = importlib.util.spec_from_file_location(
        f"{name}_under_test", ROOT / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


replay = _load("replay")
worktime = _load("worktime")

NEW, PROGRESS, WAITING, DONE = 1, 2, 7, 4
FLAGS = {
    NEW: (False, False),
    PROGRESS: (False, False),
    WAITING: (False, True),
    DONE: (True, False),
}
ALWAYS = worktime.WorkCalendar(
    "UTC", attendances=[(day, 0.0, 24.0) for day in range(7)]
)


def at(day, hour, minute=0):
    return datetime(2026, 9, day, hour, minute)


def test_timeline_reads_reply_pauses_and_first_closing():
    line = replay.timeline(
        at(1, 9),
        [
            (at(1, 9, 30), "reply", None),
            (at(1, 10), "stage", WAITING),
            (at(1, 12), "stage", PROGRESS),
            (at(1, 13), "reply", None),
            (at(1, 14), "stage", DONE),
            (at(2, 9), "stage", PROGRESS),  # reopened: another cycle
        ],
        NEW,
        FLAGS,
    )
    assert line.first_reply == at(1, 9, 30)
    assert line.pauses == ((at(1, 10), at(1, 12)),)
    assert line.closed == at(1, 14)


def test_pauses_do_not_count_and_delay_the_deadline():
    line = replay.Timeline(at(1, 9), None, ((at(1, 10), at(1, 12)),), at(1, 12, 30))
    # 90 minutes used out of 100: met, though 3.5 wall-clock hours passed.
    outcome = replay.replay(line, ALWAYS, 100, 100, at(3, 0))
    assert outcome == replay.Outcome(True, True, False, at(1, 0).date())


def test_breach_counts_on_the_day_it_happened_even_if_still_open():
    line = replay.Timeline(at(1, 22), None, (), None)
    outcome = replay.replay(line, ALWAYS, 60, 600, at(3, 0))
    assert outcome.breached
    assert outcome.day == at(1, 0).date()  # response due at 23:00
    assert outcome.resolution is False  # 600 minutes gone by the 3rd


def test_an_open_ticket_on_time_does_not_count_yet():
    line = replay.Timeline(at(1, 9), at(1, 9, 5), (), None)
    outcome = replay.replay(line, ALWAYS, 60, 6000, at(1, 10))
    assert outcome == replay.Outcome(True, None, False, None)
