"""Each addon installs alone (with its dependencies) and uninstalls cleanly.

Runs the real Odoo command line against copies of a template database that
holds only the third-party dependencies, so each addon is measured alone.
"""

import configparser
import os
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


def _odoo(conf, dbname, *args, command=(), stdin=None):
    cmd = [ODOO_BIN, *command, "-c", conf, "-d", dbname, "--no-http"]
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
