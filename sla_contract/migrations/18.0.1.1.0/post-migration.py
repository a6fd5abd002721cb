from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Clocks made before cycles were recorded get theirs, decided by the
    same rule as new ones (sla.cycle._sla_backfill)."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["sla.cycle"]._sla_backfill()
