from odoo import api, fields, models


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

    @api.model
    def _sla_mark_cancelling_stages(self, xmlids):
        """Flag the shipped Cancelled and Rejected stages at install only, so
        that a manager's later choice is kept."""
        for xmlid in xmlids:
            stage = self.env.ref(xmlid, raise_if_not_found=False)
            if stage:
                stage.sla_cancel = True
