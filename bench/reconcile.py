"""Every SLA figure compared wherever it shows, on any database.

Loads Odoo in-process on ``--db`` (default ``sla_demo``, the database of
``make run``; the reports bench's ``sla_bench_reports`` holds 1,000,000
clocks) and runs ``sla.reconcile._sla_mismatches`` over every SLA contract
(or the first ``--limit``): per contract and month, the compliance of the
cycles counted (the one rule) against the SLA Analysis, Performance by
Contract, the month's credit, its invoice line, the service review and the
customer's portal page; uptime and credit amounts; the escalation rate; the
quarter's bonus breaches.

Prints every mismatch, then the counts and the time taken. Exits non-zero
when a figure disagrees.

Usage::

    .venv/bin/python bench/reconcile.py [--db sla_demo] [--limit N]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import odoo_db


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sla_demo")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    params = odoo_db.db_params()
    if not odoo_db.is_installed(params, args.db, "sla_portal"):
        print(f"{args.db}: sla_portal is not installed there", file=sys.stderr)
        return 2
    odoo_db.load_odoo(params, args.db, data_dir=odoo_db.FILESTORE)

    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    with Registry(args.db).cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        contracts = (
            env["contract.contract"]
            .with_context(active_test=False)
            .search([("sla_tier_id", "!=", False)], order="id")
        )
        if args.limit:
            contracts = contracts[: args.limit]
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
        f"{args.db}: {len(contracts)} contracts, {checked} contract-months checked,"
        f" {len(mismatches)} mismatches in {elapsed:.2f} s"
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
