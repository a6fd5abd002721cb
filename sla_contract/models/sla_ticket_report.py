from odoo import fields, models, tools
from odoo.tools import SQL

from .sla_priority import TICKET_PRIORITIES

OUTCOMES = [
    ("met", "Within SLA"),
    ("breached", "Breached"),
    ("open", "Open"),
    ("cancelled", "SLA cancelled"),
]


class SlaTicketReport(models.Model):
    """One row per ticket and cycle (a reopened ticket counts again): the
    clock KPIs of the seed, as averages of per-ticket figures so that a pivot
    or a ``_read_group`` computes them in SQL.

    The month a ticket counts in is the month of its first breach when a
    clock breached (even while the ticket is open), else the month its
    resolution clock stopped met; the same rule as service credits.
    """

    _name = "sla.ticket.report"
    _description = "SLA Ticket Analysis"
    _auto = False
    _rec_name = "ticket_id"
    _order = "report_date desc, ticket_id desc"

    ticket_id = fields.Many2one("helpdesk.ticket", readonly=True)
    cycle = fields.Integer(readonly=True, aggregator=None)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one("sla.tier", readonly=True)
    contract_id = fields.Many2one("contract.contract", readonly=True)
    priority = fields.Selection(TICKET_PRIORITIES, readonly=True)
    measurement_only = fields.Boolean(
        readonly=True, help="Counted in reports, never in penalties."
    )
    start_at = fields.Datetime(string="Opened", readonly=True)
    report_date = fields.Date(
        string="Counted In",
        readonly=True,
        help="The day of the first breach, or the day the resolution stopped "
        "met; empty while open and on time.",
    )
    outcome = fields.Selection(OUTCOMES, readonly=True)
    compliance = fields.Float(
        string="SLA compliance % (target > 95)",
        readonly=True,
        aggregator="avg",
        help="Tickets within SLA over tickets that ended or breached.",
    )
    response_minutes = fields.Float(
        string="Response time (business min)", readonly=True, aggregator="avg"
    )
    response_target = fields.Float(
        string="Response target (min)", readonly=True, aggregator="avg"
    )
    response_share = fields.Float(
        string="Response, % of target (target < 100)",
        readonly=True,
        aggregator="avg",
    )
    resolution_minutes = fields.Float(
        string="Resolution time (business min)", readonly=True, aggregator="avg"
    )
    resolution_target = fields.Float(
        string="Resolution target (min)", readonly=True, aggregator="avg"
    )
    resolution_share = fields.Float(
        string="Resolution, % of target (target < 100)",
        readonly=True,
        aggregator="avg",
    )
    first_contact = fields.Float(
        string="First contact resolution % (target > 70)",
        readonly=True,
        aggregator="avg",
        help="Resolved tickets closed after at most one reply from the team "
        "and never reopened.",
    )
    reopened = fields.Float(
        string="Reopened % (target < 5)",
        readonly=True,
        aggregator="avg",
        help="Resolved tickets that were reopened afterwards.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
            WITH units AS (
                SELECT MIN(k.id) AS id,
                       k.ticket_id,
                       k.cycle,
                       bool_or(k.measurement_only) AS measurement_only,
                       MIN(k.start_at) AS start_at,
                       MIN(k.report_date) FILTER (WHERE k.state = 'breached')
                           AS breach_day,
                       MAX(k.report_date) FILTER (
                           WHERE k.metric = 'resolution' AND k.state = 'met'
                       ) AS met_day,
                       MAX(k.stopped_at) FILTER (
                           WHERE k.metric = 'resolution'
                             AND k.state IN ('met', 'breached')
                       ) AS resolved_at,
                       bool_and(k.state = 'cancelled') AS cancelled,
                       MAX(k.consumed_minutes) FILTER (
                           WHERE k.metric = 'response'
                             AND k.state IN ('met', 'breached')
                       ) AS response_minutes,
                       MAX(k.target_minutes) FILTER (WHERE k.metric = 'response')
                           AS response_target,
                       MAX(k.consumed_minutes) FILTER (
                           WHERE k.metric = 'resolution'
                             AND k.state IN ('met', 'breached')
                       ) AS resolution_minutes,
                       MAX(k.target_minutes) FILTER (WHERE k.metric = 'resolution')
                           AS resolution_target,
                       -- the resolution clock's terms, else the response's:
                       -- plain MAX aggregates, cheap over a million clocks
                       COALESCE(
                           MAX(k.tier_id) FILTER (WHERE k.metric = 'resolution'),
                           MAX(k.tier_id)
                       ) AS tier_id,
                       COALESCE(
                           MAX(k.contract_id) FILTER (WHERE k.metric = 'resolution'),
                           MAX(k.contract_id)
                       ) AS contract_id,
                       COALESCE(
                           MAX(k.ticket_priority) FILTER (
                               WHERE k.metric = 'resolution'
                           ),
                           MAX(k.ticket_priority)
                       ) AS priority
                  FROM sla_clock k
                 GROUP BY k.ticket_id, k.cycle
            )
            SELECT u.id,
                   u.ticket_id,
                   u.cycle,
                   t.company_id,
                   t.team_id,
                   t.user_id,
                   t.commercial_partner_id AS partner_id,
                   u.tier_id,
                   u.contract_id,
                   u.priority,
                   u.measurement_only,
                   u.start_at,
                   COALESCE(u.breach_day, u.met_day) AS report_date,
                   CASE WHEN u.breach_day IS NOT NULL THEN 'breached'
                        WHEN u.met_day IS NOT NULL THEN 'met'
                        WHEN u.cancelled THEN 'cancelled'
                        ELSE 'open' END AS outcome,
                   CASE WHEN u.breach_day IS NOT NULL THEN 0.0
                        WHEN u.met_day IS NOT NULL THEN 100.0 END AS compliance,
                   u.response_minutes,
                   u.response_target,
                   100.0 * u.response_minutes / NULLIF(u.response_target, 0)
                       AS response_share,
                   u.resolution_minutes,
                   u.resolution_target,
                   100.0 * u.resolution_minutes / NULLIF(u.resolution_target, 0)
                       AS resolution_share,
                   CASE WHEN u.resolved_at IS NOT NULL THEN
                       CASE WHEN EXISTS (
                                SELECT 1 FROM sla_clock later
                                 WHERE later.ticket_id = u.ticket_id
                                   AND later.cycle > u.cycle
                            ) THEN 0.0
                            WHEN (
                                SELECT COUNT(*)
                                  FROM mail_message m
                                  JOIN mail_message_subtype s ON s.id = m.subtype_id
                                  JOIN res_users author
                                    ON author.partner_id = m.author_id
                                 WHERE m.model = 'helpdesk.ticket'
                                   AND m.res_id = u.ticket_id
                                   AND m.message_type = 'comment'
                                   AND NOT COALESCE(s.internal, FALSE)
                                   AND NOT author.share
                                   AND m.date >= u.start_at
                                   AND m.date <= u.resolved_at
                            ) <= 1 THEN 100.0
                            ELSE 0.0 END
                   END AS first_contact,
                   CASE WHEN u.resolved_at IS NOT NULL THEN
                       CASE WHEN EXISTS (
                                SELECT 1 FROM sla_clock later
                                 WHERE later.ticket_id = u.ticket_id
                                   AND later.cycle > u.cycle
                            ) THEN 100.0 ELSE 0.0 END
                   END AS reopened
              -- LEFT: PostgreSQL drops the join when no ticket column is asked
              FROM units u
              LEFT JOIN helpdesk_ticket t ON t.id = u.ticket_id
            )
            """,
                SQL.identifier(self._table),
            )
        )
