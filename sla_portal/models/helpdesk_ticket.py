from datetime import timedelta

from odoo import fields, models
from odoo.tools.misc import format_datetime


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    def _sla_portal_status(self, tz=None):
        """The ticket's SLA in the customer's words, or None without SLA:
        {"text", "colour"}. Reads the clocks as superuser: the caller shows
        a ticket the customer may read."""
        self.ensure_one()
        clocks = (
            self.sudo()._sla_current_clocks().filtered(lambda c: c.state != "cancelled")
        )
        if not clocks:
            return None
        env = self.env
        now = fields.Datetime.now()

        def when(moment):
            fmt = (
                "EEE HH:mm"
                if abs(moment - now) < timedelta(days=6)
                else "EEE d MMM HH:mm"
            )
            return format_datetime(env, moment, tz=tz, dt_format=fmt)

        tier = clocks[:1].tier_id.name
        if any(clock.state == "breached" for clock in clocks):
            return {"text": env._("Late"), "colour": "danger"}
        paused = clocks.filtered("paused_since")
        if paused:
            return {
                "text": env._(
                    "Waiting for you since %(when)s",
                    when=when(min(paused.mapped("paused_since"))),
                ),
                "colour": "warning",
            }
        running = clocks.filtered(lambda c: c.state == "running")
        response = running.filtered(lambda c: c.metric == "response")
        if response:
            return {
                "text": env._(
                    "We'll reply by %(when)s (%(tier)s)",
                    when=when(response.deadline),
                    tier=tier,
                ),
                "colour": "info",
            }
        if running:
            return {
                "text": env._(
                    "We'll resolve it by %(when)s (%(tier)s)",
                    when=when(running[:1].deadline),
                    tier=tier,
                ),
                "colour": "info",
            }
        return {"text": env._("Resolved on time"), "colour": "success"}

    def _sla_portal_priorities(self, partner, company):
        """The seed's priority definitions a portal customer may choose, the
        most urgent allowed by his contract's tier first, and the default."""
        key = (partner.commercial_partner_id.id, company.id)
        contract = self.sudo()._sla_contract_lookup({key}).get(key)
        allowed = contract.sla_tier_id.portal_max_priority if contract else "1"
        priorities = (
            self.env["sla.priority"]
            .sudo()
            .search([("ticket_priority", "<=", allowed)], order="sequence")
        )
        return priorities, contract
