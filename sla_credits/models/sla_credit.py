from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..engine import credit_math

KIND_CREDIT = "credit"
KIND_ADJUSTMENT = "adjustment"
KINDS = [(KIND_CREDIT, "Service credit"), (KIND_ADJUSTMENT, "Adjustment")]

STATE_COMPUTED = "computed"
STATE_APPROVED = "approved"
STATE_APPLIED = "applied"
STATE_WAIVED = "waived"
STATES = [
    (STATE_COMPUTED, "Computed"),
    (STATE_APPROVED, "Approved"),
    (STATE_APPLIED, "Applied"),
    (STATE_WAIVED, "Waived"),
]
# A credit in these states is a closed fact: re-running never rewrites it.
LOCKED_STATES = (STATE_APPROVED, STATE_APPLIED, STATE_WAIVED)
LIVE_MOVE_STATES = ("draft", "posted")

# The figures a period's evaluation writes; what the description is made of.
FIGURE_FIELDS = (
    "tickets",
    "tickets_within",
    "has_rate",
    "compliance_rate",
    "band_label",
    "compliance_credit_percent",
    "right_to_terminate",
    "month_minutes",
    "downtime_minutes",
    "excluded_minutes",
    "allowed_minutes",
    "excess_minutes",
    "uptime_percent",
    "uptime_credit_percent",
    "fee",
    "cap_percent",
    "capped",
    "credit_percent",
    "amount",
    "grace",
    "grace_reason",
    "description",
    # The terms the month was priced on, with its fee and cap: a closed month
    # keeps them, and a late correction is priced on them.
    "band_table",
    "uptime_guarantee",
    "notice_hours",
    "maintenance_allowance_hours",
    "per_started_hour",
)


def bands_to_json(bands):
    """A band table as stored on a credit: JSON, from the lowest rate up."""
    return [
        {
            "lower": float(band.lower),
            "upper": float(band.upper),
            "credit_percent": float(band.credit_percent),
            "right_to_terminate": bool(band.right_to_terminate),
        }
        for band in sorted(bands, key=lambda b: b.lower)
    ]


def bands_from_json(rows):
    """The bands stored on a credit, validated (``ValueError`` if not)."""
    return credit_math.validate_bands(
        credit_math.Band(
            row["lower"], row["upper"], row["credit_percent"], row["right_to_terminate"]
        )
        for row in rows
    )


