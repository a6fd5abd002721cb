#!/usr/bin/env bash
# ruff and pylint-odoo over the addons, tests and scripts; fails on errors.
#   scripts/lint.sh                 every step (`make lint`, `make test`)
#   scripts/lint.sh STEP...         only those: ruff, ruff-format, pylint-odoo,
#                                   compose (the hooks of .pre-commit-config.yaml)
source "$(dirname "$0")/common.sh"
cd "$ROOT"

ruff_check() {
    say "Lint: ruff"
    "$VENV/bin/ruff" check .
}

ruff_format() {
    say "Lint: ruff format"
    "$VENV/bin/ruff" format --check .
}

pylint_odoo() {
    say "Lint: pylint-odoo"
    # The suite is not an OCA repository (author) and builds README from readme/.
    "$VENV/bin/pylint" --rcfile=setup.cfg \
        --disable=import-error,no-member,manifest-required-author,missing-readme \
        ${ADDONS//,/ }
}

compose() {
    # Docker cannot run on every machine; check the compose files where a client can.
    local files=(-f docker-compose.yml -f docker-compose.dev.yml)
    if docker compose version >/dev/null 2>&1; then
        say "Lint: docker compose config"
        docker compose "${files[@]}" config -q
        docker compose -f docker-compose.yml config -q
    elif command -v docker-compose >/dev/null; then
        say "Lint: docker-compose config"
        docker-compose "${files[@]}" config -q
        docker-compose -f docker-compose.yml config -q
    fi
}

[ $# -gt 0 ] || set -- ruff ruff-format pylint-odoo compose
for step in "$@"; do
    case "$step" in
        ruff) ruff_check ;;
        ruff-format) ruff_format ;;
        pylint-odoo) pylint_odoo ;;
        compose) compose ;;
        *) die "unknown lint step: $step (ruff, ruff-format, pylint-odoo, compose)" ;;
    esac
done
