from collections import defaultdict
from datetime import datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.addons.sla_contract.engine import replay as replay_engine
from odoo.addons.sla_contract.models.public_reply import public_reply_sql
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import credit_math


def history_sql(ticket_ids):
    """The public replies (the one rule of models/public_reply.py) and stage
    moves of the tickets, oldest first, in one query: the history every
    tier is replayed on. A message both moving and replying is a move
    first, as the live clocks read it (helpdesk.ticket._sla_history)."""
    return SQL(
        """
    SELECT m.res_id, m.date, m.id, 'reply' AS kind,
           NULL::integer, NULL::integer
      FROM mail_message m
      JOIN mail_message_subtype s ON s.id = m.subtype_id
     WHERE m.model = 'helpdesk.ticket'
       AND m.res_id = ANY(%(tickets)s)
       AND %(public)s
    UNION ALL
    SELECT m.res_id, m.date, m.id, 'stage' AS kind,
           v.old_value_integer, v.new_value_integer
      FROM mail_tracking_value v
      JOIN mail_message m ON m.id = v.mail_message_id
      JOIN ir_model_fields f ON f.id = v.field_id
     WHERE f.model = 'helpdesk.ticket' AND f.name = 'stage_id'
       AND m.model = 'helpdesk.ticket'
       AND m.res_id = ANY(%(tickets)s)
     ORDER BY 2, 3, 4 DESC
        """,
        tickets=list(ticket_ids),
        public=public_reply_sql("m", "s"),
    )


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
    note = fields.Text(
        string="Not Replayed As Measured",
        readonly=True,
        help="Tickets whose live clocks measured them on terms the replay "
        "cannot rebuild from their history: their figures on the tier sold "
        "may differ from the live ones.",
    )
    line_ids = fields.One2many("sla.tier.whatif.line", "whatif_id", readonly=True)

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        """Opened from a customer: the contract its tickets are measured on,
        which gives the fee and the tier sold."""
        customer = self.partner_id.commercial_partner_id
        if not customer or self.contract_id.commercial_partner_id == customer:
            return
        Contract = self.env["contract.contract"]
        contract = Contract._sla_contracts_for_partners(
            customer.ids, fields.Date.context_today(self), self.company_id.id
        ).get(customer.id)
        if not contract:
            # No SLA running today: the latest one sold, ended or not started.
            contract = Contract.search(
                [
                    ("commercial_partner_id", "=", customer.id),
                    ("contract_type", "=", "sale"),
                    ("sla_tier_id", "!=", False),
                    ("company_id", "in", (self.company_id.id, False)),
                ],
                order="sla_date_start desc, id desc",
                limit=1,
            )
        self.contract_id = contract

    @api.onchange("contract_id")
    def _onchange_contract_id(self):
        contract = self.contract_id
        if contract:
            # Opened from a contract: the customer is the one it is sold to.
            self.partner_id = contract.commercial_partner_id
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

    def _period_bounds(self):
        """The period as naive UTC bounds [start, end), the days cycles are
        counted in (their report_date)."""
        start = datetime.combine(self.date_from, time.min)
        end = datetime.combine(self.date_to, time.min) + timedelta(days=1)
        return start, end

    def _tickets(self):
        """The customer's tickets that may hold a cycle counted in the
        period: opened before its end, and open, or closed at its start or
        later (a cycle counts at its breach or its stop, never after the
        ticket's last closing)."""
        start, end = self._period_bounds()
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
                    ("create_date", "<", end),
                    "|",
                    "|",
                    ("stage_id.closed", "=", False),
                    ("closed_date", "=", False),
                    ("closed_date", ">=", start),
                ],
                ["create_date", "priority", "stage_id"],
                load=None,
            )
        )

    @api.model
    def _stage_flags(self):
        stages = (
            self.env["helpdesk.ticket.stage"]
            .sudo()
            .with_context(active_test=False)
            .search_read([("id", "!=", False)], ["closed", "sla_pause", "sla_cancel"])
        )
        return {
            stage["id"]: replay_engine.StageFlags(
                stage["closed"], stage["sla_pause"], stage["sla_cancel"]
            )
            for stage in stages
        }

    def _histories(self, tickets):
        """{ticket id: (created, first stage, events)} from one query."""
        self.env.flush_all()
        self.env.cr.execute(history_sql(t["id"] for t in tickets))
        events = defaultdict(list)
        first_stage = {}
        for ticket_id, at, _id, kind, old, new in self.env.cr.fetchall():
            if kind == "stage":
                first_stage.setdefault(ticket_id, old)
                events[ticket_id].append((at, replay_engine.STAGE, (old, new)))
            else:
                events[ticket_id].append((at, replay_engine.REPLY, None))
        return {
            ticket["id"]: (
                ticket["create_date"],
                first_stage.get(ticket["id"], ticket["stage_id"]),
                events[ticket["id"]],
            )
            for ticket in tickets
        }

    def _tiers(self):
        return (
            self.env["sla.tier"]
            .sudo()
            .search([("company_id", "in", (self.company_id.id, False))])
        )

    def _tier_terms(self, tier):
        """(calendar, {ticket priority: Terms}, problem) of `tier`: the tier
        sold runs on the contract's own support hours and counts for the
        contract, as helpdesk.ticket._sla_policy measures its tickets; any
        other tier on its own support hours."""
        contract = self.contract_id.sudo()
        sold = bool(contract) and tier == contract.sla_tier_id
        calendar = (contract.sla_calendar_id if sold else False) or tier.calendar_id
        company_id = self.company_id.id
        problem = (
            calendar._sla_calendar_problem(company_id)
            if calendar
            else self.env._("The tier has no support hours.")
        )
        if problem:
            return calendar, {}, problem
        engine = calendar._sla_work_calendar(company_id)
        contract_id = contract.id if sold else None
        rules = tier._sla_rules()
        return (
            calendar,
            {
                priority: replay_engine.Terms(engine, response, resolution, contract_id)
                for priority, (response, resolution) in rules["targets"].items()
            },
            False,
        )

    def _replay_tiers(self):
        """{tier: (calendar, {(ticket id, cycle number): Cycle}, problem)}
        and the tickets replayed: every tier's cycles of the customer's
        tickets, as of now."""
        tickets = self._tickets()
        histories = self._histories(tickets)
        flags = self._stage_flags()
        now = fields.Datetime.now()
        result = {}
        for tier in self._tiers():
            calendar, terms, problem = self._tier_terms(tier)
            cycles = {}
            for ticket in tickets:
                ticket_terms = terms.get(ticket["priority"])
                if not ticket_terms:
                    continue
                created, first_stage, events = histories[ticket["id"]]
                for cycle in replay_engine.replay(
                    created,
                    first_stage,
                    events,
                    stage_flags=flags,
                    terms=ticket_terms,
                    now=now,
                ):
                    cycles[(ticket["id"], cycle.number)] = cycle
            result[tier] = (calendar, cycles, problem)
        return result, tickets

    def _replay_all(self):
        replayed, tickets = self._replay_tiers()
        self.ticket_count = len(tickets)
        self.note = self._not_replayable_note(tickets)
        tiers = self.env["sla.tier"].union(*replayed)
        band_model = self.env["sla.credit.band"]
        bands_by_tier = band_model._bands_of(tiers)
        rounding = credit_math.to_decimal(self.currency_id.rounding)
        results = []
        for tier, (calendar, cycles, problem) in replayed.items():
            months = replay_engine.monthly(
                cycles.values(), self.date_from, self.date_to
            )
            counted = sum(total for total, _ok in months.values())
            within = sum(ok for _total, ok in months.values())
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
                    "calendar_id": calendar.id if calendar else False,
                    "current": tier == self.contract_id.sla_tier_id,
                    "tickets": counted,
                    "within": within,
                    "breached": counted - within,
                    "compliance": 100.0 * within / counted if counted else 0.0,
                    "credits": float(credit),
                    "problem": problem or False,
                }
            )
        return results

    def _not_replayable_note(self, tickets):
        """What the replay cannot rebuild from a history, counted on the
        replayed tickets from their live clocks: a priority changed after a
        clock stopped, a ticket measured on another contract (or switched),
        a clock measured on targets or support hours edited since. Open
        clocks follow such changes as if from the start, as the replay
        does; stopped ones keep what they were measured on."""
        if not tickets:
            return False
        priority = {t["id"]: t["priority"] for t in tickets}
        self.env["sla.clock"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT ticket_id, metric, ticket_priority, contract_id,
                          calendar_id, target_minutes
                     FROM sla_clock WHERE ticket_id = ANY(%s)""",
                list(priority),
            )
        )
        contract = self.contract_id.sudo()
        sold = {}
        calendar_id = None
        if contract.sla_tier_id:
            calendar, terms, _problem = self._tier_terms(contract.sla_tier_id)
            calendar_id = calendar.id if calendar else None
            sold = {
                (p, metric): getattr(t, metric)
                for p, t in terms.items()
                for metric in ("response", "resolution")
            }
        changed_priority, other_contract, edited = set(), set(), set()
        for row in self.env.cr.fetchall():
            ticket_id, metric, clock_priority, contract_id, calendar, target = row
            if clock_priority != priority[ticket_id]:
                changed_priority.add(ticket_id)
            elif not contract:
                continue
            elif contract_id != contract.id:
                other_contract.add(ticket_id)
            elif calendar != calendar_id or target != sold.get(
                (clock_priority, metric)
            ):
                edited.add(ticket_id)
        lines = []
        if changed_priority:
            lines.append(
                self.env._(
                    "%(count)s ticket(s) changed priority after a clock stopped: "
                    "the replay measures them on their priority of today.",
                    count=len(changed_priority),
                )
            )
        if other_contract - changed_priority:
            lines.append(
                self.env._(
                    "%(count)s ticket(s) were measured on another contract, or "
                    "moved to this one while measured: the replay puts them on "
                    "this contract from the start.",
                    count=len(other_contract - changed_priority),
                )
            )
        if edited - changed_priority - other_contract:
            lines.append(
                self.env._(
                    "%(count)s ticket(s) were measured on targets or support hours "
                    "edited since: the replay uses today's.",
                    count=len(edited - changed_priority - other_contract),
                )
            )
        return "\n".join(lines) or False


class SlaTierWhatifLine(models.TransientModel):
    _name = "sla.tier.whatif.line"
    _description = "Tier What-If Result"
    _order = "sequence, id"

    whatif_id = fields.Many2one("sla.tier.whatif", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="whatif_id.currency_id")
    tier_id = fields.Many2one("sla.tier", required=True)
    sequence = fields.Integer(related="tier_id.sequence")
    current = fields.Boolean(string="Sold Today")
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Support Hours",
        help="The tier sold is replayed on the contract's own support hours, "
        "as its live clocks run; every other tier on its own.",
    )
    tickets = fields.Integer(
        string="Counted",
        help="Ticket cycles counted in the period (met or breached, on the day "
        "of their first breach, else of their closing): a reopened ticket "
        "counts again, as in the SLA Analysis.",
    )
    within = fields.Integer(string="Within SLA")
    breached = fields.Integer()
    compliance = fields.Float(string="Compliance (%)", digits=(6, 2))
    credits = fields.Monetary(string="Credits Owed")
    problem = fields.Char(
        help="Why the tier measures nothing: its support hours are not usable."
    )
