from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.addons.sla_contract.engine import replay as replay_engine
from odoo.exceptions import UserError

from ..engine import credit_math

# Public replies by internal users and stage moves of the tickets, oldest
# first, in one query: the history every tier is replayed on.
HISTORY_SQL = """
    SELECT m.res_id, m.date, m.id, 'reply', NULL::integer, NULL::integer
      FROM mail_message m
      JOIN mail_message_subtype s ON s.id = m.subtype_id
     WHERE m.model = 'helpdesk.ticket'
       AND m.res_id = ANY(%(tickets)s)
       AND m.message_type IN ('comment', 'email')
       AND NOT COALESCE(s.internal, FALSE)
       AND EXISTS (
           SELECT 1 FROM res_users u
            WHERE u.partner_id = m.author_id AND NOT u.share
       )
    UNION ALL
    SELECT m.res_id, m.date, m.id, 'stage', v.old_value_integer, v.new_value_integer
      FROM mail_tracking_value v
      JOIN mail_message m ON m.id = v.mail_message_id
      JOIN ir_model_fields f ON f.id = v.field_id
     WHERE f.model = 'helpdesk.ticket' AND f.name = 'stage_id'
       AND m.model = 'helpdesk.ticket'
       AND m.res_id = ANY(%(tickets)s)
     ORDER BY 2, 3
"""


class SlaTierWhatif(models.TransientModel):
    _name = "sla.tier.whatif"
    _description = "Tier What-If"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        domain="[('is_company', '=', True)]",
    )
    contract_id = fields.Many2one(
        "contract.contract",
        domain="[('partner_id', 'child_of', partner_id), "
        "('contract_type', '=', 'sale')]",
        help="Gives the monthly fee and the tier sold today.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(days=90),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    fee = fields.Monetary(
        string="Monthly Fee",
        help="What a month of the contract costs: credits are shares of it.",
    )
    ticket_count = fields.Integer(string="Tickets Replayed", readonly=True)
    line_ids = fields.One2many("sla.tier.whatif.line", "whatif_id", readonly=True)

    @api.onchange("contract_id")
    def _onchange_contract_id(self):
        contract = self.contract_id
        if contract:
            today = fields.Date.context_today(self)
            start = today.replace(day=1)
            fees = self.env["sla.credit.evaluation"]._load_fees(
                contract, start, start + relativedelta(months=1)
            )
            fee = fees.get(contract.id)
            self.fee = float(fee) if isinstance(fee, Decimal) else 0.0

    def action_compute(self):
        self.ensure_one()
        if self.date_to < self.date_from:
            raise UserError(self.env._("The period ends before it starts."))
        results = self._replay_all()
        self.line_ids = [(5, 0, 0)] + [(0, 0, values) for values in results]
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Tier what-if"),
        }

    # ------------------------------------------------------------------ replay

    def _tickets(self):
        start = datetime.combine(self.date_from, time.min)
        end = datetime.combine(self.date_to, time.min) + timedelta(days=1)
        return (
            self.env["helpdesk.ticket"]
            .sudo()
            .search_read(
                [
                    (
                        "commercial_partner_id",
                        "=",
                        self.partner_id.commercial_partner_id.id,
                    ),
                    ("company_id", "=", self.company_id.id),
                    ("create_date", ">=", start),
                    ("create_date", "<", end),
                ],
                ["create_date", "priority", "stage_id"],
            )
        )

    def _timelines(self, tickets):
        """{ticket id: (priority, Timeline)} from one history query."""
        flags = self.env["helpdesk.ticket.stage"]._sla_stage_flags()
        self.env.flush_all()
        self.env.cr.execute(HISTORY_SQL, {"tickets": [t["id"] for t in tickets]})
        events = defaultdict(list)
        first_stage = {}
        for ticket_id, at, _id, kind, old, new in self.env.cr.fetchall():
            if kind == "stage":
                first_stage.setdefault(ticket_id, old)
                events[ticket_id].append((at, kind, new))
            else:
                events[ticket_id].append((at, kind, None))
        return {
            ticket["id"]: (
                ticket["priority"],
                replay_engine.timeline(
                    ticket["create_date"],
                    events[ticket["id"]],
                    first_stage.get(ticket["id"], ticket["stage_id"][0]),
                    flags,
                ),
            )
            for ticket in tickets
        }

    def _replay_all(self):
        tickets = self._tickets()
        self.ticket_count = len(tickets)
        timelines = self._timelines(tickets)
        now = min(
            fields.Datetime.now(),
            datetime.combine(self.date_to, time.min) + timedelta(days=1),
        )
        tiers = (
            self.env["sla.tier"]
            .sudo()
            .search([("company_id", "in", (self.company_id.id, False))])
        )
        band_model = self.env["sla.credit.band"]
        bands_by_tier = band_model._bands_of(tiers)
        rounding = credit_math.to_decimal(self.currency_id.rounding)
        results = []
        for tier in tiers:
            targets = {
                target.priority_id.ticket_priority: (
                    target.response_minutes,
                    target.resolution_minutes,
                )
                for target in tier.target_ids
            }
            engine = tier.calendar_id._sla_work_calendar(self.company_id.id)
            months = defaultdict(lambda: [0, 0])  # month: [tickets, within]
            counted = within = breached = 0
            for priority, line in timelines.values():
                if priority not in targets:
                    continue
                outcome = replay_engine.replay(line, engine, *targets[priority], now)
                if outcome.day is None:
                    continue
                counted += 1
                month = months[outcome.day.replace(day=1)]
                month[0] += 1
                if outcome.breached:
                    breached += 1
                else:
                    within += 1
                    month[1] += 1
            bands = bands_by_tier.get(tier.id) or credit_math.DEFAULT_BANDS
            credit = sum(
                (
                    credit_math.credit_amount(
                        self.fee,
                        credit_math.compliance_credit_percent(
                            credit_math.compliance_rate(ok, total), bands
                        ),
                        rounding,
                    )
                    for total, ok in months.values()
                ),
                Decimal(0),
            )
            results.append(
                {
                    "tier_id": tier.id,
                    "current": tier == self.contract_id.sla_tier_id,
                    "tickets": counted,
                    "within": within,
                    "breached": breached,
                    "compliance": 100.0 * within / counted if counted else 0.0,
                    "credits": float(credit),
                }
            )
        return results


class SlaTierWhatifLine(models.TransientModel):
    _name = "sla.tier.whatif.line"
    _description = "Tier What-If Result"
    _order = "sequence, id"

    whatif_id = fields.Many2one("sla.tier.whatif", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="whatif_id.currency_id")
    tier_id = fields.Many2one("sla.tier", required=True)
    sequence = fields.Integer(related="tier_id.sequence")
    current = fields.Boolean(string="Sold Today")
    tickets = fields.Integer(string="Tickets Counted")
    within = fields.Integer(string="Within SLA")
    breached = fields.Integer()
    compliance = fields.Float(string="Compliance (%)", digits=(6, 2))
    credits = fields.Monetary(string="Credits Owed")
