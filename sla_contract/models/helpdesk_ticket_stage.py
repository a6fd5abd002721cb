from odoo import fields, models


class HelpdeskTicketStage(models.Model):
    _inherit = "helpdesk.ticket.stage"

    sla_pause = fields.Boolean(
        string="Pauses the SLA",
        help="Tickets in this stage wait on the customer: their SLA clocks stop "
        "counting until the ticket leaves it.",
    )
