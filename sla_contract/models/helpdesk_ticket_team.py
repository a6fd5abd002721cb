from odoo import fields, models


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    sla_default_tier_id = fields.Many2one(
        "sla.tier",
        string="Default SLA Tier",
        help="Applied to tickets of customers without an active SLA contract.",
    )
