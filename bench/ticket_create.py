"""Benchmark the per-ticket cost of ``helpdesk.ticket`` create with SLA clocks.

Times, in one run and with the same ticket values, three databases:

* ``helpdesk_mgmt`` alone (the bare cost of a ticket);
* OCA ``helpdesk_mgmt_sla`` with exactly one SLA applying to the tickets
  (one deadline per ticket, ``plan_hours`` on the team's calendar);
* ``sla_contract``, tickets of a customer with an active Gold SLA contract
  (two clocks per ticket: response and resolution).

The OCA SLA gets the Gold calendar's hours (18/7, Europe/Brussels) and
Gold's resolution target at the tickets' priority, so both compute the same
kind of deadline. Tickets are created in batches (``create(vals_list)``) and
one by one (as the UI does), each call followed by what a commit runs (flush,
precommit hooks) and a cache reset. Each round runs in a savepoint that is
rolled back, so the database does not grow; the figure is the median of the
rounds, after one warm-up round. Every round checks the SLA deadlines
computed before any figure is printed.

Usage::

    .venv/bin/python bench/ticket_create.py [--rounds 7] [--batches 20]
                                            [--batch-size 25] [--singles 100]
                                            [--drop]

The databases ``sla_bench_bare``, ``sla_bench_oca`` and ``sla_bench_ours`` are
created through the project's Odoo command line if missing; when reused,
``sla_contract`` is updated in ``sla_bench_ours`` first. PostgreSQL is reached
on ``$PGHOST`` (default 127.0.0.1) and ``$PGPORT`` (default: the port of
``scripts/pg.sh``), as ``$PGUSER`` / ``$PGPASSWORD`` (default odoo/odoo).
Exits non-zero when a check fails.
"""

import argparse
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

# the shared bootstrap sits next to this script, whatever the working directory
sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_db

PRIORITY = "2"
GOLD = "sla_contract.sla_tier_gold"
# sla_contract's resource_calendar_18_7, rebuilt where sla_contract is absent
CALENDAR_TZ = "Europe/Brussels"
CALENDAR_HOURS = (6, 24)


@dataclass
class Setup:
    key: str
    label: str
    db: str
    module: str
    update: bool = False


SETUPS = [
    Setup("bare", "bare helpdesk_mgmt", "sla_bench_bare", "helpdesk_mgmt"),
    Setup("oca", "OCA helpdesk_mgmt_sla (1 SLA)", "sla_bench_oca", "helpdesk_mgmt_sla"),
    Setup("ours", "sla_contract (2 clocks)", "sla_bench_ours", "sla_contract", True),
]


# ----------------------------------------------------------------------
# fixtures, created in the benchmark's transaction
# ----------------------------------------------------------------------


def _fixture(env, setup, oca_hours):
    """Ticket values for `setup`; `oca_hours` is the OCA SLA's target."""
    partner = env["res.partner"].create(
        {"name": "Bench Customer", "is_company": True, "email": "it@example.com"}
    )
    team = env["helpdesk.ticket.team"].create({"name": "Bench team"})
    if setup.key == "oca":
        _oca_sla(env, team, oca_hours)
    elif setup.key == "ours":
        env["contract.contract"].create(
            {
                "name": "Bench Gold support",
                "partner_id": partner.id,
                "contract_type": "sale",
                "sla_tier_id": env.ref(GOLD).id,
                # past the six-month baseline: penalties apply
                "date_start": date.today() - timedelta(days=365),
                "sla_date_start": date.today() - timedelta(days=365),
            }
        )
    env.flush_all()
    return {
        "name": "Printer on fire",
        "description": "<p>The office printer is on fire again.</p>",
        "partner_id": partner.id,
        "team_id": team.id,
        "priority": PRIORITY,
    }


def _oca_sla(env, team, hours):
    start, end = CALENDAR_HOURS
    calendar = env["resource.calendar"].create(
        {
            "name": "Bench 18/7",
            "tz": CALENDAR_TZ,
            "company_id": False,
            "hours_per_day": end - start,
            "attendance_ids": [(5, 0, 0)]
            + [
                (
                    0,
                    0,
                    {
                        "name": f"day {day}",
                        "dayofweek": str(day),
                        "hour_from": start,
                        "hour_to": end,
                        "day_period": "morning",
                    },
                )
                for day in range(7)
            ],
        }
    )
    team.write({"use_sla": True, "resource_calendar_id": calendar.id})
    sla = env["helpdesk.sla"].create(
        {
            "name": "Bench resolution",
            "team_ids": [(6, 0, team.ids)],
            # counts until the ticket reaches Done
            "stage_id": env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done").id,
            "hours": hours,
            "days": 0,
        }
    )
    others = env["helpdesk.sla"].search([("id", "!=", sla.id)])
    others.active = False


def _gold_resolution_hours(env):
    target = env.ref(GOLD)._target_for(PRIORITY)
    assert target, f"Gold has no target for priority {PRIORITY}"
    minutes = target.resolution_minutes
    assert minutes % 60 == 0, "the OCA SLA counts whole hours"
    return minutes // 60


# ----------------------------------------------------------------------
# checks
# ----------------------------------------------------------------------


