from odoo import api, fields, models

CAUSES = [
    ("resource", "Resource"),
    ("process", "Process"),
    ("technical", "Technical"),
]
ESCALATION_OUTCOMES = [
    ("not_triggered", "Not triggered"),
    ("worked", "Triggered, worked"),
    ("failed", "Triggered, did not work"),
]

ANALYSIS_FIELDS = (
    "what_happened",
    "cause",
    "cause_details",
    "escalation_outcome",
    "escalation_notes",
    "customer_impact",
    "corrective_action",
)


class SlaBreach(models.Model):
    """A breached SLA clock and its root-cause analysis (five questions)."""

    _name = "sla.breach"
    _description = "SLA Breach"
    _inherit = ["mail.thread", "mail.activity.mixin", "sla.priority.order.mixin"]
    _order = "breached_at desc, id desc"

    clock_id = fields.Many2one(
        "sla.clock", required=True, ondelete="cascade", index=True
    )
    ticket_id = fields.Many2one(related="clock_id.ticket_id", store=True, index=True)
    metric = fields.Selection(related="clock_id.metric", store=True)
    tier_id = fields.Many2one(related="clock_id.tier_id", store=True)
    contract_id = fields.Many2one(related="clock_id.contract_id", store=True)
    partner_id = fields.Many2one(related="clock_id.partner_id", store=True)
    company_id = fields.Many2one(related="clock_id.company_id", store=True)
    ticket_priority = fields.Selection(related="clock_id.ticket_priority", store=True)
    deadline = fields.Datetime(related="clock_id.deadline")
    measurement_only = fields.Boolean(related="clock_id.measurement_only", store=True)
    target_minutes = fields.Integer(
        related="clock_id.target_minutes", string="Target (min)", aggregator="avg"
    )
    overdue_minutes = fields.Float(
        string="Overdue By (business min)",
        compute="_compute_overdue_minutes",
        help="Business time used beyond the target: as of now while the clock "
        "still runs, at its stop once stopped.",
    )
    breached_at = fields.Datetime(required=True, readonly=True)
    state = fields.Selection(
        [("new", "To analyse"), ("analysed", "Analysed")],
        default="new",
        required=True,
        tracking=True,
    )
    user_id = fields.Many2one("res.users", string="Analyst", tracking=True)
    # The root-cause analysis is the support organisation's own: customers
    # may see that a clock breached, never why.
    what_happened = fields.Text(
        help="Factual timeline of the incident.",
        groups="helpdesk_mgmt.group_helpdesk_user_own",
    )
    cause = fields.Selection(
        CAUSES,
        string="Why",
        tracking=True,
        groups="helpdesk_mgmt.group_helpdesk_user_own",
        help="Was it a resource issue, a process issue, or a technical issue?",
    )
    cause_details = fields.Text(groups="helpdesk_mgmt.group_helpdesk_user_own")
    escalation_outcome = fields.Selection(
        ESCALATION_OUTCOMES,
        string="Escalation",
        tracking=True,
        groups="helpdesk_mgmt.group_helpdesk_user_own",
        help="Was escalation triggered? If not, why not? If so, did it work?",
    )
    escalation_notes = fields.Text(groups="helpdesk_mgmt.group_helpdesk_user_own")
    customer_impact = fields.Text(
        help="Beyond the breach itself, what downstream consequences occurred?",
        groups="helpdesk_mgmt.group_helpdesk_user_own",
    )
    corrective_action = fields.Text(
        string="What we will change",
        help="Specific process, staffing, or tooling changes to prevent recurrence.",
        groups="helpdesk_mgmt.group_helpdesk_user_own",
    )

    _sql_constraints = [
        ("clock_uniq", "unique(clock_id)", "A clock breaches once."),
    ]

    @api.depends_context("sla_now")
    @api.depends("clock_id.used_minutes", "clock_id.target_minutes")
    def _compute_overdue_minutes(self):
        # A breach stays open as long as its clock runs: a figure stored at
        # the clock's last event would read 0 for every breach not yet
        # answered or closed.
        for breach in self:
            clock = breach.clock_id.sudo()
            breach.overdue_minutes = max(0.0, clock.used_minutes - clock.target_minutes)

    def _compute_display_name(self):
        for breach in self:
            breach.display_name = breach.clock_id.display_name

    @api.model
    def _create_for_clocks(self, clocks):
        todo = clocks.filtered(lambda c: not c.breach_ids)
        # The ticket's chatter says it; a "created" log per breach is noise.
        return self.with_context(mail_create_nolog=True).create(
            [
                {"clock_id": c.id, "breached_at": c.breached_at or c.deadline}
                for c in todo
            ]
        )

    def _sla_analysis_started(self):
        """Whether any of these breaches is being or has been analysed: such
        a breach is a fact people worked on, and is never deleted."""
        return any(
            breach.state != "new"
            or breach.user_id
            or any(breach[name] for name in ANALYSIS_FIELDS)
            for breach in self
        )

    def action_mark_analysed(self):
        self.write({"state": "analysed"})

    def action_reopen_analysis(self):
        self.write({"state": "new"})
