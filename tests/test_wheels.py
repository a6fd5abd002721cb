"""The addons install the way OCA's do: ``pip install`` of their wheels.

scripts/wheels.sh builds one wheel per addon with whool (each addon's
pyproject.toml) and installs them into a virtualenv holding Odoo and nothing
of this repository; their OCA dependencies come from PyPI, as the wheels'
metadata (read from the manifests) asks. A server of that virtualenv, whose
configuration names no addons path, then installs the addons by name.
"""

import ast
import configparser
import os
import re
import subprocess
import textwrap
import zipfile
from pathlib import Path

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parents[1]
ADDONS = ("sla_contract", "sla_escalation", "sla_credits", "sla_portal")


@pytest.fixture(scope="module")
def db_options():
    path = os.environ.get("ODOO_RC")
    if not path or not Path(path).exists():
        pytest.fail("ODOO_RC must name the Odoo config written by scripts/test.sh")
    parser = configparser.ConfigParser()
    parser.read(path)
    return dict(parser["options"])


def _sql(opts, dbname, query, args=None):
    conn = psycopg2.connect(
        host=opts["db_host"],
        port=opts["db_port"],
        user=opts["db_user"],
        password=opts["db_password"],
        dbname=dbname,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute(query, args)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def _manifest_version(addon):
    manifest = ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())
    return manifest["version"]


def _run(cmd, cwd, stdin=None):
    # ODOO_RC names the test config, whose addons path holds this checkout
    env = {k: v for k, v in os.environ.items() if k != "ODOO_RC"}
    result = subprocess.run(
        cmd, cwd=cwd, input=stdin, capture_output=True, text=True, check=False, env=env
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    for line in output.splitlines():
        assert " ERROR " not in line and " CRITICAL " not in line, line
    return result.stdout


def test_wheels_install_the_addons_by_name(db_options, tmp_path):
    wheel_dir = tmp_path / "wheels"
    env = {**os.environ, "SLA_WHEEL_DIR": str(wheel_dir)}
    result = subprocess.run(
        [str(ROOT / "scripts" / "wheels.sh"), "install"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    venv = Path(result.stdout.strip().splitlines()[-1])

    # one wheel per addon, named and versioned as OCA's: the manifest's
    # version, plus the commits since it was last changed
    wheels = {path.name for path in wheel_dir.glob("*.whl")}
    assert len(wheels) == len(ADDONS), wheels
    for addon in ADDONS:
        version = re.escape(_manifest_version(addon))
        pattern = rf"odoo_addon_{addon}-{version}(\.\d+)?-py3-none-any\.whl"
        (wheel,) = [name for name in wheels if re.fullmatch(pattern, name)]
        with zipfile.ZipFile(wheel_dir / wheel) as archive:
            names = archive.namelist()
            metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
            requires = [
                line.split(":", 1)[1].strip()
                for line in archive.read(metadata).decode().splitlines()
                if line.startswith("Requires-Dist:")
            ]
        assert f"odoo/addons/{addon}/__manifest__.py" in names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        assert "odoo==18.0.*" in requires
        if addon == "sla_credits":
            assert "odoo-addon-helpdesk_mgmt_rating==18.0.*" in requires

    # the server knows only Odoo's own addons path: ours come from the wheels
    dbname = db_options["db_name"] + "_wheels"
    conf = tmp_path / "odoo.conf"
    conf.write_text(
        textwrap.dedent(
            f"""\
            [options]
            db_host = {db_options["db_host"]}
            db_port = {db_options["db_port"]}
            db_user = {db_options["db_user"]}
            db_password = {db_options["db_password"]}
            data_dir = {tmp_path / "data"}
            http_interface = 127.0.0.1
            """
        )
    )
    odoo = [str(venv / "bin" / "odoo"), "-c", str(conf), "-d", dbname]
    _sql(db_options, "postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    try:
        _run(
            [
                *odoo,
                "-i",
                "sla_escalation,sla_portal",
                "--without-demo=all",
                "--stop-after-init",
                "--no-http",
                "--log-level=warn",
            ],
            cwd=tmp_path,
        )
        states = dict(
            _sql(
                db_options,
                dbname,
                "SELECT name, state FROM ir_module_module WHERE name = ANY(%s)",
                (list(ADDONS),),
            )
        )
        assert states == dict.fromkeys(ADDONS, "installed")
        where = _run(
            [
                str(venv / "bin" / "odoo"),
                "shell",
                "-c",
                str(conf),
                "-d",
                dbname,
                "--no-http",
                "--log-level=warn",
            ],
            cwd=tmp_path,
            stdin=(
                "import odoo.modules.module as m\n"
                f"for name in {list(ADDONS)!r} + ['helpdesk_mgmt_rating']:\n"
                "    print('PATH', name, m.get_module_path(name))\n"
                "print('ADDONS_PATH', odoo.tools.config['addons_path'])\n"
            ),
        )
    finally:
        _sql(db_options, "postgres", f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    paths = dict(
        line.split()[1:3] for line in where.splitlines() if line.startswith("PATH ")
    )
    site = next(venv.glob("lib/python3*/site-packages"))
    for name, path in paths.items():
        assert Path(path).is_relative_to(site / "odoo" / "addons"), (name, path)
    addons_path = next(
        line.split(" ", 1)[1]
        for line in where.splitlines()
        if line.startswith("ADDONS_PATH ")
    )
    assert all(Path(p).resolve() != ROOT for p in addons_path.split(",")), addons_path
