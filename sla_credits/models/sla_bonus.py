import logging

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools.misc import format_date

from ..engine import credit_math

_logger = logging.getLogger(__name__)

# Per contract: the cycles the quarter counts (sla.cycle, the rule of every
# figure: met or breached, in the quarter, for the contract), their breaches,
# and their clocks' response and resolution ratios (time used over target).
CLOCKS_SQL = """
    SELECT c.contract_id,
           COUNT(resp.id) FILTER (WHERE resp.state IN ('met', 'breached')),
           COUNT(resp.id) FILTER (
               WHERE resp.state = 'met'
                 AND resp.consumed_minutes <= resp.target_minutes * %(share)s
           ),
           COUNT(*) FILTER (WHERE c.outcome = 'breached'),
           AVG(res.consumed_minutes / NULLIF(res.target_minutes, 0)) FILTER (
               WHERE res.state IN ('met', 'breached')
           )
      FROM sla_cycle c
      LEFT JOIN sla_clock resp
        ON resp.cycle_id = c.id AND resp.metric = 'response'
      LEFT JOIN sla_clock res
        ON res.cycle_id = c.id AND res.metric = 'resolution'
     WHERE c.report_date >= %(start)s AND c.report_date < %(end)s
       AND c.outcome IN ('met', 'breached')
       AND c.contract_id = ANY(%(contracts)s)
     GROUP BY c.contract_id
"""
# Ratings are counted in the quarter they were given.
CSAT_SQL = """
    SELECT t.sla_contract_id, AVG(r.rating), COUNT(*)
      FROM rating_rating r
      JOIN helpdesk_ticket t ON t.id = r.res_id
     WHERE r.res_model = 'helpdesk.ticket'
       AND r.consumed
       AND r.rating > 0
       AND r.write_date >= %(start)s AND r.write_date < %(end)s
       AND t.sla_contract_id = ANY(%(contracts)s)
     GROUP BY t.sla_contract_id
"""


