from odoo import api, fields, models
from odoo.addons.sla_contract.models.sla_clock import METRICS
from odoo.exceptions import ValidationError

CONDITIONS = [
    ("always", "Always"),
    ("no_response", "No response yet"),
    ("no_progress", "No progress since the previous level"),
    ("stalled", "Stalled"),
]
ENGINEERING_MODES = [
    ("none", "No"),
    ("move", "Move the ticket to the engineering team"),
    ("followers", "Add the engineering team as followers"),
]
CUSTOMER_MODES = [
    ("none", "No"),
    ("send", "Send automatically"),
    ("review", "Prepare for the account manager to review and send"),
]


class SlaEscalationRule(models.Model):
    """One line of the escalation matrix: at a share of a clock's target,
    when a condition holds, do these actions."""

    _name = "sla.escalation.rule"
    _description = "SLA Escalation Rule"
    _inherit = ["mail.thread"]
    _order = "sequence, metric, threshold_percent, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        tracking=True,
    )
    metric = fields.Selection(METRICS, required=True, tracking=True)
    threshold_percent = fields.Float(
        string="Threshold (%)",
        required=True,
        tracking=True,
        help="Share of the clock's target, in business time, at which the "
        "rule fires. Above 100 fires after the breach.",
    )
    condition = fields.Selection(
        CONDITIONS,
        required=True,
        default="always",
        tracking=True,
        help="Checked when the threshold is reached; a rule whose condition "
        "does not hold is recorded as skipped and does not fire later in "
        "the same clock cycle.\n"
        "No response yet: no public reply to the customer since the clock "
        "started.\n"
        "No progress: no public reply and no stage change since the previous "
        "escalation of the clock (or its start).\n"
        "Stalled: no public reply and no stage change for the stalled share "
        "of the target.",
    )
    stalled_percent = fields.Float(
        string="Stalled after (%)",
        default=25.0,
        help="Share of the target without a reply or a stage change that "
        "makes a ticket stalled.",
    )
    tier_ids = fields.Many2many(
        "sla.tier",
        string="Tiers",
        help="The tiers the rule applies to; every tier when empty.",
    )
    level_name = fields.Char(
        string="Escalation Level",
        translate=True,
        help="How the customer's message names this level, e.g. 'our senior "
        "engineering team'.",
    )
    notify_role_ids = fields.Many2many(
        "sla.escalation.role",
        "sla_escalation_rule_notify_role_rel",
        "rule_id",
        "role_id",
        string="Notify",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Activity",
        help="An activity to schedule on the ticket.",
    )
    activity_role_id = fields.Many2one("sla.escalation.role", string="Activity For")
    activity_summary = fields.Char(translate=True)
    activity_note = fields.Html(translate=True)
    reassign_senior = fields.Boolean(
        string="Reassign to a Senior Agent",
        tracking=True,
        help="Give the ticket to the least-loaded senior agent of its team.",
    )
    engineering_mode = fields.Selection(
        ENGINEERING_MODES,
        string="Escalate to Engineering",
        required=True,
        default="none",
        tracking=True,
    )
    engineering_team_id = fields.Many2one(
        "helpdesk.ticket.team",
        help="The company's engineering team when empty.",
    )
    customer_message = fields.Selection(
        CUSTOMER_MODES,
        required=True,
        default="none",
        tracking=True,
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Message Template",
        domain=[("model", "=", "helpdesk.ticket")],
        default=lambda self: self.env.ref(
            "sla_escalation.mail_template_proactive_escalation",
            raise_if_not_found=False,
        ),
    )
    follow_up_hours = fields.Float(
        string="Follow-up Within (h)",
        default=2.0,
        help="Business hours within which the account manager follows up, "
        "as promised in the customer's message.",
    )
    is_escalation = fields.Boolean(
        string="Counts as Escalation",
        default=True,
        help="An alert to the ticket's own agent is a reminder, not an "
        "escalation: it does not count in the escalation rate.",
    )
    event_count = fields.Integer(compute="_compute_event_count")

    @api.constrains("threshold_percent", "stalled_percent")
    def _check_percent(self):
        for rule in self:
            if rule.threshold_percent <= 0:
                raise ValidationError(
                    self.env._("An escalation threshold must be positive.")
                )
            if rule.condition == "stalled" and rule.stalled_percent <= 0:
                raise ValidationError(self.env._("A stalled share must be positive."))

    @api.constrains("customer_message", "mail_template_id")
    def _check_template(self):
        for rule in self:
            if rule.customer_message != "none" and not rule.mail_template_id:
                raise ValidationError(
                    self.env._("A customer message needs a message template.")
                )

    def _compute_event_count(self):
        counts = dict(
            self.env["sla.escalation.event"]._read_group(
                [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.event_count = counts.get(rule, 0)

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules._reschedule_open_clocks()
        return rules

    def write(self, vals):
        before = self.company_id
        res = super().write(vals)
        if {"active", "company_id", "metric", "threshold_percent", "tier_ids"} & set(
            vals
        ):
            self.env["sla.clock"]._sla_escalation_reschedule_companies(
                before | self.company_id
            )
        return res

    def unlink(self):
        companies = self.company_id
        res = super().unlink()
        self.env["sla.clock"]._sla_escalation_reschedule_companies(companies)
        return res

    def _reschedule_open_clocks(self):
        # A rule edit reaches open tickets at once, not at their next event.
        self.env["sla.clock"]._sla_escalation_reschedule_companies(self.company_id)

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sla_escalation.sla_escalation_event_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action
