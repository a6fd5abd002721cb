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