class SlaBonus(models.Model):
    _name = "sla.bonus"
    _description = "SLA Quarterly Bonus Evaluation"
    _inherit = ["mail.thread"]
    _order = "quarter_start desc, contract_id"
    _mail_post_access = "read"

    contract_id = fields.Many2one(
        "contract.contract", required=True, ondelete="cascade", readonly=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    partner_id = fields.Many2one(related="contract_id.partner_id", store=True)
    quarter_start = fields.Date(string="Quarter", required=True, readonly=True)
    quarter_label = fields.Char(compute="_compute_quarter_label")
    responses = fields.Integer(readonly=True)
    responses_within_half = fields.Integer(
        string="Responded within 50% of SLA", readonly=True
    )
    breaches = fields.Integer(
        readonly=True,
        help="Breached tickets counted in the quarter (a reopened ticket "
        "counts again), as the SLA Analysis counts them.",
    )
    resolution_ratio = fields.Float(
        string="Resolution Time (% of SLA)",
        digits=(6, 1),
        readonly=True,
        help="Average resolution time as a share of the target; 70% or less "
        "is 30% faster than the SLA.",
    )
    has_resolutions = fields.Boolean(readonly=True)
    csat = fields.Float(string="Average CSAT", digits=(3, 2), readonly=True)
    csat_count = fields.Integer(string="Ratings Given", readonly=True)
    rate_increase_percent = fields.Float(
        string="Rate Increase at Renewal (%)", readonly=True
    )
    rate_hold = fields.Boolean(string="Renewal Rate Hold", readonly=True)
    recognition = fields.Boolean(string="Performance Recognition", readonly=True)
    reduced_reporting = fields.Boolean(readonly=True)
    summary = fields.Text(readonly=True)
    computed_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "contract_quarter_uniq",
            "unique(contract_id, quarter_start)",
            "A contract has one bonus evaluation per quarter.",
        ),
    ]

    def _compute_quarter_label(self):
        for bonus in self:
            start = bonus.quarter_start
            bonus.quarter_label = (
                f"{start.year} Q{(start.month - 1) // 3 + 1}" if start else False
            )

    @api.depends("contract_id", "quarter_start")
    def _compute_display_name(self):
        self._compute_quarter_label()
        for bonus in self:
            bonus.display_name = (
                f"{bonus.contract_id.display_name} {bonus.quarter_label}"
            )

    @api.model
    def _evaluate(self, contracts, quarter_start, now):
        """Record the quarter's bonus results, set-based: two queries for all
        the contracts, then one create or write per changed contract."""
        end = quarter_start + relativedelta(months=3)
        params = {
            "start": quarter_start,
            "end": end,
            "contracts": list(contracts.ids),
            "share": float(credit_math.RESPONSE_SHARE),
        }
        self.env["sla.cycle"].flush_model()
        self.env["sla.clock"].flush_model()
        self.env.cr.execute(CLOCKS_SQL, params)
        clocks = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        self.env["rating.rating"].flush_model()
        self.env.cr.execute(CSAT_SQL, params)
        csat = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        existing = {
            bonus.contract_id.id: bonus
            for bonus in self.sudo().search(
                [
                    ("contract_id", "in", contracts.ids),
                    ("quarter_start", "=", quarter_start),
                ]
            )
        }
        to_create, fresh = [], self.browse()
        for contract in contracts:
            responses, within, breaches, resolution = clocks.get(
                contract.id, (0, 0, 0, None)
            )
            csat_avg, csat_count = csat.get(contract.id, (None, 0))
            result = credit_math.evaluate_quarter(
                responses=responses,
                responses_within_half=within,
                breaches=breaches,
                resolution_ratio=resolution,
                csat=csat_avg,
            )
            values = {
                "contract_id": contract.id,
                "quarter_start": quarter_start,
                "responses": responses,
                "responses_within_half": within,
                "breaches": breaches,
                "has_resolutions": resolution is not None,
                "resolution_ratio": float(resolution or 0) * 100,
                "csat": float(csat_avg or 0),
                "csat_count": csat_count,
                "rate_increase_percent": float(result.rate_increase_percent),
                "rate_hold": result.rate_hold,
                "recognition": result.recognition,
                "reduced_reporting": result.reduced_reporting,
                "computed_at": now,
            }
            values["summary"] = self._summarise(values)
            bonus = existing.get(contract.id)
            if not bonus:
                to_create.append(values)
            elif bonus.summary != values["summary"]:
                bonus.sudo().write(values)
                fresh |= bonus
        if to_create:
            try:
                with self.env.cr.savepoint():
                    fresh |= self.sudo().create(to_create)
            except psycopg2.IntegrityError:
                # Another run recorded this quarter at the same time.
                _logger.info("SLA bonuses of %s already recorded", quarter_start)
        fresh._notify_account_managers()
        return fresh

    def _summarise(self, values):
        earned = []
        if values["rate_increase_percent"]:
            rate = f"{values['rate_increase_percent']:g}"
            earned.append(
                self.env._(
                    "every ticket answered within half its response target: "
                    "eligible for a %(rate)s%% rate increase at renewal",
                    rate=rate,
                )
            )
        if values["rate_hold"]:
            earned.append(self.env._("no SLA breach: renewal rate hold"))
        if values["recognition"]:
            earned.append(
                self.env._(
                    "resolutions 30% or more faster than the SLA: "
                    "performance recognition"
                )
            )
        if values["reduced_reporting"]:
            earned.append(
                self.env._(
                    "average CSAT %(csat).2f above 4.5: reduced reporting",
                    csat=values["csat"],
                )
            )
        if not earned:
            return self.env._("No bonus earned this quarter.")
        return "\n".join(f"- {line}" for line in earned)

    def _notify_account_managers(self):
        """An activity before renewal for each quarter that earned a bonus."""
        earned = self.filtered(
            lambda b: (
                b.rate_increase_percent
                or b.rate_hold
                or b.recognition
                or b.reduced_reporting
            )
        )
        if not earned:
            return
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("contract.contract")
        today = fields.Date.context_today(self)
        activities = []
        for bonus in earned:
            contract = bonus.contract_id
            renewal = contract.date_end and contract.date_end - relativedelta(days=30)
            activities.append(
                {
                    "res_model_id": model_id,
                    "res_id": contract.id,
                    "activity_type_id": activity_type.id,
                    "user_id": (
                        contract.sla_account_manager_id
                        or contract.user_id
                        or self.env.user
                    ).id,
                    "summary": self.env._(
                        "Bonus earned in %(quarter)s", quarter=bonus.quarter_label
                    ),
                    "note": bonus.summary,
                    "date_deadline": max(renewal, today) if renewal else today,
                }
            )
        self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(activities)
        renewing = earned.filtered(lambda b: b.contract_id.date_end)
        renewing._message_log_batch(
            bodies={
                bonus.id: self.env._(
                    "Renewal on %(date)s: bring these results.",
                    date=format_date(self.env, bonus.contract_id.date_end),
                )
                for bonus in renewing
            }
        )
