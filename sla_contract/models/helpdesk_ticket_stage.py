from odoo import fields, models


class HelpdeskTicketStage(models.Model):
    _inherit = "helpdesk.ticket.stage"

    sla_pause = fields.Boolean(
        string="Pauses the SLA",
        help="Tickets in this stage wait on the customer: their SLA clocks stop "
        "counting until the ticket leaves it.",
    )
    sla_cancel = fields.Boolean(
        string="Cancels the SLA",
        help="Closing a ticket in this stage (cancelled, rejected) stops its "
        "open SLA clocks as cancelled: they count neither as met nor as "
        "breached.",
    )
