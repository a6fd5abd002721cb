from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    sla_escalation_manager_id = fields.Many2one(
        related="company_id.sla_escalation_manager_id", readonly=False
    )
    sla_director_id = fields.Many2one(
        related="company_id.sla_director_id", readonly=False
    )
    sla_vp_id = fields.Many2one(related="company_id.sla_vp_id", readonly=False)
    sla_engineering_team_id = fields.Many2one(
        related="company_id.sla_engineering_team_id", readonly=False
    )
