from odoo import api, fields, models, tools

TICKET_PRIORITIES = [
    ("3", "Very High"),
    ("2", "High"),
    ("1", "Medium"),
    ("0", "Low"),
]


class SlaPriority(models.Model):
    _name = "sla.priority"
    _inherit = ["sla.cache.mixin"]
    _description = "SLA Priority Definition"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    code = fields.Char(required=True, help="Short code shown to agents, e.g. P1.")
    name = fields.Char(required=True, translate=True)
    ticket_priority = fields.Selection(
        TICKET_PRIORITIES,
        required=True,
        help="The helpdesk ticket priority this definition applies to.",
    )
    definition = fields.Text(translate=True)
    business_impact = fields.Text(translate=True)
    example = fields.Text(translate=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "ticket_priority_uniq",
            "unique(ticket_priority)",
            "Each ticket priority has one SLA definition.",
        ),
    ]

    @api.model
    @tools.ormcache()
    def _by_ticket_priority(self):
        """{helpdesk priority value: active definition id}."""
        return {p.ticket_priority: p.id for p in self.search([("active", "=", True)])}

    def _compute_display_name(self):
        for priority in self:
            priority.display_name = f"{priority.code} - {priority.name}"
