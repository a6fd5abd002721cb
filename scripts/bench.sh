#!/usr/bin/env bash
# Runs the bench scripts; each creates its databases once and reuses them.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/pg.sh" start
cd "$ROOT"
for script in bench/worktime.py bench/ticket_create.py bench/form_load.py; do
    say "$script"
    "$VENV/bin/python" "$script"
done
