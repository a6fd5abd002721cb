"""Benchmark the SLA working-time engine against resource.calendar.

Times, in one run and on identical inputs, ``resource.calendar.plan_hours``
(``compute_leaves=True``) against ``WorkCalendar.add_minutes``, and
``get_work_hours_count`` against ``WorkCalendar.minutes_between``, on a
standard 40-hour Brussels calendar (lunch break, public holidays). Every
answer is checked (1 s tolerance) before any figure is printed.

Usage::

    .venv/bin/python bench/worktime.py [--db wt_bench] [--calls 3000]
                                       [--seed 42] [--min-speedup 20] [--drop]

The database (default ``$SLA_BENCH_DB`` or ``sla_bench_worktime``) is created
with the ``resource`` module if missing, through the project's Odoo
command line. PostgreSQL is reached on ``$PGHOST`` (default 127.0.0.1) and
``$PGPORT`` (default: the port of ``scripts/pg.sh``), as ``$PGUSER`` /
``$PGPASSWORD`` (default odoo/odoo). The calendar and its holidays are
created in a transaction that is rolled back. Exits non-zero on a wrong
answer or when a speedup is below ``--min-speedup``.
"""

import argparse
import importlib.util
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytz

# the shared bootstrap sits next to this script, whatever the working directory
sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_db

TOLERANCE = timedelta(seconds=1)
UTC = pytz.utc
BRUSSELS = pytz.timezone("Europe/Brussels")
HOLIDAYS = [
    date(2024, 1, 1),
    date(2024, 4, 1),
    date(2024, 5, 1),
    date(2024, 5, 9),
    date(2024, 5, 20),
    date(2024, 7, 21),
    date(2024, 8, 15),
    date(2024, 11, 1),
    date(2024, 11, 11),
    date(2024, 12, 25),
    date(2025, 1, 1),
    date(2025, 4, 21),
    date(2025, 5, 1),
    date(2025, 5, 29),
    date(2025, 6, 9),
    date(2025, 7, 21),
    date(2025, 8, 15),
    date(2025, 11, 1),
    date(2025, 11, 11),
    date(2025, 12, 25),
]


