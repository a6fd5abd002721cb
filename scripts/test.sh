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

if [ -z "${SLA_REUSE_DB:-}" ] || ! db_has_modules "$TEST_DB" "$ADDONS"; then
    db_drop "$TEST_DB"
    say "Creating a fresh test database $TEST_DB with the four addons and demo data"
    "$VENV/bin/odoo" -c "$conf" -d "$TEST_DB" -i "$ADDONS" --stop-after-init --log-level=warn
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
