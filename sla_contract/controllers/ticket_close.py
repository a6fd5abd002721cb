from odoo import http
from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController
from odoo.http import request

# PostgreSQL's integer: a larger id cannot exist, and would fail the query.
MAX_ID = 2**31 - 1


def parse_id(value):
    """A record id from a query parameter, or None for anything else."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
        if 0 < number <= MAX_ID:
            return number
    return None


class SlaTicketClose(HelpdeskTicketController):
    # helpdesk_mgmt closes whatever ticket id it is sent, as superuser: one
    # customer could close another's ticket and stop its SLA clocks as met.
    @http.route()
    def support_ticket_close(self, **kw):
        ticket = self._sla_ticket_to_close(parse_id(kw.get("ticket_id")))
        if not ticket:
            # the same answer whether the ticket exists or not
            return request.redirect("/my/tickets", code=302)
        stage = self._sla_portal_closing_stage(ticket, parse_id(kw.get("stage_id")))
        if stage:
            ticket.stage_id = stage
        return request.redirect(f"/my/ticket/{ticket.id}", code=302)

    def _sla_ticket_to_close(self, ticket_id):
        """The ticket, as superuser, if the user may close it: he reads and,
        under the record rules, writes it (portal users have no write access
        right, so the rules alone decide, as for helpdesk_mgmt's button), and
        a portal user closes only his own company's tickets, not one he
        merely follows."""
        tickets = request.env["helpdesk.ticket"]
        ticket = tickets.browse(ticket_id) if ticket_id else tickets
        if not ticket.sudo().exists() or not ticket.has_access("read"):
            return tickets
        rules = request.env["ir.rule"]._compute_domain(ticket._name, "write")
        if rules and not ticket.sudo().filtered_domain(rules):
            return tickets
        user = request.env.user
        if user.share and (
            ticket.sudo().commercial_partner_id != user.commercial_partner_id
        ):
            return tickets
        return ticket.sudo()

    def _sla_portal_closing_stage(self, ticket, stage_id):
        """The stage if it is one the ticket's portal page offers: a stage of
        its team that closes from the portal, and the ticket still open (a
        closed ticket moved to a cancelling stage would leave the SLA
        figures)."""
        stages = request.env["helpdesk.ticket.stage"]
        if not stage_id or ticket.stage_id.closed:
            return stages
        return (
            ticket.team_id._get_applicable_stages()
            .filtered("close_from_portal")
            .filtered(lambda stage: stage.id == stage_id)
        )
