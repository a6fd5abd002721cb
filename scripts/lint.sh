#!/usr/bin/env bash
# ruff and pylint-odoo over the addons, tests and scripts; fails on errors.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
say "Lint: ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
say "Lint: pylint-odoo"
# The suite is not an OCA repository (author) and builds README from readme/.
"$VENV/bin/pylint" --rcfile=setup.cfg \
    --disable=import-error,no-member,manifest-required-author,missing-readme \
    sla_contract sla_escalation sla_credits sla_portal
# Docker cannot run on every machine; check the compose file where a client can.
if docker compose version >/dev/null 2>&1; then
    say "Lint: docker compose config"
    docker compose config -q
elif command -v docker-compose >/dev/null; then
    say "Lint: docker-compose config"
    docker-compose config -q
fi
