from odoo import api, fields, models, tools


class HelpdeskTicketStage(models.Model):
    _name = "helpdesk.ticket.stage"
    _inherit = ["helpdesk.ticket.stage", "sla.cache.mixin"]

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
    @tools.ormcache()
    def _sla_stage_flags(self):
        """{stage id: (closed, pauses the SLA)}, read once per worker: every
        ticket created asks it."""
        rows = (
            self.sudo()
            .with_context(active_test=False)
            .search_read([("id", "!=", False)], ["closed", "sla_pause"])
        )
        return {row["id"]: (row["closed"], row["sla_pause"]) for row in rows}

    @api.model
    def _sla_mark_cancelling_stages(self, xmlids):
        """Flag the shipped Cancelled and Rejected stages at install only, so
        that a manager's later choice is kept."""
        for xmlid in xmlids:
            stage = self.env.ref(xmlid, raise_if_not_found=False)
            if stage:
                stage.sla_cancel = True