class SlaCredit(models.Model):
    _name = "sla.credit"
    _description = "SLA Service Credit"
    _inherit = ["mail.thread"]
    _order = "period_start desc, contract_id, kind, id"
    _rec_names_search = ["contract_id", "partner_id"]
    # Figures are written by the evaluation only; people discuss them.
    _mail_post_access = "read"

    contract_id = fields.Many2one(
        "contract.contract", required=True, ondelete="restrict", readonly=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    partner_id = fields.Many2one(related="contract_id.partner_id", store=True)
    tier_id = fields.Many2one("sla.tier", readonly=True)
    account_manager_id = fields.Many2one(
        related="contract_id.sla_account_manager_id", string="Account Manager"
    )
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    period_start = fields.Date(string="Period", required=True, readonly=True)
    period_label = fields.Char(string="Month", compute="_compute_period_label")
    period_end = fields.Date(
        required=True, readonly=True, help="First day after the period."
    )
    kind = fields.Selection(KINDS, required=True, default=KIND_CREDIT, readonly=True)
    corrects_id = fields.Many2one(
        "sla.credit",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
        help="The closed credit whose figures this adjustment corrects.",
    )
    decision = fields.Selection(
        [("pending", "Pending"), ("approved", "Approved"), ("waived", "Waived")],
        default="pending",
        required=True,
        readonly=True,
        tracking=True,
    )
    # Not tracked: the decision is, and an invoice line per credit would
    # otherwise log a message each at invoicing.
    state = fields.Selection(
        STATES,
        compute="_compute_state",
        store=True,
        index=True,
    )
    decided_by_id = fields.Many2one("res.users", readonly=True)
    decided_at = fields.Datetime(readonly=True)
    waive_reason = fields.Text(readonly=True, tracking=True)
    grace = fields.Boolean(
        string="Would Have Been",
        readonly=True,
        help="Computed in the grace period or in measurement-only mode: shown, "
        "never invoiced.",
    )
    grace_reason = fields.Char(readonly=True)
    tickets = fields.Integer(readonly=True)
    tickets_within = fields.Integer(string="Within SLA", readonly=True)
    has_rate = fields.Boolean(readonly=True)
    compliance_rate = fields.Float(
        string="Compliance (%)", digits=(6, 2), readonly=True, aggregator="avg"
    )
    band_label = fields.Char(string="Band", readonly=True)
    compliance_credit_percent = fields.Float(
        string="Compliance Credit (%)", digits=(6, 3), readonly=True
    )
    right_to_terminate = fields.Boolean(readonly=True)
    month_minutes = fields.Float(readonly=True, aggregator=None)
    downtime_minutes = fields.Float(string="Downtime (min)", readonly=True)
    excluded_minutes = fields.Float(string="Excluded Maintenance (min)", readonly=True)
    allowed_minutes = fields.Float(
        string="Allowed Downtime (min)", readonly=True, aggregator=None
    )
    excess_minutes = fields.Float(string="Excess Downtime (min)", readonly=True)
    uptime_percent = fields.Float(
        string="Uptime (%)", digits=(7, 4), readonly=True, aggregator="avg"
    )
    uptime_credit_percent = fields.Float(
        string="Uptime Credit (%)", digits=(6, 3), readonly=True
    )
    fee = fields.Monetary(string="Period Fee", readonly=True)
    cap_percent = fields.Float(string="Cap (%)", readonly=True, aggregator=None)
    capped = fields.Boolean(readonly=True)
    credit_percent = fields.Float(string="Credit (%)", digits=(6, 3), readonly=True)
    # The terms the month was priced on, whatever the contract says later.
    band_table = fields.Json(
        string="Bands Used",
        readonly=True,
        help="The compliance bands the month was priced on (lower, upper, "
        "credit % and right to terminate of each).",
    )
    band_table_text = fields.Text(
        string="Compliance Bands", compute="_compute_band_table_text"
    )
    uptime_guarantee = fields.Float(
        string="Uptime Guarantee (%)", digits=(6, 3), readonly=True, aggregator=None
    )
    notice_hours = fields.Float(
        string="Maintenance Notice (h)", readonly=True, aggregator=None
    )
    maintenance_allowance_hours = fields.Float(
        string="Maintenance Allowance (h)", readonly=True, aggregator=None
    )
    per_started_hour = fields.Boolean(
        string="Uptime Credit per Started Hour", readonly=True
    )
    amount = fields.Monetary(readonly=True, tracking=True)
    description = fields.Text(
        readonly=True, help="The text of the invoice line: why this credit."
    )
    computed_at = fields.Datetime(readonly=True)
    corrections_checked_at = fields.Datetime(
        readonly=True, help="When later facts were last checked against it."
    )
    invoice_line_ids = fields.One2many(
        "account.move.line",
        "sla_credit_id",
        readonly=True,
        groups="account.group_account_invoice",
    )
    invoice_id = fields.Many2one(
        "account.move",
        compute="_compute_invoice_id",
        groups="account.group_account_invoice",
    )

    _sql_constraints = [
        (
            "period_kind_uniq",
            "unique NULLS NOT DISTINCT (contract_id, period_start, kind, corrects_id)",
            "A contract has one credit per period and kind.",
        ),
    ]

    @api.depends("decision", "invoice_line_ids.parent_state")
    def _compute_state(self):
        for credit in self:
            lines = credit.sudo().invoice_line_ids
            if credit.decision == "waived":
                credit.state = STATE_WAIVED
            elif any(
                state in LIVE_MOVE_STATES for state in lines.mapped("parent_state")
            ):
                credit.state = STATE_APPLIED
            elif credit.decision == "approved":
                credit.state = STATE_APPROVED
            else:
                credit.state = STATE_COMPUTED

    @api.depends("band_table")
    def _compute_band_table_text(self):
        pct = credit_math.format_percent
        for credit in self:
            lines = []
            for row in reversed(credit.band_table or []):
                lower = credit_math.to_decimal(row["lower"])
                upper = credit_math.to_decimal(row["upper"])
                label = (
                    f"{pct(lower)}%+"
                    if upper == credit_math.HUNDRED
                    else f"{pct(lower)}-{pct(upper)}%"
                )
                line = self.env._(
                    "%(band)s: %(credit)s%%",
                    band=label,
                    credit=pct(credit_math.to_decimal(row["credit_percent"])),
                )
                if row.get("right_to_terminate"):
                    line += self.env._(", right to terminate")
                lines.append(line)
            credit.band_table_text = "\n".join(lines) or False

    def _compute_period_label(self):
        for credit in self:
            credit.period_label = credit.period_start and format_date(
                self.env, credit.period_start, date_format="MMMM y"
            )

    def _compute_invoice_id(self):
        for credit in self:
            live = credit.invoice_line_ids.filtered(
                lambda line: line.parent_state in LIVE_MOVE_STATES
            )
            credit.invoice_id = (live or credit.invoice_line_ids)[:1].move_id

    @api.depends("contract_id", "period_start", "kind")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for credit in self:
            period = credit.period_start and credit.period_start.strftime("%Y-%m")
            kind = kinds.get(credit.kind, "")
            credit.display_name = f"{credit.contract_id.display_name} {period} {kind}"

    # ------------------------------------------------------------------ actions

    def _check_can_decide(self):
        if not self.env.user.has_group("sla_credits.group_sla_credit_approver"):
            raise UserError(
                self.env._("Only credit approvers can approve or waive credits.")
            )
        for credit in self:
            if credit.state != STATE_COMPUTED:
                raise UserError(
                    self.env._(
                        "Credit %(credit)s is already %(state)s.",
                        credit=credit.display_name,
                        state=dict(
                            self._fields["state"]._description_selection(self.env)
                        )[credit.state].lower(),
                    )
                )
            if credit.grace:
                raise UserError(
                    self.env._(
                        "Credit %(credit)s is only what would have been owed "
                        "(%(reason)s): it is never invoiced.",
                        credit=credit.display_name,
                        reason=credit.grace_reason,
                    )
                )

    def action_approve(self):
        self._check_can_decide()
        self.sudo()._decide("approved")

    def action_waive(self, reason=None):
        self._check_can_decide()
        self.sudo()._decide("waived", reason)

    def action_open_waive_wizard(self):
        self._check_can_decide()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Waive credit"),
            "res_model": "sla.credit.waive.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids, "active_model": self._name},
        }

    def _decide(self, decision, reason=None):
        vals = {
            "decision": decision,
            "decided_by_id": self.env.uid,
            "decided_at": fields.Datetime.now(),
        }
        if reason:
            vals["waive_reason"] = reason
        self.write(vals)
        if decision == "approved":
            self._refund_where_no_invoice_follows()

    def _refund_where_no_invoice_follows(self):
        """An ended contract has no next invoice to carry its credits: they go
        on a credit note at once. A negative adjustment (the customer owes)
        stays approved for the account manager to settle."""
        for contract in self.contract_id:
            if contract._sla_has_next_invoice():
                continue
            todo = self.filtered(
                lambda c, k=contract: (
                    c.contract_id == k
                    and c.state == STATE_APPROVED
                    and not c.grace
                    and c.amount > 0
                )
            )
            if todo:
                contract._sla_refund_credits(todo)

    # ------------------------------------------------------------------ invoicing

    @api.model
    def _invoiceable(self, contracts):
        """Approved credits of ``contracts`` that no live invoice carries; an
        invoice takes those whose period ended by its date."""
        return self.sudo().search(
            [
                ("contract_id", "in", contracts.ids),
                ("state", "=", STATE_APPROVED),
                ("grace", "=", False),
                ("amount", "!=", 0),
            ],
            order="period_start, kind, id",
        )

    def _prepare_invoice_line(self, sequence):
        self.ensure_one()
        product = self.env.ref("sla_credits.product_service_credit")
        return {
            "product_id": product.id,
            "name": self.description,
            "quantity": 1.0,
            "price_unit": -self.amount,
            "sequence": sequence,
            "sla_credit_id": self.id,
        }
