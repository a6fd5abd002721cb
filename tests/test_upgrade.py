"""An upgrade from the version customers run keeps every figure.

The base is commit 82e637d, main as real databases run it. Its code (taken
out of git into .local/) installs the four addons with demo data, runs the
monthly credit evaluation, decides the credits and lets OCA contract invoice
them. Every clock, pause, breach, escalation, credit, bonus, incident and
invoice line of a credit is then read with SQL, the database is upgraded to
this checkout with ``-u``, and read again: no row may be gone, and every
column the base had must hold the same value, unless listed in CHANGED with
the migration that changed it on purpose. Columns added since are ignored.

Then this checkout's own monthly job and invoicing run on the upgraded
database: a month that was closed (approved, applied or waived) must keep its
figures and invoice lines, and gets no correction, since nothing happened in
it between the two runs.
"""

import configparser
import io
import itertools
import os
import subprocess
import sys
import tarfile
import time
from collections import defaultdict
from pathlib import Path

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parents[1]
BASE = "82e637d"
ADDONS = "sla_contract,sla_escalation,sla_credits,sla_portal"

# Tables read whole, every column; rows are matched by id (the upgrade runs in
# place, ids do not move).
TABLES = (
    "sla_clock",
    "sla_clock_pause",
    "sla_breach",
    "sla_escalation_event",
    "sla_credit",
    "sla_bonus",
    "sla_incident",
    "sla_credit_band",
    "sla_tier",
    "sla_tier_target",
    "sla_escalation_rule",
)
# Tables read for their SLA columns only.
SLA_COLUMNS_OF = ("helpdesk_ticket", "contract_contract")
# Written by any ORM write; no figure.
BOOKKEEPING = {"write_date", "write_uid"}
# Columns an upgrade step changes on purpose: (table, column) -> why.
CHANGED = {
    ("helpdesk_ticket", "sla_escalated"): (
        "sla_escalation 18.0.1.2.0: a reminder to the ticket's own agent is no "
        "escalation; recomputed from the ticket's escalations"
    ),
    ("helpdesk_ticket", "sla_escalation_rate"): (
        "sla_escalation 18.0.1.2.0: the escalation rate, recomputed as above"
    ),
    # checked against the closed months instead: _grace_disagreements
    ("sla_clock", "measurement_only"): (
        "sla_contract 18.0.1.1.0: a clock's flag was its contract's terms at "
        "its start; it is now its cycle's: the month it counts in has no "
        "penalties for its contract"
    ),
    ("sla_breach", "measurement_only"): "the same, repeated on the breach",
    # the closed months' rates are checked with the closed months instead
    ("sla_credit", "compliance_rate"): (
        "sla_credits 18.0.1.2.0: the rate of a credit still open to review is "
        "cut, never rounded into the band above; a closed month keeps its own"
    ),
    ("sla_tier", "agreement_term"): (
        "sla_contract 18.0.1.3.0: the shipped term text referred to a term "
        '"stated below" that the agreement never stated; reworded'
    ),
    ("contract_contract", "sla_agreement_term"): (
        "sla_contract 18.0.1.3.0: the same, on contracts that kept the text"
    ),
}
CLOSED = ("approved", "applied", "waived")

# Run by the base code: the month's job, the decisions, OCA's invoicing.
BASE_SCRIPT = """
admin = env.ref("base.user_admin")
env["sla.credit.evaluation"]._cron_evaluate()
open_credits = env["sla.credit"].with_user(admin).search(
    [("state", "=", "computed"), ("grace", "=", False), ("amount", ">", 0)],
    order="period_start, id",
)
open_credits[:1].action_waive("Goodwill: the outage was the customer's")
open_credits[1:].action_approve()
env["contract.contract"].cron_recurring_create_invoice()
env["account.move"].search(
    [("state", "=", "draft"), ("line_ids.sla_credit_id", "!=", False)]
).action_post()
env.cr.commit()
"""

# Run by this checkout after the upgrade: the same job and invoicing.
HEAD_SCRIPT = """
env["sla.credit.evaluation"]._cron_evaluate()
env["contract.contract"].cron_recurring_create_invoice()
env.cr.commit()
"""


@pytest.fixture(scope="module")
def odoo_conf():
    path = os.environ.get("ODOO_RC")
    if not path or not Path(path).exists():
        pytest.fail("ODOO_RC must name the Odoo config written by scripts/test.sh")
    parser = configparser.ConfigParser()
    parser.read(path)
    return path, dict(parser["options"])


