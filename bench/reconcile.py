"""Every SLA figure compared wherever it shows, on any database.

Loads Odoo in-process on each ``--db`` (default: ``sla_demo``, the database
of ``make run``, and the reports bench's ``sla_bench_reports``, which holds
1,000,000 clocks; a database that does not exist is skipped) and runs
``sla.reconcile._sla_mismatches`` over every SLA contract (or the first
``--limit``): per contract and month, the compliance of the
cycles counted (the one rule) against the SLA Analysis, Performance by
Contract, the month's credit, its invoice line, the service review and the
customer's portal page; uptime and credit amounts; the escalation rate; the
quarter's bonus breaches.

Prints every mismatch, then the counts and the time taken. Exits non-zero
when a figure disagrees.

Usage::

    .venv/bin/python bench/reconcile.py [--db sla_demo ...] [--limit N]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_db


def check(params, db, limit):
    """Mismatches of `db`, printed; None when the database is not there."""
    if not odoo_db.is_installed(params, db, "sla_portal"):
        print(f"{db}: skipped, sla_portal is not installed there")
        return None
    odoo_db.load_odoo(params, db, data_dir=odoo_db.FILESTORE)

    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    with Registry(db).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        contracts = (
            env["contract.contract"]
            .with_context(active_test=False)
            .search([("sla_tier_id", "!=", False)], order="id")
        )
        if limit:
            contracts = contracts[:limit]
        started = time.perf_counter()
        mismatches = env["sla.reconcile"]._sla_mismatches(contracts)
        elapsed = time.perf_counter() - started
        months = env["sla.reconcile"]._sla_months(contracts)
        cr.rollback()
    for item in mismatches:
        print(
            f"MISMATCH {item.contract} {item.month}: {item.figure} in {item.place}"
            f" is {item.value!r}, the cycles say {item.expected!r}"
        )
    checked = sum(len(value) for value in months.values())
    print(
        f"{db}: {len(contracts)} contracts, {checked} contract-months checked,"
        f" {len(mismatches)} mismatches in {elapsed:.2f} s"
    )
    return mismatches


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="append")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    params = odoo_db.db_params()
    found = [
        check(params, db, args.limit)
        for db in args.db or ["sla_demo", "sla_bench_reports"]
    ]
    return 1 if any(found) else 0


if __name__ == "__main__":
    sys.exit(main())
