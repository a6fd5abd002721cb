"""Webhook tokens were stored in plain text: keep only their hash and
prefix, so that the monitoring already set up goes on with its token."""

from odoo.addons.sla_credits.models.sla_monitored_service import hash_token
from odoo.tools import SQL, sql

TABLE = "sla_monitored_service"


def migrate(cr, version):
    if not version or not sql.column_exists(cr, TABLE, "token"):
        return
    table = SQL.identifier(TABLE)
    cr.execute(
        SQL("SELECT id, token FROM %s WHERE token IS NOT NULL AND token <> ''", table)
    )
    for service_id, token in cr.fetchall():
        prefix, token_hash = hash_token(token)
        cr.execute(
            SQL(
                "UPDATE %s SET token_prefix = %s, token_hash = %s WHERE id = %s",
                table,
                prefix,
                token_hash,
                service_id,
            )
        )
    # the plain tokens, and their unique constraint, go with the column
    cr.execute(SQL("ALTER TABLE %s DROP COLUMN token", table))
    cr.execute(
        "DELETE FROM ir_model_constraint WHERE name = %s", [f"{TABLE}_token_uniq"]
    )
