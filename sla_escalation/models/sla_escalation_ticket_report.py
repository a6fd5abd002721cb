from odoo import fields, models, tools
from odoo.addons.sla_contract.models.sla_priority import TICKET_PRIORITIES
from odoo.tools import SQL


class SlaEscalationTicketReport(models.Model):
    """The seed's escalation rate: escalated tickets over all tickets, one
    row per ticket and cycle as in the SLA Analysis. A ticket is escalated
    when a rule that counts as escalation fired on one of its clocks; the
    50% alerts to the ticket's own agent do not."""

    _name = "sla.escalation.ticket.report"
    _description = "SLA Escalation Rate"
    _auto = False
    _rec_name = "ticket_id"
    _order = "start_at desc"

    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one("sla.tier", readonly=True)
    contract_id = fields.Many2one("contract.contract", readonly=True)
    priority = fields.Selection(TICKET_PRIORITIES, readonly=True)
    start_at = fields.Datetime(string="Opened", readonly=True)
    report_date = fields.Date(string="Counted In", readonly=True)
    escalated = fields.Float(
        string="Escalation rate % (target < 10)", readonly=True, aggregator="avg"
    )
    escalations = fields.Integer(string="Escalations fired", readonly=True)

    def init(self):
        # Built on sla_contract's SLA Analysis view: when that view is
        # recreated (CASCADE), this addon's update recreates this one.
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
            SELECT r.id,
                   r.ticket_id,
                   r.company_id,
                   r.team_id,
                   r.user_id,
                   r.partner_id,
                   r.tier_id,
                   r.contract_id,
                   r.priority,
                   r.start_at,
                   r.report_date,
                   COALESCE(e.fired, 0) AS escalations,
                   CASE WHEN COALESCE(e.fired, 0) > 0 THEN 100.0 ELSE 0.0 END
                       AS escalated
              FROM sla_ticket_report r
              LEFT JOIN (
                  SELECT k.ticket_id, k.cycle, COUNT(*) AS fired
                    FROM sla_escalation_event ev
                    JOIN sla_escalation_rule ru ON ru.id = ev.rule_id
                    JOIN sla_clock k ON k.id = ev.clock_id
                   WHERE ev.state = 'done' AND ru.is_escalation
                   GROUP BY k.ticket_id, k.cycle
              ) e ON e.ticket_id = r.ticket_id AND e.cycle = r.cycle
            )
            """,
                SQL.identifier(self._table),
            )
        )
