#!/usr/bin/env bash
# Runs every bench/ script against a fresh benchmark database.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/pg.sh" start
cd "$ROOT"
for script in bench/worktime.py bench/ticket_create.py; do
    say "$script"
    "$VENV/bin/python" "$script"
done
