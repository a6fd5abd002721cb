from odoo import fields, models, tools
from odoo.tools import SQL


class SlaContractPerformance(models.Model):
    """Each contract's months: compliance from its cycles (sla.cycle, the
    rule of every figure), uptime and credit from the month's credit. A
    month without a counted ticket has no compliance rather than 0%, so an
    average over months only averages months that have one."""

    _name = "sla.contract.performance"
    _description = "SLA Performance by Contract"
    _auto = False
    _rec_name = "contract_id"
    _order = "month desc, contract_id"

    contract_id = fields.Many2one("contract.contract", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one("sla.tier", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    month = fields.Date(readonly=True)
    tickets = fields.Integer(string="Tickets counted", readonly=True)
    tickets_within = fields.Integer(string="Tickets within SLA", readonly=True)
    compliance = fields.Float(
        string="Tickets within SLA % (target > 95)",
        readonly=True,
        aggregator="avg",
        help="Tickets within SLA over tickets counted in the month; empty in "
        "a month without a counted ticket.",
    )
    uptime_percent = fields.Float(
        string="Uptime (%)", digits=(6, 4), readonly=True, aggregator="avg"
    )
    amount = fields.Monetary(string="Credit", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
            WITH cycles AS (
                SELECT contract_id,
                       date_trunc('month', report_date)::date AS month,
                       COUNT(*) AS tickets,
                       COUNT(*) FILTER (WHERE outcome = 'met') AS within
                  FROM sla_cycle
                 WHERE outcome IN ('met', 'breached') AND contract_id IS NOT NULL
                 GROUP BY 1, 2
            ), credits AS (
                SELECT contract_id, period_start AS month,
                       MAX(uptime_percent) AS uptime_percent,
                       SUM(amount) AS amount,
                       MAX(currency_id) AS currency_id
                  FROM sla_credit
                 WHERE kind = 'credit'
                 GROUP BY 1, 2
            ), months AS (
                SELECT contract_id, month FROM cycles
                UNION
                SELECT contract_id, month FROM credits
            )
            SELECT ROW_NUMBER() OVER (ORDER BY m.contract_id, m.month) AS id,
                   m.contract_id,
                   k.partner_id,
                   k.sla_tier_id AS tier_id,
                   k.company_id,
                   COALESCE(cr.currency_id, company.currency_id) AS currency_id,
                   m.month,
                   COALESCE(cy.tickets, 0) AS tickets,
                   COALESCE(cy.within, 0) AS tickets_within,
                   100.0 * cy.within / NULLIF(cy.tickets, 0) AS compliance,
                   cr.uptime_percent,
                   cr.amount
              FROM months m
              JOIN contract_contract k ON k.id = m.contract_id
              JOIN res_company company ON company.id = k.company_id
              LEFT JOIN cycles cy
                ON cy.contract_id = m.contract_id AND cy.month = m.month
              LEFT JOIN credits cr
                ON cr.contract_id = m.contract_id AND cr.month = m.month
            )
            """,
                SQL.identifier(self._table),
            )
        )
