# Shared settings for the project's scripts; sourced, never run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL="$ROOT/.local"
VENV="$ROOT/.venv"
ODOO_SRC=${ODOO_SRC:-/opt/odoo/18.0}
ODOO_NIGHTLY_URL=${ODOO_NIGHTLY_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}
PGDIR="$LOCAL/pg"
PG_ROLE=odoo
PG_PASSWORD=odoo
ADDONS=sla_contract,sla_escalation,sla_credits,sla_portal
DEMO_DB=${SLA_DEMO_DB:-sla_demo}
TEST_DB=${SLA_TEST_DB:-sla_test}
HTTP_PORT=${SLA_HTTP_PORT:-8069}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$LOCAL"
