from odoo import fields, models


class SlaCreditWaiveWizard(models.TransientModel):
    _name = "sla.credit.waive.wizard"
    _description = "Waive SLA Service Credits"

    reason = fields.Text(required=True)

    def action_waive(self):
        ids = self.env.context.get("active_ids", [])
        credit_recs = self.env["sla.credit"].browse(ids)
        credit_recs.action_waive(self.reason)
        return {"type": "ir.actions.act_window_close"}
