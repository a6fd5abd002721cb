from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    sla_escalation_manager_id = fields.Many2one(
        "res.users",
        string="Escalation Manager",
        help="The manager escalations reach when the ticket's team names none.",
    )
    sla_director_id = fields.Many2one("res.users", string="Support Director")
    sla_vp_id = fields.Many2one("res.users", string="Support VP")
    sla_engineering_team_id = fields.Many2one(
        "helpdesk.ticket.team",
        string="Engineering Team",
        help="The team tickets are escalated to when a rule names none; its "
        "leader is the engineering lead.",
    )
