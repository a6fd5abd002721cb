from odoo import fields, models


class SlaUpdate(models.Model):
    _inherit = "sla.update"

    kind = fields.Selection(
        selection_add=[("escalation", "Re-plan escalations")],
        ondelete={"escalation": "cascade"},
    )

    def _sla_apply_items(self, ids):
        if self.kind != "escalation":
            return super()._sla_apply_items(ids)
        clocks = self.env["sla.clock"].sudo().browse(ids).exists()
        clocks.filtered(lambda c: not c.stopped_at)._sla_escalation_schedule()
        return None
