"""The demo's year of history, as planned (sla_contract/tools/demo_plan.py).

Both modules are loaded by path: the planner is pure, so these tests need
neither a database nor an Odoo registry.
"""

import importlib.util
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import pytz

_ROOT = Path(__file__).resolve().parents[1] / "sla_contract"


def _load(name, relative):
    spec = importlib.util.spec_from_file_location(name, _ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


worktime = _load("sla_demo_worktime_under_test", "engine/worktime.py")
dp = _load("sla_demo_plan_under_test", "tools/demo_plan.py")

NOW = datetime(2026, 12, 3, 13, 12, 0)
BRU = "Europe/Brussels"
# The shipped tiers' support hours and targets (data/sla_tier_data.xml),
# {ticket priority: (response, resolution)} in business minutes.
HOURS = {
    "bronze": [(d, 9.0, 17.0) for d in range(5)],
    "silver": [(d, 7.0, 19.0) for d in range(5)],
    "gold": [(d, 6.0, 24.0) for d in range(7)],
    "platinum": [(d, 0.0, 24.0) for d in range(7)],
}
H = 60
TARGETS = {
    "bronze": {
        "3": (4 * H, 24 * H),
        "2": (8 * H, 48 * H),
        "1": (24 * H, 5 * 8 * H),
        "0": (48 * H, 10 * 8 * H),
    },
    "silver": {
        "3": (2 * H, 8 * H),
        "2": (4 * H, 24 * H),
        "1": (8 * H, 3 * 12 * H),
        "0": (24 * H, 5 * 12 * H),
    },
    "gold": {
        "3": (1 * H, 4 * H),
        "2": (2 * H, 8 * H),
        "1": (4 * H, 18 * H),
        "0": (8 * H, 3 * 18 * H),
    },
    "platinum": {
        "3": (15, 2 * H),
        "2": (1 * H, 4 * H),
        "1": (2 * H, 8 * H),
        "0": (4 * H, 24 * H),
    },
}


def _terms():
    leaves = dp.holiday_leaves(dp.belgian_holidays(NOW.year - 1, NOW.year + 1))
    terms = {}
    for customer, hours in HOURS.items():
        # Business-hours tiers keep the public holidays, as the demo's
        # calendars do; round-the-clock ones do not.
        kept = leaves if customer in ("bronze", "silver") else []
        terms[customer] = dp.Terms(
            worktime.WorkCalendar(BRU, hours, kept), TARGETS[customer]
        )
    office = worktime.WorkCalendar(BRU, [(d, 8.0, 18.0) for d in range(5)], leaves)
    return terms, office


@pytest.fixture(scope="module")
def setup():
    terms, office = _terms()
    return terms, office, dp.plan(NOW, terms, office)


def _local(at):
    return pytz.utc.localize(at).astimezone(pytz.timezone(BRU))


def test_same_seed_same_year(setup):
    terms, office, plan = setup
    again = dp.plan(NOW, terms, office)
    assert again.tickets == plan.tickets
    assert again.outages == plan.outages


def test_about_two_thousand_tickets_over_twelve_months(setup):
    plan = setup[2]
    assert 1800 <= len(plan.tickets) <= 2300
    assert plan.start == datetime(2025, 12, 1).date()
    months = Counter((t.created.year, t.created.month) for t in plan.tickets)
    wanted = [(2025, 12)] + [(2026, m) for m in range(1, 13)]
    for month in wanted[:-1]:
        # every full month, for every tier
        assert months[month] >= 100, month
        for customer in dp.CUSTOMERS:
            assert any(
                t.customer == customer and (t.created.year, t.created.month) == month
                for t in plan.tickets
            ), (customer, month)
    assert all(t.created < NOW for t in plan.tickets)
    assert set(months) <= set(wanted)


def test_tickets_written_in_office_hours_mostly_and_holidays_quieter(setup):
    plan = setup[2]
    holidays = set(plan.holidays)
    office = [
        t
        for t in plan.tickets
        if _local(t.created).weekday() < 5 and 8 <= _local(t.created).hour < 18
    ]
    # Gold and Platinum customers write evenings and weekends too
    assert len(office) / len(plan.tickets) > 0.65
    per_day = Counter(_local(t.created).date() for t in plan.tickets)
    weekday_days = [d for d in per_day if d.weekday() < 5 and d not in holidays]
    holiday_days = [d for d in holidays if plan.start <= d < NOW.date()]
    weekday_mean = sum(per_day[d] for d in weekday_days) / len(weekday_days)
    holiday_mean = sum(per_day[d] for d in holiday_days) / len(holiday_days)
    assert holiday_mean < weekday_mean / 3


def test_agents_answer_within_their_working_hours(setup):
    terms, _office, plan = setup
    for ticket in plan.tickets:
        engine = terms[ticket.customer].engine
        for step in ticket.steps:
            if step.kind in (dp.REPLY, dp.STAGE, dp.NOTE):
                # an agent's step is in the support hours paid for, give or
                # take the minutes a note or a move takes around a reply
                near = [step.at + timedelta(minutes=m) for m in range(-3, 4)]
                assert any(engine.is_working(pytz.utc.localize(at)) for at in near), (
                    ticket.customer,
                    ticket.created,
                    step,
                )


def test_steps_in_order_and_each_ticket_answered_once_opened(setup):
    plan = setup[2]
    for ticket in plan.tickets:
        instants = [ticket.created] + [s.at for s in ticket.steps]
        assert instants == sorted(instants)
        assert len(set(instants)) == len(instants)
        if ticket.queue is None:
            assert any(s.kind == dp.REPLY for s in ticket.steps)


def test_the_year_has_pauses_reopenings_cancellations_ratings_and_breaches(setup):
    terms, _office, plan = setup
    kinds = Counter()
    late = 0
    for ticket in plan.tickets:
        stages = [s.data for s in ticket.steps if s.kind == dp.STAGE]
        kinds["waiting"] += dp.WAITING in stages
        kinds["reopened"] += stages.count(dp.DONE) > 1
        kinds["cancelled"] += dp.CANCELLED in stages
        kinds["rated"] += any(s.kind == dp.RATE for s in ticket.steps)
        reply = next((s.at for s in ticket.steps if s.kind == dp.REPLY), None)
        if reply:
            engine = terms[ticket.customer].engine
            used = engine.minutes_between(ticket.created, reply)
            late += used > terms[ticket.customer].targets[ticket.priority][0]
    assert kinds["waiting"] > 200
    assert kinds["reopened"] > 30
    assert kinds["cancelled"] > 10
    assert kinds["rated"] > 800
    # some responses late, most on time
    assert 20 < late < len(plan.tickets) * 0.2


def test_every_urgency_stands_in_the_queue(setup):
    plan = setup[2]
    queued = Counter(t.queue for t in plan.tickets if t.queue)
    assert set(queued) == {"at_risk", "breached", "on_track", "paused"}
    priorities = {
        t.priority
        for t in plan.tickets
        if t.steps[-1:] and t.steps[-1].data not in (dp.DONE, dp.CANCELLED)
    }
    assert priorities >= {dp.P4, dp.P3, dp.P2}


def test_outages_and_planned_maintenance_each_month(setup):
    plan = setup[2]
    planned = [o for o in plan.outages if o.planned]
    unplanned = [o for o in plan.outages if not o.planned]
    assert len(planned) >= 20
    assert len(unplanned) >= 8
    for outage in plan.outages:
        assert outage.start < outage.end <= NOW
        if outage.planned:
            assert outage.notice_at < outage.start
    # the long outages of the year, with their P1 tickets
    assert any(o.end - o.start > timedelta(hours=2) for o in unplanned)
    p1 = [t for t in plan.tickets if t.priority == dp.P1 and t.channel == "phone"]
    assert p1