def _load_engine():
    # by path: the addon package need not be importable (or installed)
    path = odoo_db.ROOT / "sla_contract" / "engine" / "worktime.py"
    spec = importlib.util.spec_from_file_location("sla_worktime_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _make_calendar(env):
    lines = [(8, 12, "morning"), (12, 13, "lunch"), (13, 17, "afternoon")]
    calendar = env["resource.calendar"].create(
        {
            "name": "Bench 40h",
            "tz": "Europe/Brussels",
            "attendance_ids": [(5, 0, 0)]
            + [
                (
                    0,
                    0,
                    {
                        "name": f"{day} {period}",
                        "dayofweek": str(day),
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                        "day_period": period,
                    },
                )
                for day in range(5)
                for hour_from, hour_to, period in lines
            ],
        }
    )

    def naive_utc(day):
        local = BRUSSELS.localize(datetime(day.year, day.month, day.day))
        return local.astimezone(UTC).replace(tzinfo=None)

    env["resource.calendar.leaves"].create(
        [
            {
                "name": "Public holiday",
                "calendar_id": calendar.id,
                "date_from": naive_utc(day),
                "date_to": naive_utc(day + timedelta(days=1)),
            }
            for day in HOLIDAYS
        ]
    )
    return calendar


def _engine_inputs(calendar):
    """``(tz, attendances, leaves)`` as ``_sla_work_calendar`` reads them."""
    if hasattr(calendar, "_sla_work_calendar_key"):
        return calendar._sla_work_calendar_key()
    attendances = [
        (int(a.dayofweek), a.hour_from, a.hour_to, a.date_from, a.date_to)
        for a in calendar.attendance_ids
        if not a.resource_id and not a.display_type and a.day_period != "lunch"
    ]
    leaves = calendar.env["resource.calendar.leaves"].search(
        [
            ("resource_id", "=", False),
            ("time_type", "=", "leave"),
            ("calendar_id", "in", [False, calendar.id]),
        ]
    )
    return (
        calendar.tz,
        attendances,
        [(leave.date_from, leave.date_to) for leave in leaves],
    )


def _same_instant(engine, got, expected):
    if abs(got - expected) <= TOLERANCE:
        return True
    # plan_hours' float residue on an exact fill: next span start, same work
    return not engine.is_working(got) and (
        abs(engine.next_work_instant(got) - expected) <= TOLERANCE
    )


def _per_call_us(seconds, calls):
    return seconds / calls * 1e6


def run(env, engine_module, calls, seed):
    rnd = random.Random(seed)
    window = datetime(2024, 1, 1, tzinfo=UTC)
    starts = [
        window + timedelta(seconds=rnd.randint(0, 2 * 365 * 86400))
        for _ in range(calls)
    ]
    minutes = [rnd.randint(15, 80 * 60) for _ in range(calls)]
    spans = [timedelta(seconds=rnd.randint(0, 14 * 86400)) for _ in range(calls)]

    calendar = _make_calendar(env)
    calendar.env.flush_all()

    t0 = time.perf_counter()
    tz, attendances, leaves = _engine_inputs(calendar)
    read = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = engine_module.WorkCalendar(tz=tz, attendances=attendances, leaves=leaves)
    construct = time.perf_counter() - t0
    lookup = None
    if hasattr(calendar, "_sla_work_calendar"):
        # the addon's cache, as the SLA code gets it
        engine = calendar._sla_work_calendar()
        t0 = time.perf_counter()
        for _dummy in range(100):
            calendar._sla_work_calendar()
        lookup = (time.perf_counter() - t0) / 100

    for start, amount in zip(starts[:20], minutes[:20], strict=True):
        calendar.plan_hours(amount / 60, start, compute_leaves=True)

    # -- add_minutes vs plan_hours
    t0 = time.perf_counter()
    expected = [
        calendar.plan_hours(amount / 60, start, compute_leaves=True)
        for start, amount in zip(starts, minutes, strict=True)
    ]
    odoo_plan = time.perf_counter() - t0
    t0 = time.perf_counter()
    got = [
        engine.add_minutes(start, amount)
        for start, amount in zip(starts, minutes, strict=True)
    ]
    engine_plan_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    for start, amount in zip(starts, minutes, strict=True):
        engine.add_minutes(start, amount)
    engine_plan_warm = time.perf_counter() - t0

    wrong = [
        (start, amount, exp, res)
        for start, amount, exp, res in zip(starts, minutes, expected, got, strict=True)
        if not _same_instant(engine, res, exp)
    ]

    # -- minutes_between vs get_work_hours_count
    ends = [start + span for start, span in zip(starts, spans, strict=True)]
    t0 = time.perf_counter()
    expected_count = [
        calendar.get_work_hours_count(start, end, compute_leaves=True) * 60
        for start, end in zip(starts, ends, strict=True)
    ]
    odoo_count = time.perf_counter() - t0
    t0 = time.perf_counter()
    got_count = [
        engine.minutes_between(start, end)
        for start, end in zip(starts, ends, strict=True)
    ]
    engine_count = time.perf_counter() - t0
    wrong += [
        (start, end, exp, res)
        for start, end, exp, res in zip(
            starts, ends, expected_count, got_count, strict=True
        )
        if abs(exp - res) > 1 / 60
    ]
    return {
        "wrong": wrong,
        "build": read + construct,
        "construct": construct,
        "lookup": lookup,
        "odoo_plan": odoo_plan,
        "engine_plan_cold": engine_plan_cold,
        "engine_plan_warm": engine_plan_warm,
        "odoo_count": odoo_count,
        "engine_count": engine_count,
    }


def report(result, calls, min_speedup):
    def line(label, seconds, unit="µs/call", per=calls):
        print(f"{label:<42}{seconds / per * 1e6:9.1f} {unit}")

    # the one-off build is charged to the add_minutes figure
    plan_speedup = result["odoo_plan"] / (result["engine_plan_cold"] + result["build"])
    plan_warm = result["odoo_plan"] / result["engine_plan_warm"]
    count_speedup = result["odoo_count"] / result["engine_count"]

    print(f"inputs: {calls} random starts in 2024-2025, 15 min..80 h, spans 0..14 days")
    line("engine build (read calendar + construct)", result["build"], "µs, once", 1)
    line("  of which the constructor", result["construct"], "µs", 1)
    if result["lookup"] is not None:
        line("_sla_work_calendar cached lookup", result["lookup"], per=1)
    line("plan_hours", result["odoo_plan"])
    line("engine add_minutes (days built lazily)", result["engine_plan_cold"])
    line("engine add_minutes (warm)", result["engine_plan_warm"])
    print(f"speedup: {plan_speedup:.1f}x (warm {plan_warm:.1f}x)")
    line("get_work_hours_count", result["odoo_count"])
    line("engine minutes_between", result["engine_count"])
    print(f"speedup: {count_speedup:.1f}x")

    if result["wrong"]:
        for row in result["wrong"][:10]:
            print("MISMATCH", *row, file=sys.stderr)
        print(f"{len(result['wrong'])} answers differ from Odoo", file=sys.stderr)
        return 1
    print(f"answers: all {2 * calls} identical to Odoo within 1 s")
    if min(plan_speedup, count_speedup) < min_speedup:
        print(f"speedup below the {min_speedup}x target", file=sys.stderr)
        return 1
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", default=os.environ.get("SLA_BENCH_DB", "sla_bench_worktime")
    )
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--min-speedup", type=float, default=20.0)
    parser.add_argument(
        "--drop", action="store_true", help="drop the database afterwards"
    )
    args = parser.parse_args()

    params = odoo_db.db_params()
    odoo_db.ensure_db(params, args.db, "resource")

    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo_db.load_odoo(params, args.db)
    engine_module = _load_engine()
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        try:
            result = run(env, engine_module, args.calls, args.seed)
        finally:
            cr.rollback()
    if args.drop:
        odoo_db.drop_db(params, args.db)

    return report(result, args.calls, args.min_speedup)


if __name__ == "__main__":
    sys.exit(main())
