#!/usr/bin/env bash
# Runs both bench scripts; each creates its databases once and reuses them.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/pg.sh" start
cd "$ROOT"
for script in bench/worktime.py bench/ticket_create.py; do
    say "$script"
    "$VENV/bin/python" "$script"
done
