#!/usr/bin/env bash
# README "test": lint, then every test (pure engine, addon TransactionCase and
# HttpCase tours, cross-addon end-to-end), and the test suites of the OCA
# addons we build on, on a fresh database holding our addons.
#   SLA_REUSE_DB=1 scripts/test.sh [pytest args]       keeps the existing test database
#   SLA_REUSE_DB=update scripts/test.sh [pytest args]  same, after updating the addons
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/bootstrap.sh"
[ -n "${SLA_SKIP_LINT:-}" ] || "$ROOT/scripts/lint.sh"
"$ROOT/scripts/pg.sh" status >/dev/null && pg_was_up=1 || pg_was_up=
"$ROOT/scripts/pg.sh" start
[ -n "$pg_was_up" ] || trap '"$ROOT/scripts/pg.sh" stop' EXIT
source "$ROOT/scripts/db.sh"
conf=$("$ROOT/scripts/odoo-conf.sh" "$TEST_DB")

# The whole run (no arguments) installs the addons the way OCA CI and Odoo.sh
# do, with Odoo's own test runner: each addon's at_install tests right after
# it is installed, the post_install ones at the end. Its log tells which tests
# Odoo ran; tests/test_odoo_runner.py compares them with pytest's and fails
# on any difference (a test module not imported in its tests/__init__.py).
runner_log="$LOCAL/odoo-runner.log"
rm -f "$runner_log" "$runner_log.rc"
if [ -z "${SLA_REUSE_DB:-}" ] || ! db_has_modules "$TEST_DB" "$ADDONS"; then
    db_drop "$TEST_DB"
    if [ $# -eq 0 ]; then
        say "Creating a fresh test database $TEST_DB with the four addons and demo data; Odoo's own runner runs their tests"
        started=$SECONDS
        set +e
        # --test-enable serves HTTP for the tours: on a free port, so that a
        # `make run` on the configured one does not get in the way.
        "$VENV/bin/odoo" -c "$conf" -d "$TEST_DB" -i "$ADDONS" --stop-after-init \
            --test-enable --test-tags "/${ADDONS//,/,/}" \
            --http-port="$(free_port)" --log-level=info --logfile="$runner_log"
        echo $? > "$runner_log.rc"
        set -e
        grep -E " (WARNING|ERROR|CRITICAL) " "$runner_log" | grep -v "wkhtmltopdf" | tail -n 20 >&2 || true
        say "Odoo's runner: $(grep -cE ' odoo\.addons\.sla_[a-z_]+\.tests\.[a-z_0-9]+: Starting ' "$runner_log") tests of our addons in $((SECONDS - started)) s with the install, exit code $(cat "$runner_log.rc") (log: $runner_log)"
        export SLA_ODOO_RUNNER_LOG=$runner_log
    else
        say "Creating a fresh test database $TEST_DB with the four addons and demo data"
        "$VENV/bin/odoo" -c "$conf" -d "$TEST_DB" -i "$ADDONS" --stop-after-init --log-level=warn
    fi
elif [ "${SLA_REUSE_DB}" = update ]; then
    "$VENV/bin/odoo" -c "$conf" -d "$TEST_DB" -u "$ADDONS" --stop-after-init --log-level=warn
fi

cd "$ROOT"
export ODOO_RC=$conf
# Without arguments: setup.cfg's testpaths, plus the OCA addons' own suites,
# which must stay green with our addons installed.
if [ $# -eq 0 ]; then
    read -r -a paths <<< "$("$VENV/bin/python" -c '
import configparser, sysconfig, sys
cfg = configparser.ConfigParser()
cfg.read("setup.cfg")
site = sysconfig.get_paths()["purelib"]
oca = [f"{site}/odoo/addons/{name}" for name in sys.argv[1].split(",")]
print(" ".join(cfg["tool:pytest"]["testpaths"].split() + oca))
' "$OCA_TESTED")"
    set -- "${paths[@]}"
fi
say "pytest"
set +e
# --odoo-http: HttpCase tours need a server (pytest-odoo picks a free port).
# The plugin drops the tests Odoo's own runner would not run (scripts/).
PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest \
    -p pytest_odoo_selection \
    --odoo-config="$conf" --odoo-database="$TEST_DB" --odoo-http "$@"
rc=$?
set -e
# pytest's exit 5 means no tests ran: that must never read as green.
[ $rc -eq 5 ] && die "no tests were collected"
exit $rc
