#!/usr/bin/env bash
# Runs every bench script; each creates its databases once and reuses them.
# A script that misses its target does not hide the others' figures: all run,
# and the command fails at the end.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/bootstrap.sh"
"$ROOT/scripts/pg.sh" start
cd "$ROOT"
failed=()
for script in bench/worktime.py bench/ticket_create.py bench/breach_job.py \
    bench/escalation_job.py bench/escalation_two_servers.py bench/trigger_latency.py \
    bench/form_load.py \
    bench/large_edit.py bench/credits_job.py bench/reports.py bench/portal_pages.py \
    bench/reconcile.py; do
    say "$script"
    "$VENV/bin/python" "$script" || failed+=("$script")
done
"$VENV/bin/python" bench/load/run.py --short --faults --stop || failed+=("bench/load/run.py --short")
[ ${#failed[@]} -eq 0 ] || die "failed or missed a target: ${failed[*]}"