def _connect(opts, dbname):
    conn = psycopg2.connect(
        host=opts["db_host"],
        port=opts["db_port"],
        user=opts["db_user"],
        password=opts["db_password"],
        dbname=dbname,
    )
    conn.autocommit = True
    return conn


def _sql(opts, dbname, query, args=None):
    conn = _connect(opts, dbname)
    try:
        with conn.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def _odoo(conf, dbname, *args, command=(), stdin=None):
    odoo_bin = str(Path(sys.executable).with_name("odoo"))
    cmd = [odoo_bin, *command, "-c", conf, "-d", dbname, "--no-http"]
    cmd += ["--log-level=warn", *args]
    # ODOO_RC would put its own addons path first, whatever -c says
    env = {k: v for k, v in os.environ.items() if k != "ODOO_RC"}
    result = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, check=False, env=env
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    errors = [
        line
        for line in output.splitlines()
        if " ERROR " in line or " CRITICAL " in line
    ]
    assert not errors, "\n".join(errors[:20])
    return result.stdout


def _export_base(target):
    """The base commit's files, as a checkout would have them."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{BASE}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    assert found.returncode == 0, (
        f"the base commit {BASE} is not in this clone's history "
        "(a shallow clone? `git fetch --unshallow`)"
    )
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", BASE],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s ORDER BY column_name",
        (table,),
    )
    return [row[0] for row in cr.fetchall()]


def _rows(cr, table, columns, where="TRUE"):
    if not columns:
        return {}
    select = ", ".join(f'"{column}"' for column in ["id", *columns])
    cr.execute(f'SELECT {select} FROM "{table}" WHERE {where}')
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in cr.fetchall()}


def _dump(opts, dbname):
    """{table: {id: {column: value}}} of every figure the upgrade must keep."""
    conn = _connect(opts, dbname)
    try:
        with conn.cursor() as cr:
            dump = {}
            for table in TABLES:
                dump[table] = _rows(cr, table, _columns(cr, table))
            for table in SLA_COLUMNS_OF:
                columns = [c for c in _columns(cr, table) if c.startswith("sla_")]
                dump[table] = _rows(cr, table, columns)
            line_columns = _columns(cr, "account_move_line")
            dump["account_move_line"] = _rows(
                cr, "account_move_line", line_columns, "sla_credit_id IS NOT NULL"
            )
            move_ids = tuple(
                {row["move_id"] for row in dump["account_move_line"].values()}
            ) or (0,)
            dump["account_move"] = _rows(
                cr,
                "account_move",
                [
                    "name",
                    "state",
                    "move_type",
                    "invoice_date",
                    "amount_untaxed",
                    "amount_tax",
                    "amount_total",
                    "partner_id",
                    "payment_state",
                ],
                cr.mogrify("id IN %s", (move_ids,)).decode(),
            )
            return dump
    finally:
        conn.close()


def _same_boolean(old, new):
    # a NULL boolean column reads False in Odoo
    return {old, new} <= {None, False}


def _grace_disagreements(opts, dbname, before):
    """Months closed before the upgrade whose cycles, as migrated, say
    otherwise than their credit whether the month bore penalties."""
    rows = _sql(
        opts,
        dbname,
        """SELECT contract_id, date_trunc('month', report_date)::date,
                  bool_or(COALESCE(measurement_only, FALSE)),
                  bool_and(COALESCE(measurement_only, FALSE))
             FROM sla_cycle
            WHERE report_date IS NOT NULL AND contract_id IS NOT NULL
            GROUP BY 1, 2""",
    )
    cycles = {(contract, month): (some, every) for contract, month, some, every in rows}
    found = []
    for credit in before["sla_credit"].values():
        if credit["kind"] != "credit" or credit["state"] not in CLOSED:
            continue
        some, every = cycles.get(
            (credit["contract_id"], credit["period_start"]), (None, None)
        )
        if some is None:
            continue
        if (credit["grace"] and not every) or (not credit["grace"] and some):
            found.append(
                f"contract {credit['contract_id']} {credit['period_start']}: credit "
                f"grace={credit['grace']}, cycles measurement-only some={some} "
                f"every={every}"
            )
    return found


def _differences(before, after, tables=None, ignore=()):
    """Lines saying what of ``before`` is gone or changed in ``after``."""
    found = defaultdict(list)
    for table, rows in before.items():
        if tables is not None and table not in tables:
            continue
        for row_id, row in rows.items():
            new = after.get(table, {}).get(row_id)
            if new is None:
                found[f"{table}: rows gone"].append(row_id)
                continue
            for column, value in row.items():
                if column in BOOKKEEPING or (table, column) in CHANGED:
                    continue
                if column in ignore:
                    continue
                if column not in new:
                    found[f"{table}.{column}: column gone"].append(row_id)
                elif new[column] != value and not _same_boolean(value, new[column]):
                    found[f"{table}.{column}: changed"].append(
                        f"id {row_id}: {value!r} -> {new[column]!r}"
                    )
    return [
        f"{what} ({len(items)}): {', '.join(map(str, items[:5]))}"
        for what, items in sorted(found.items())
    ]


def _base_conf(conf, opts, base_dir):
    """A copy of the test config whose addons path has the base's addons in
    place of this checkout's."""
    head_path = opts["addons_path"].split(",")
    assert any(Path(p).resolve() == ROOT for p in head_path), head_path
    parser = configparser.ConfigParser()
    parser.read(conf)
    parser["options"]["addons_path"] = ",".join(
        str(base_dir) if Path(p).resolve() == ROOT else p for p in head_path
    )
    path = ROOT / ".local" / "odoo-upgrade-base.conf"
    with path.open("w") as handle:
        parser.write(handle)
    return str(path)


