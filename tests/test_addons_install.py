"""Each addon installs alone (with its dependencies) and uninstalls cleanly,
and sla_contract lives next to OCA helpdesk_mgmt_sla, whose tests still pass.

Runs the real Odoo command line against copies of a template database that
holds only the third-party dependencies, so each addon is measured alone.
"""

import configparser
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

ADDONS = ["sla_contract", "sla_escalation", "sla_credits", "sla_portal"]
DEPENDENCIES = "helpdesk_mgmt,contract,resource,portal"
ODOO_BIN = str(Path(sys.executable).with_name("odoo"))


@pytest.fixture(scope="module")
def odoo_conf():
    path = os.environ.get("ODOO_RC")
    if not path or not Path(path).exists():
        pytest.fail("ODOO_RC must name the Odoo config written by scripts/test.sh")
    parser = configparser.ConfigParser()
    parser.read(path)
    return path, dict(parser["options"])


def _connect(opts, dbname="postgres"):
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


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _odoo(conf, dbname, *args, command=(), stdin=None):
    # --test-enable starts the HTTP server whatever --no-http says: give it a
    # free port, so a `make run` on the configured one does not get in the way.
    cmd = [ODOO_BIN, *command, "-c", conf, "-d", dbname, "--no-http"]
    cmd.append(f"--http-port={_free_port()}")
    result = subprocess.run(
        [*cmd, "--log-level=warn", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for line in (result.stdout + result.stderr).splitlines():
        assert " ERROR " not in line and " CRITICAL " not in line, line
    return result


@pytest.fixture(scope="module")
def template_db(odoo_conf):
    conf, opts = odoo_conf
    name = opts["db_name"] + "_deps"
    _sql(opts, "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _odoo(conf, name, "-i", DEPENDENCIES, "--without-demo=all", "--stop-after-init")
    yield name
    _sql(opts, "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _module_states(opts, dbname):
    return dict(
        _sql(
            opts,
            dbname,
            "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)",
            (ADDONS,),
        )
    )


@pytest.mark.parametrize("addon", ADDONS)
def test_addon_installs_alone_and_uninstalls_cleanly(odoo_conf, template_db, addon):
    conf, opts = odoo_conf
    dbname = f"{template_db}_{addon}"
    _sql(opts, "postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    _sql(opts, "postgres", f'CREATE DATABASE "{dbname}" TEMPLATE "{template_db}"')
    try:
        _odoo(conf, dbname, "-i", addon, "--without-demo=all", "--stop-after-init")
        states = _module_states(opts, dbname)
        assert states[addon] == "installed"

        # Models the addon defines (extended models also get its xmlid).
        models_before = {
            r[0]
            for r in _sql(
                opts,
                dbname,
                "SELECT m.model FROM ir_model m JOIN ir_model_data d "
                "ON d.model = 'ir.model' AND d.res_id = m.id "
                "GROUP BY m.model HAVING bool_and(d.module = %s)",
                (addon,),
            )
        }
        if addon == "sla_contract":
            assert {"sla.tier", "sla.clock", "sla.breach"} <= models_before
        _odoo(
            conf,
            dbname,
            command=["shell"],
            stdin=(
                f"env['ir.module.module'].search([('name', '=', {addon!r})])"
                ".button_immediate_uninstall()\n"
            ),
        )
        assert _module_states(opts, dbname)[addon] == "uninstalled"
        leftovers = _sql(
            opts,
            dbname,
            "SELECT model, res_id FROM ir_model_data WHERE module = %s",
            (addon,),
        )
        assert leftovers == []
        for model in models_before:
            table = model.replace(".", "_")
            exists = _sql(opts, dbname, "SELECT to_regclass(%s)", (table,))[0][0]
            assert exists is None, f"table {table} left after uninstall"
    finally:
        _sql(opts, "postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


# Ours and OCA's both put an SLA deadline on the ticket; someone migrating
# from helpdesk_mgmt_sla runs both for a while.
COEXIST_SCRIPT = """
import json
from datetime import date, timedelta
gold = env.ref("sla_contract.sla_tier_gold")
done = env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
partner = env["res.partner"].create({"name": "Both SLAs", "is_company": True})
start = date.today() - timedelta(days=30)
env["contract.contract"].create({
    "name": "Gold support", "partner_id": partner.id, "contract_type": "sale",
    "date_start": start, "sla_tier_id": gold.id, "sla_date_start": start,
})
team = env["helpdesk.ticket.team"].create({
    "name": "Both SLAs", "use_sla": True,
    "resource_calendar_id": gold.calendar_id.id,
})
env["helpdesk.sla"].create({
    "name": "4 hours", "team_ids": [(6, 0, team.ids)], "stage_id": done.id,
    "hours": 4, "days": 0,
})
ticket = env["helpdesk.ticket"].create({
    "name": "Printer on fire", "description": "<p>again</p>",
    "partner_id": partner.id, "team_id": team.id, "priority": "2",
})
env.flush_all()
def state(ticket):
    ticket.invalidate_recordset()
    clocks = ticket.sla_clock_ids
    return {
        "oca_deadline": str(ticket.sla_deadline or ""),
        "oca_lines": [(str(l.deadline), l.state) for l in ticket.ticket_sla_ids],
        "ours_deadline": str(ticket.sla_next_deadline or ""),
        "ours_clocks": sorted(
            (c.metric, str(c.deadline), c.state) for c in clocks
        ),
    }
opened = state(ticket)
ticket.stage_id = done
env.flush_all()
print("RESULT " + json.dumps({"opened": opened, "closed": state(ticket)}))
env.cr.rollback()
"""


def test_coexists_with_oca_helpdesk_mgmt_sla(odoo_conf, template_db):
    conf, opts = odoo_conf
    dbname = f"{template_db}_oca_sla"
    _sql(opts, "postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    _sql(opts, "postgres", f'CREATE DATABASE "{dbname}" TEMPLATE "{template_db}"')
    try:
        _odoo(
            conf,
            dbname,
            "-i",
            "sla_contract",
            "--without-demo=all",
            "--stop-after-init",
        )
        # helpdesk_mgmt_sla's own tests, at its install next to sla_contract;
        # a failing test makes the command fail and logs an ERROR
        result = _odoo(
            conf,
            dbname,
            "-i",
            "helpdesk_mgmt_sla",
            "--without-demo=all",
            "--stop-after-init",
            "--test-enable",
            "--test-tags=/helpdesk_mgmt_sla",
            "--log-handler=odoo.tests.stats:INFO",
        )
        ran = re.search(
            r"helpdesk_mgmt_sla: (\d+) tests", result.stderr + result.stdout
        )
        assert ran and int(ran.group(1)) > 0, "helpdesk_mgmt_sla's tests did not run"

        out = _odoo(conf, dbname, command=["shell"], stdin=COEXIST_SCRIPT).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT "))
        opened, closed = json.loads(line[len("RESULT ") :]).values()
        (oca_deadline, oca_state), *more = opened["oca_lines"]
        assert not more and oca_state == "in_progress"
        assert opened["oca_deadline"] == oca_deadline
        clocks = opened["ours_clocks"]
        assert [metric for metric, *_ in clocks] == ["resolution", "response"]
        assert {state for *_, state in clocks} == {"running"}
        assert opened["ours_deadline"] == min(deadline for _, deadline, _ in clocks)
        # the two targets differ (4 h against Gold's), so the fields must too
        assert opened["ours_deadline"] != opened["oca_deadline"]

        assert closed["oca_lines"][0][1] != "in_progress"
        assert closed["oca_deadline"] == ""
        assert {state for *_, state in closed["ours_clocks"]} <= {"met", "breached"}
        assert closed["ours_deadline"] == ""
    finally:
        _sql(opts, "postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
