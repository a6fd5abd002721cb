from odoo import fields, models


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    sla_default_tier_id = fields.Many2one(
        "sla.tier",
        string="Default SLA Tier",
        help="Applied to tickets of customers without an active SLA contract.",
    )

    def write(self, vals):
        res = super().write(vals)
        if "sla_default_tier_id" in vals:
            # Open tickets measured on the team's tier follow it at once.
            tickets = self.env["helpdesk.ticket"].search(
                [
                    ("team_id", "in", self.ids),
                    ("sla_contract_id", "=", False),
                    ("closed", "=", False),
                ]
            )
            tickets._sla_reapply_policy()
        return res
