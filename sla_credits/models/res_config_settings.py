from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sla_credit_auto_approve = fields.Boolean(
        related="company_id.sla_credit_auto_approve", readonly=False
    )
