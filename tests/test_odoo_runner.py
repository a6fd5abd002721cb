"""Odoo's own test runner sees every test of our addons.

OCA CI, Odoo.sh and ``odoo --test-enable`` load only the test modules an
addon's ``tests/__init__.py`` imports; pytest finds every ``test_*.py``. A
module left unimported is a test integrators never run. ``make test`` installs
the addons with ``--test-enable`` (scripts/test.sh) and names its log in
``SLA_ODOO_RUNNER_LOG``; here the tests Odoo started are compared, one by one,
with the ones this pytest session runs.
"""

import ast
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADDONS = ("sla_contract", "sla_escalation", "sla_credits", "sla_portal")

# "<date> <pid> INFO <db> odoo.addons.<addon>.tests.<module>: Starting Class.method ..."
STARTED = re.compile(
    r" odoo\.addons\.(?P<addon>sla_\w+)\.tests\.(?P<module>test_\w+): "
    r"Starting (?P<test>[\w.]+) \.\.\.\s*$"
)
# OdooTestResult.logError: "FAIL: Class.method" / "ERROR: Class.method"
FAILED = re.compile(
    r" (ERROR|CRITICAL) \S+ (?P<logger>[\w.]+): (?P<what>(FAIL|ERROR): .*)$"
)


def _imported_modules(init):
    names = set()
    for node in ast.walk(ast.parse(init.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module:
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("addon", ADDONS)
def test_every_test_module_is_imported(addon):
    tests = ROOT / addon / "tests"
    modules = {path.stem for path in tests.glob("test_*.py")}
    assert modules, f"{addon} has no test module"
    missing = sorted(modules - _imported_modules(tests / "__init__.py"))
    assert not missing, (
        f"{addon}/tests/__init__.py does not import {', '.join(missing)}: "
        "Odoo's runner (OCA CI, Odoo.sh, --test-enable) would never run them"
    )


def _pytest_tests(session):
    """{addon: {"module.Class.method"}} of the items this session runs."""
    tests = defaultdict(set)
    for item in session.items:
        path = Path(item.path).resolve()
        try:
            addon, folder, *_ = path.relative_to(ROOT).parts
        except ValueError:
            continue
        if addon not in ADDONS or folder != "tests":
            continue
        cls = getattr(item, "cls", None)
        name = f"{cls.__qualname__}.{item.name}" if cls else item.name
        tests[addon].add(f"{path.stem}.{name}")
    return tests


def _odoo_tests(log):
    tests, failures = defaultdict(list), []
    for line in log.read_text(errors="replace").splitlines():
        started = STARTED.search(line)
        if started:
            tests[started["addon"]].append(f"{started['module']}.{started['test']}")
        failed = FAILED.search(line)
        if failed:
            failures.append(f"{failed['logger']}: {failed['what']}")
    return tests, failures


@pytest.fixture
def runner_log():
    log = os.environ.get("SLA_ODOO_RUNNER_LOG")
    if not log:
        pytest.skip(
            "Odoo's runner ran only if scripts/test.sh created the database "
            "for a whole run (no arguments, SLA_REUSE_DB unset)"
        )
    return Path(log)


def test_odoo_runner_ran_what_pytest_runs(request, runner_log, capsys):
    ran, _failures = _odoo_tests(runner_log)
    expected = _pytest_tests(request.session)
    report, same = [], True
    for addon in ADDONS:
        odoo_names = ran.get(addon, [])
        twice = sorted({name for name in odoo_names if odoo_names.count(name) > 1})
        only_pytest = sorted(expected[addon] - set(odoo_names))
        only_odoo = sorted(set(odoo_names) - expected[addon])
        line = (
            f"{addon}: Odoo's runner {len(odoo_names)}, pytest {len(expected[addon])}"
        )
        if twice:
            line += f"; run twice by Odoo: {', '.join(twice)}"
        if only_pytest:
            line += f"; only pytest ran: {', '.join(only_pytest)}"
        if only_odoo:
            line += f"; only Odoo ran: {', '.join(only_odoo)}"
        report.append(line)
        same = same and not (twice or only_pytest or only_odoo)
        same = same and len(odoo_names) == len(expected[addon]) > 0
    with capsys.disabled():
        print("\ntests per addon:\n  " + "\n  ".join(report))
    assert same, "\n".join(report)


def test_odoo_runner_passed(runner_log):
    _ran, failures = _odoo_tests(runner_log)
    assert not failures, f"Odoo's runner failed (see {runner_log}):\n" + "\n".join(
        failures
    )
    rc = runner_log.with_name(runner_log.name + ".rc").read_text().strip()
    assert rc == "0", f"Odoo's runner exited with {rc}: see {runner_log}"
