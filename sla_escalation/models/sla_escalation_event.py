from odoo import api, fields, models
from odoo.addons.sla_contract.models.sla_clock import METRICS

STATES = [
    ("done", "Escalated"),
    ("skipped", "Condition not met"),
    ("failed", "Failed"),
]


class SlaEscalationEvent(models.Model):
    """One firing of a rule on a clock cycle: at most one per (clock, rule),
    which the database enforces."""

    _name = "sla.escalation.event"
    _description = "SLA Escalation Event"
    _order = "fired_at desc, id desc"
    _rec_name = "rule_id"

    clock_id = fields.Many2one(
        "sla.clock", required=True, ondelete="cascade", readonly=True
    )
    rule_id = fields.Many2one(
        "sla.escalation.rule", required=True, ondelete="restrict", readonly=True
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    metric = fields.Selection(METRICS, readonly=True)
    threshold_percent = fields.Float(string="Threshold (%)", readonly=True)
    level_name = fields.Char(string="Escalation Level", readonly=True)
    state = fields.Selection(STATES, required=True, default="done", readonly=True)
    due_at = fields.Datetime(
        string="Due", readonly=True, help="When the clock reached the threshold."
    )
    fired_at = fields.Datetime(string="Fired", readonly=True, index=True)
    late_minutes = fields.Float(
        readonly=True,
        help="Minutes between the threshold and the firing when the job ran "
        "late (server down); 0 when on time.",
    )
    notified_partner_ids = fields.Many2many(
        "res.partner", string="Notified", readonly=True
    )
    previous_user_id = fields.Many2one(
        "res.users", string="Was Assigned To", readonly=True
    )
    new_user_id = fields.Many2one("res.users", string="Reassigned To", readonly=True)
    activity_user_id = fields.Many2one(
        "res.users", string="Activity For", readonly=True
    )
    # the activity the step scheduled, while open: a reassignment hands it
    # over to the new agent
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null")
    customer_message_id = fields.Many2one("mail.message", readonly=True)
    follow_up_at = fields.Datetime(
        string="Follow-up By",
        readonly=True,
        help="When the account manager promised the customer to follow up.",
    )
    summary = fields.Text(string="Done", readonly=True)
    missing_roles = fields.Char(readonly=True)
    error = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "clock_rule_uniq",
            "unique(clock_id, rule_id)",
            "A rule fires once per clock cycle.",
        ),
    ]

    @api.model
    def _sla_escalation_domain(self):
        """What counts as an escalation, the one rule of the escalation
        rate: a step done by a rule that counts as escalation. A reminder to
        the ticket's own agent, a step whose condition was not met and a
        failed step are not escalations."""
        return [("state", "=", "done"), ("rule_id.is_escalation", "=", True)]

    def action_open_composer(self):
        """The customer message of the rule, prefilled for review."""
        self.ensure_one()
        template = self.rule_id.mail_template_id
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_model": "helpdesk.ticket",
                "default_res_ids": self.ticket_id.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_subtype_xmlid": "mail.mt_comment",
            },
        }

    def action_open_ticket(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
        }
