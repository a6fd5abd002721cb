# Shared settings for the project's scripts; sourced, never run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL="$ROOT/.local"
VENV="$ROOT/.venv"
ODOO_SRC=${ODOO_SRC:-/opt/odoo/18.0}
ODOO_NIGHTLY_URL=${ODOO_NIGHTLY_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}
PG_ROLE=odoo
PG_PASSWORD=odoo
ADDONS=sla_contract,sla_escalation,sla_credits,sla_portal
# OCA addons whose own test suites `make test` runs with ours installed
OCA_TESTED=helpdesk_mgmt,contract,helpdesk_mgmt_rating
DEMO_DB=${SLA_DEMO_DB:-sla_demo}
TEST_DB=${SLA_TEST_DB:-sla_test}
HTTP_PORT=${SLA_HTTP_PORT:-8069}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mkdir -p "$LOCAL"

# The PostgreSQL cluster's directory. As root the server runs as the
# `postgres` system user, who cannot reach a clone under a closed directory
# such as /root (mode 700): that clone's cluster goes to postgres's home
# instead, one directory per clone, named after a hash of the clone's path.
# A cluster that already exists stays where it is, so the choice never flips
# between runs.
pg_dir() {
    local home key
    home=$(getent passwd postgres 2>/dev/null | cut -d: -f6)
    key="$(basename "$ROOT" | tr -c 'A-Za-z0-9_.\n-' _ | cut -c1-32)-$(printf %s "$ROOT" | sha256sum | cut -c1-12)"
    local outside="${home:-/var/lib/postgresql}/sla-clusters/$key"
    if [ -e "$LOCAL/pg/data/PG_VERSION" ]; then
        echo "$LOCAL/pg"
    elif [ -e "$outside/data/PG_VERSION" ]; then
        echo "$outside"
    elif [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$LOCAL" 2>/dev/null; then
        echo "$outside"
    else
        echo "$LOCAL/pg"
    fi
}
PGDIR=$(pg_dir)