def _closed_months_rewritten(before, later):
    """What this checkout's monthly job changed of the months closed before
    the upgrade: their credits' figures, their invoice lines, and
    corrections of them (nothing happened in them between the two runs)."""
    closed = {
        row_id: row
        for row_id, row in before["sla_credit"].items()
        if row["state"] in CLOSED
    }
    lines = {
        row_id: row
        for row_id, row in before["account_move_line"].items()
        if row["sla_credit_id"] in closed
    }
    # approved credits get invoiced now: only their state may move on
    changed = _differences(
        {"sla_credit": closed, "account_move_line": lines},
        later,
        ignore={"corrections_checked_at", "state"},
    )
    for row_id, row in closed.items():
        state = later["sla_credit"][row_id]["state"]
        if row["state"] != "approved" and state != row["state"]:
            changed.append(f"sla_credit {row_id}: {row['state']} -> {state}")
    changed += [
        f"sla_credit {row_id} corrects closed credit {row['corrects_id']}: "
        f"amount {row['amount']}, {row['description']!r}"
        for row_id, row in later["sla_credit"].items()
        if row_id not in before["sla_credit"] and row["corrects_id"] in closed
    ]
    return changed


def test_upgrade_from_base_keeps_every_figure(odoo_conf, capsys):
    conf, opts = odoo_conf
    base_dir = ROOT / ".local" / "upgrade-base"
    dbname = opts["db_name"] + "_upgrade"
    marks = []
    started = time.monotonic()
    subprocess.run(["rm", "-rf", str(base_dir)], check=True)
    _export_base(base_dir)
    base_conf = _base_conf(conf, opts, base_dir)
    _sql(opts, "postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    try:
        marks.append(
            (f"install {BASE} with demo data, evaluate, invoice", time.monotonic())
        )
        _odoo(base_conf, dbname, "-i", ADDONS, "--stop-after-init")
        _odoo(base_conf, dbname, command=["shell"], stdin=BASE_SCRIPT)
        before = _dump(opts, dbname)
        # the data set holds what the test is about
        states = {credit["state"] for credit in before["sla_credit"].values()}
        assert {"applied", "waived"} <= states, states
        assert before["account_move_line"] and before["sla_bonus"]
        assert before["sla_escalation_event"] and before["sla_breach"]

        marks.append(("upgrade to this checkout (-u)", time.monotonic()))
        _odoo(conf, dbname, "-u", ADDONS, "--stop-after-init")
        lost = _differences(before, _dump(opts, dbname))
        lost += _grace_disagreements(opts, dbname, before)
        assert not lost, "The upgrade lost or changed:\n" + "\n".join(lost)

        marks.append(("this checkout's monthly job and invoicing", time.monotonic()))
        _odoo(conf, dbname, command=["shell"], stdin=HEAD_SCRIPT)
        changed = _closed_months_rewritten(before, _dump(opts, dbname))
        assert not changed, (
            "After the upgrade the monthly job rewrote closed months:\n"
            + "\n".join(changed)
        )
    finally:
        _sql(opts, "postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        subprocess.run(["rm", "-rf", str(base_dir)], check=False)
        filestore = Path(opts["data_dir"]) / "filestore" / dbname
        subprocess.run(["rm", "-rf", str(filestore)], check=False)
        marks.append(("end", time.monotonic()))
        with capsys.disabled():
            print(f"\nupgrade test from {BASE}: {time.monotonic() - started:.0f} s")
            for (what, mark), (_, end) in itertools.pairwise(marks):
                print(f"  {what}: {end - mark:.0f} s")
