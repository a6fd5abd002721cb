from odoo import fields, models, tools
from odoo.addons.sla_contract.models.sla_priority import TICKET_PRIORITIES
from odoo.tools import SQL


class SlaEscalationTicketReport(models.Model):
    """The seed's escalation rate: escalated tickets over all tickets, one
    row per ticket (a reopened ticket counts once).

    Whether a ticket escalated is the ticket's own stored figure
    (`helpdesk.ticket.sla_escalated`, decided by
    `sla.escalation.event._sla_escalation_domain`), read here as is. The
    ticket counts in the month its first cycle counts in, with that cycle's
    contract, tier and priority, as the SLA Analysis counts the cycle.
    """

    _name = "sla.escalation.ticket.report"
    _inherit = ["sla.priority.order.mixin"]
    _description = "SLA Escalation Rate"
    _auto = False
    _rec_name = "ticket_id"
    _order = "report_date desc, ticket_id desc"
    _sla_priority_fields = ("priority",)

    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one("sla.tier", readonly=True)
    contract_id = fields.Many2one("contract.contract", readonly=True)
    priority = fields.Selection(TICKET_PRIORITIES, readonly=True)
    start_at = fields.Datetime(string="Opened", readonly=True)
    report_date = fields.Date(
        string="Counted In",
        readonly=True,
        help="The day the ticket's first cycle counts in, as in the SLA "
        "Analysis: its first breach, else the end of its resolution; empty "
        "while that cycle is open and on time.",
    )
    escalated = fields.Float(
        string="Escalation rate % (target < 10)", readonly=True, aggregator="avg"
    )
    escalations = fields.Integer(string="Escalations fired", readonly=True)

    def init(self):
        # A ticket's later cycles start only once its first one ended (closed
        # or SLA cancelled), so the first cycle is also the first one counted.
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
            SELECT c.ticket_id AS id,
                   c.ticket_id,
                   c.company_id,
                   t.team_id,
                   t.user_id,
                   c.partner_id,
                   c.tier_id,
                   c.contract_id,
                   c.ticket_priority AS priority,
                   c.start_at,
                   c.report_date,
                   COALESCE(t.sla_escalations, 0) AS escalations,
                   COALESCE(t.sla_escalation_rate, 0.0) AS escalated
              FROM sla_cycle c
              JOIN helpdesk_ticket t ON t.id = c.ticket_id
             WHERE NOT EXISTS (
                       SELECT 1 FROM sla_cycle earlier
                        WHERE earlier.ticket_id = c.ticket_id
                          AND earlier.cycle < c.cycle
                   )
            )
            """,
                SQL.identifier(self._table),
            )
        )
