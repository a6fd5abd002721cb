from odoo import fields, models
from odoo.addons.sla_contract.models.sla_priority import TICKET_PRIORITIES


class SlaTier(models.Model):
    _inherit = "sla.tier"

    portal_max_priority = fields.Selection(
        TICKET_PRIORITIES,
        string="Highest Priority From the Portal",
        default="3",
        required=True,
        help="The most urgent priority a customer may choose for a ticket he "
        "opens in the portal; above it, he calls.",
    )
