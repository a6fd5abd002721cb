#!/usr/bin/env bash
# README "run": an Odoo 18 on http://localhost:$HTTP_PORT with a database holding
# all four addons and their demo data (login admin / admin).
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/bootstrap.sh"
# Stop the cluster on exit only if this command started it: tests or
# benchmarks may be using it too.
"$ROOT/scripts/pg.sh" status >/dev/null && pg_was_up=1 || pg_was_up=
"$ROOT/scripts/pg.sh" start
source "$ROOT/scripts/db.sh"
conf=$("$ROOT/scripts/odoo-conf.sh" "$DEMO_DB")
odoo=("$VENV/bin/odoo" -c "$conf" -d "$DEMO_DB")

if db_has_modules "$DEMO_DB" "$ADDONS"; then
    say "Updating the addons in database $DEMO_DB"
    "${odoo[@]}" -u "$ADDONS" --stop-after-init --log-level=warn
else
    db_exists "$DEMO_DB" && db_drop "$DEMO_DB"
    say "Creating database $DEMO_DB with the four addons and demo data"
    "${odoo[@]}" -i "$ADDONS" --stop-after-init --log-level=warn
fi

[ -n "${SLA_RUN_NO_SERVE:-}" ] && exit 0
say "Odoo is starting on http://localhost:$HTTP_PORT (admin / admin). Ctrl-C stops it."
[ -n "$pg_was_up" ] || trap '"$ROOT/scripts/pg.sh" stop' EXIT
"${odoo[@]}"
