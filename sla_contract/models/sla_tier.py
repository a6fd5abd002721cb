from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

DEDICATED_CONTACTS = [
    ("shared_queue", "Shared queue"),
    ("named_team", "Named team"),
    ("dedicated_engineer", "Dedicated engineer"),
    ("dedicated_team", "Dedicated team"),
]
REPORTING_CADENCES = [
    ("quarterly_report", "Quarterly report"),
    ("monthly_report", "Monthly report"),
    ("weekly_report", "Weekly report"),
    ("realtime_dashboard", "Real-time dashboard"),
]


class SlaTier(models.Model):
    _name = "sla.tier"
    _description = "SLA Tier"
    _inherit = ["mail.thread", "sla.cache.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(
        default=10, help="Lower comes first; the best tier wins when several apply."
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the tier between companies."
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Support Hours",
        required=True,
        tracking=True,
        help="Targets count only this calendar's working time and skip its "
        "public holidays (global leaves).",
    )
    uptime_guarantee = fields.Float(
        string="Uptime Guarantee (%)", digits=(5, 3), tracking=True
    )
    dedicated_contact = fields.Selection(
        DEDICATED_CONTACTS,
        string="Dedicated Contacts",
        required=True,
        default="shared_queue",
        tracking=True,
    )
    reporting_cadence = fields.Selection(
        REPORTING_CADENCES, required=True, default="quarterly_report", tracking=True
    )
    at_risk_percent = fields.Float(
        string="At Risk From (%)",
        default=75.0,
        tracking=True,
        help="A clock turns yellow once it has used this share of its target.",
    )
    target_ids = fields.One2many(
        "sla.tier.target", "tier_id", string="Targets", copy=True
    )
    description = fields.Html(translate=True)
    contract_count = fields.Integer(compute="_compute_contract_count")

    _sql_constraints = [
        (
            "uptime_range",
            "CHECK(uptime_guarantee >= 0 AND uptime_guarantee <= 100)",
            "The uptime guarantee is a percentage between 0 and 100.",
        ),
        (
            "at_risk_range",
            "CHECK(at_risk_percent > 0 AND at_risk_percent < 100)",
            "The at-risk threshold is a percentage strictly between 0 and 100.",
        ),
    ]

    def _compute_contract_count(self):
        groups = self.env["contract.contract"]._read_group(
            [("sla_tier_id", "in", self.ids)], ["sla_tier_id"], ["__count"]
        )
        counts = {tier.id: count for tier, count in groups}
        for tier in self:
            tier.contract_count = counts.get(tier.id, 0)

    @api.constrains("target_ids", "active")
    def _check_all_priorities(self):
        priorities = self.env["sla.priority"].search([("active", "=", True)])
        for tier in self.filtered("active"):
            missing = priorities - tier.target_ids.priority_id
            if missing:
                raise ValidationError(
                    self.env._(
                        "SLA tier %(tier)s must define response and resolution "
                        "targets for every priority; missing: %(missing)s.",
                        tier=tier.name,
                        missing=", ".join(missing.mapped("display_name")),
                    )
                )

    @api.constrains("calendar_id", "active")
    def _check_calendar(self):
        for tier in self.filtered("active"):
            reason = tier.calendar_id._sla_unusable_reason()
            if reason:
                raise ValidationError(
                    self.env._(
                        "SLA tier %(tier)s cannot use these support hours. %(reason)s",
                        tier=tier.name,
                        reason=reason,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        tiers = super().create(vals_list)
        tiers.calendar_id._sla_mark_used()
        return tiers

    def write(self, vals):
        res = super().write(vals)
        if "calendar_id" in vals:
            self.calendar_id._sla_mark_used()
        if {"calendar_id", "at_risk_percent"} & set(vals):
            self._reapply_to_open_tickets()
        return res

    @tools.ormcache("self.id")
    def _sla_rules(self):
        """What a ticket of this tier measures, read once per worker.

        {"calendar_id", "at_risk_percent", "targets": {ticket priority:
        (response minutes, resolution minutes)}}; edits of tiers, targets or
        priorities clear it.
        """
        self.ensure_one()
        return {
            "calendar_id": self.calendar_id.id,
            "at_risk_percent": self.at_risk_percent,
            "targets": {
                t.priority_id.ticket_priority: (
                    t.response_minutes,
                    t.resolution_minutes,
                )
                for t in self.target_ids
            },
        }

    def _reapply_to_open_tickets(self):
        """Policy edits apply to open tickets at once, not at their next event."""
        self.env["helpdesk.ticket"]._sla_reapply_open([("sla_tier_id", "in", self.ids)])

    def _target_for(self, ticket_priority):
        """The tier's target line for a helpdesk priority value."""
        self.ensure_one()
        return self.target_ids.filtered(
            lambda t: t.priority_id.ticket_priority == ticket_priority
        )[:1]

    def action_view_contracts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "contract.action_customer_contract"
        )
        action["domain"] = [("sla_tier_id", "=", self.id)]
        action["context"] = {"default_sla_tier_id": self.id}
        return action
