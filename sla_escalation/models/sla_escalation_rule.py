from odoo import api, fields, models
from odoo.addons.sla_contract.models.sla_clock import METRICS
from odoo.exceptions import ValidationError

from ..engine import escalation_math
from ..engine.escalation_math import Threshold

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
# What decides which thresholds a rule fires at: changing one of these makes
# the rule apply anew, from the change on.
EFFECT_FIELDS = ("active", "company_id", "metric", "threshold_percent", "tier_ids")


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
    effective_from = fields.Datetime(
        string="In Effect From",
        readonly=True,
        copy=False,
        tracking=True,
        help="The rule fires at the thresholds reached from this instant on; "
        "set when the rule is created, activated, or its metric, threshold, "
        "tiers or company change. Open tickets already past the threshold "
        "then do not escalate, unless the rule is applied to open tickets "
        "now. Empty: the rule applies to every threshold.",
    )
    # A decision taken with one save, not a setting: it is never stored, so
    # that a later edit does not apply to the past again unasked.
    apply_to_open = fields.Boolean(
        string="Apply to Open Tickets Now",
        compute="_compute_apply_to_open",
        inverse="_inverse_apply_to_open",
        help="Also fire, as soon as the rule is saved, on the open tickets "
        "already past its threshold. Unticked, the rule fires only at the "
        "thresholds reached from now on.",
    )
    apply_to_open_count = fields.Integer(
        string="Open Clocks Past the Threshold",
        compute="_compute_apply_to_open_count",
        help="Open, counting clocks already past this threshold on which the "
        "rule has not fired: what applying it to open tickets now fires at "
        "once.",
    )
    apply_to_open_warning = fields.Char(compute="_compute_apply_to_open_count")
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

    def _compute_apply_to_open(self):
        self.apply_to_open = False

    def _inverse_apply_to_open(self):
        # create() and write() read it with the values it goes with
        return

    @api.depends(
        "active",
        "company_id",
        "metric",
        "threshold_percent",
        "tier_ids",
        "apply_to_open",
    )
    def _compute_apply_to_open_count(self):
        now = fields.Datetime.now()
        for rule in self:
            count = rule._sla_past_threshold_count(now)
            rule.apply_to_open_count = count
            if not count:
                rule.apply_to_open_warning = False
            elif rule.apply_to_open:
                rule.apply_to_open_warning = self.env._(
                    "%(count)s open clocks are already past this threshold and "
                    "would fire now.",
                    count=count,
                )
            else:
                rule.apply_to_open_warning = self.env._(
                    "%(count)s open clocks are already past this threshold: "
                    "they do not fire unless you tick Apply to Open Tickets Now.",
                    count=count,
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
        now = fields.Datetime.now()
        for vals in vals_list:
            if vals.pop("apply_to_open", False):
                vals["effective_from"] = False
            else:
                vals.setdefault("effective_from", now)
        rules = super().create(vals_list)
        rules._reschedule_open_clocks()
        return rules

    def write(self, vals):
        apply_now = vals.pop("apply_to_open", False)
        watched = set(EFFECT_FIELDS) & set(vals)
        if not watched and not apply_now:
            return super().write(vals)
        before_company = self.company_id
        before = {rule.id: rule._sla_effect_key() for rule in self}
        res = super().write(vals)
        if apply_now:
            self.write({"effective_from": False})
        else:
            # Only what really changed: saving the same values again must
            # not move the instant the rule took effect.
            changed = self.filtered(
                lambda rule: rule.active and rule._sla_effect_key() != before[rule.id]
            )
            if changed:
                changed.write({"effective_from": fields.Datetime.now()})
        self.env["sla.clock"]._sla_escalation_reschedule_companies(
            before_company | self.company_id
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

    def _sla_effect_key(self):
        self.ensure_one()
        return (
            self.active,
            self.company_id.id,
            self.metric,
            self.threshold_percent,
            frozenset(self.tier_ids.ids),
        )

    def _sla_past_threshold_count(self, now):
        """How many open, counting clocks this rule, as edited, has not fired
        on and whose threshold is already behind them at `now`."""
        self.ensure_one()
        if not (self.active and self.metric and self.threshold_percent > 0):
            return 0
        company = self.company_id or self.env.company
        rule_id = self._origin.id or 0
        Clock = self.env["sla.clock"].sudo()
        Clock.flush_model()
        self.env["sla.escalation.event"].flush_model(["clock_id", "rule_id"])
        # Business minutes never outrun calendar minutes: a clock whose
        # calendar time since its start is short of the threshold cannot be
        # past it, so only the others are counted in business time.
        query = """
            SELECT c.id FROM sla_clock c
             WHERE c.stopped_at IS NULL AND c.paused_since IS NULL
               AND c.company_id = %(company)s AND c.metric = %(metric)s
               AND c.start_at + make_interval(secs => 60 * (
                       c.target_minutes * %(percent)s / 100.0
                       + COALESCE(c.paused_minutes, 0))) <= %(now)s
               AND NOT EXISTS (SELECT 1 FROM sla_escalation_event e
                                WHERE e.clock_id = c.id AND e.rule_id = %(rule)s)
        """
        params = {
            "company": company.id,
            "metric": self.metric,
            "percent": self.threshold_percent,
            "now": now,
            "rule": rule_id,
        }
        if self.tier_ids:
            query += " AND c.tier_id IN %(tiers)s"
            params["tiers"] = tuple(self.tier_ids._origin.ids)
        self.env.cr.execute(query, params)
        clocks = Clock.browse([row[0] for row in self.env.cr.fetchall()])
        return sum(
            1
            for clock in clocks
            if escalation_math.due(
                [
                    Threshold(
                        rule_id,
                        clock._instant_at(self.threshold_percent),
                        self.threshold_percent,
                        self.sequence,
                    )
                ],
                set(),
                now,
            )
        )

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sla_escalation.sla_escalation_event_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action
