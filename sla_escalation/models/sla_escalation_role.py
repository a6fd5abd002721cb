from odoo import fields, models

ROLES = [
    ("agent", "Assigned agent"),
    ("senior", "Senior agents"),
    ("team_lead", "Team lead"),
    ("engineering_lead", "Engineering lead"),
    ("manager", "Manager"),
    ("account_manager", "Account manager"),
    ("director", "Director"),
    ("vp", "VP"),
]


class SlaEscalationRole(models.Model):
    """Who an escalation reaches, resolved per ticket when it fires."""

    _name = "sla.escalation.role"
    _description = "SLA Escalation Role"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    code = fields.Selection(ROLES, required=True)
    description = fields.Char(
        translate=True, help="Where the role is set for a ticket."
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "There is one role per code."),
    ]