def _check(setup, tickets):
    assert len(tickets) == len(set(tickets.ids))
    if setup.key == "oca":
        for ticket in tickets:
            lines = ticket.ticket_sla_ids
            assert len(lines) == 1, f"{ticket.number}: {len(lines)} SLAs"
            assert lines.state == "in_progress", f"{ticket.number}: {lines.state}"
            assert lines.deadline > ticket.create_date, f"{ticket.number}: deadline"
            assert ticket.sla_deadline == lines.deadline
    elif setup.key == "ours":
        for ticket in tickets:
            clocks = ticket.sla_clock_ids
            assert sorted(clocks.mapped("metric")) == ["resolution", "response"], (
                f"{ticket.number}: clocks {clocks.mapped('metric')}"
            )
            assert all(c.deadline > c.start_at for c in clocks), ticket.number
            assert set(clocks.mapped("state")) == {"running"}, ticket.number
            assert ticket.sla_next_deadline == min(clocks.mapped("deadline"))


# ----------------------------------------------------------------------
# timing
# ----------------------------------------------------------------------


def _settle(env):
    # what the end of a request does: commit's flush and precommit hooks
    # (mail tracking), then a fresh cache as for the next request
    env.cr.flush()
    env.flush_all()
    env.invalidate_all()


def _round(env, setup, vals, sizes):
    """Seconds per ticket created in batches and one by one, checked."""
    batches, batch_size, singles = sizes
    cr = env.cr
    Ticket = env["helpdesk.ticket"]
    payload = [[dict(vals) for _ in range(batch_size)] for _ in range(batches)]
    single_vals = [dict(vals) for _ in range(singles)]
    created = []
    savepoint = cr.savepoint()
    try:
        t0 = time.perf_counter()
        for vals_list in payload:
            created.append(Ticket.create(vals_list))
            _settle(env)
        batch = (time.perf_counter() - t0) / (batches * batch_size)
        t0 = time.perf_counter()
        for one in single_vals:
            created.append(Ticket.create(one))
            _settle(env)
        single = (time.perf_counter() - t0) / singles
        tickets = Ticket.concat(*created)
        assert len(tickets) == batches * batch_size + singles
        _check(setup, tickets)
    finally:
        savepoint.close(rollback=True)
    return batch, single


def run(setups, envs, args):
    oca_hours = _gold_resolution_hours(envs["ours"])
    vals = {s.key: _fixture(envs[s.key](su=True), s, oca_hours) for s in setups}
    sizes = (args.batches, args.batch_size, args.singles)
    for setup in setups:
        _round(envs[setup.key], setup, vals[setup.key], sizes)
    times = {s.key: ([], []) for s in setups}
    for index in range(args.rounds):
        # a different order each round, so drift hits every setup alike
        shift = index % len(setups)
        for setup in setups[shift:] + setups[:shift]:
            batch, single = _round(envs[setup.key], setup, vals[setup.key], sizes)
            times[setup.key][0].append(batch)
            times[setup.key][1].append(single)
    return times, oca_hours


def report(setups, times, oca_hours, args):
    print(
        f"helpdesk.ticket create, median of {args.rounds} rounds"
        " (overheads: median of per-round differences with bare);"
        f" OCA SLA: {oca_hours} h on 18/7, ours: Gold P{4 - int(PRIORITY)}"
    )
    modes = [
        (0, f"create(vals_list), {args.batches} batches of {args.batch_size}"),
        (1, f"create(vals) one by one, {args.singles} tickets"),
    ]
    for mode, title in modes:
        print(f"\n{title}:")
        ms = {s.key: statistics.median(times[s.key][mode]) * 1000 for s in setups}
        # Overheads are medians of per-round differences with bare: a round's
        # setups run back to back, so machine drift cancels out.
        overhead = {
            s.key: statistics.median(
                (own - bare) * 1000
                for own, bare in zip(
                    times[s.key][mode], times["bare"][mode], strict=True
                )
            )
            for s in setups
        }
        for setup in setups:
            line = f"{setup.label:<30}{ms[setup.key]:7.2f} ms/ticket"
            if setup.key != "bare":
                line += f"  overhead {overhead[setup.key]:5.2f} ms"
            print(line)
        oca = overhead["oca"]
        ours = overhead["ours"]
        ratio = f"{ours / oca:.2f}" if oca > 0 else "n/a"
        print(f"our overhead / OCA overhead: {ratio} (target < 1.0)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=25)
    parser.add_argument("--singles", type=int, default=100)
    parser.add_argument(
        "--drop", action="store_true", help="drop the databases afterwards"
    )
    args = parser.parse_args()

    params = odoo_db.db_params()
    for setup in SETUPS:
        odoo_db.ensure_db(
            params,
            setup.db,
            setup.module,
            update=setup.update,
            data_dir=odoo_db.FILESTORE,
        )

    import odoo
    from odoo import api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    odoo_db.load_odoo(params, SETUPS[0].db, data_dir=odoo_db.FILESTORE)
    cursors, envs = {}, {}
    try:
        for setup in SETUPS:
            cr = cursors[setup.key] = Registry(setup.db).cursor()
            # the admin user as in the UI, not the superuser that skips access
            env = api.Environment(cr, odoo.SUPERUSER_ID, {})
            admin = env.ref("base.user_admin")
            envs[setup.key] = env(user=admin, context=admin.context_get())
        times, oca_hours = run(SETUPS, envs, args)
    finally:
        for cr in cursors.values():
            cr.rollback()
            cr.close()
    if args.drop:
        for setup in SETUPS:
            odoo_db.drop_db(params, setup.db)
            shutil.rmtree(config.filestore(setup.db), ignore_errors=True)

    report(SETUPS, times, oca_hours, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
