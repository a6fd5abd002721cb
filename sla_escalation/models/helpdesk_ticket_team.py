from odoo import fields, models


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    sla_senior_user_ids = fields.Many2many(
        "res.users",
        "helpdesk_team_sla_senior_user_rel",
        "team_id",
        "user_id",
        string="Senior Agents",
        domain=[("share", "=", False)],
        help="The pool escalations reassign tickets to: the member with the "
        "fewest open tickets gets it.",
    )
    sla_manager_id = fields.Many2one(
        "res.users",
        string="Escalation Manager",
        domain=[("share", "=", False)],
        help="Reached by escalations of this team's tickets; the company's "
        "escalation manager when empty.",
    )

    def action_view_sla_escalation_rate(self):
        """The weekly escalation rate, on this team's tickets: the team
        lead's way in, the Reporting menu being the helpdesk managers'."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sla_escalation.sla_escalation_ticket_report_action"
        )
        action["context"] = {"search_default_team_id": self.id}
        return action
