from odoo import api, fields, models, tools
from odoo.tools import SQL

from .public_reply import public_reply_sql
from .sla_cycle import OUTCOMES
from .sla_priority import TICKET_PRIORITIES


class SlaTicketReport(models.Model):
    """One row per ticket cycle (a reopened ticket counts again): the clock
    KPIs of the seed, as averages of per-ticket figures so that a pivot or a
    ``_read_group`` computes them in SQL.

    Outcome, month, contract and penalties are the cycle's, read from
    `sla.cycle` (the rule is in engine/cycle_math.py), as credits, bonuses,
    the service review and the portal read them.
    """

    _name = "sla.ticket.report"
    _inherit = ["sla.priority.order.mixin"]
    _description = "SLA Ticket Analysis"
    _auto = False
    _rec_name = "ticket_id"
    _order = "report_date desc, ticket_id desc"
    _sla_priority_fields = ("priority",)

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
        string="Tickets within SLA % (target > 95)",
        readonly=True,
        aggregator="avg",
        help="Per ticket cycle, not per clock: 100 when none of the cycle's "
        "clocks breached, 0 when one did. Averaged, the share of tickets "
        "(cycles) counted in the period that stayed within their SLA. The "
        "SLA Clocks Met report counts each response and resolution clock on "
        "its own instead (Clocks met %).",
    )
    response_minutes = fields.Float(
        string="Response time (business min)",
        readonly=True,
        aggregator="avg",
        help="Business minutes until the first public reply (or the closing, "
        "without one). Empty while the ticket waits for its first reply, even "
        "once breached: it has no response time yet, and averages leave it "
        "out (it still counts outside the SLA).",
    )
    responded = fields.Boolean(
        readonly=True,
        help="The response clock stopped: the ticket has a response time.",
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
        string="Resolution time (business min)",
        readonly=True,
        aggregator="avg",
        help="Business minutes until the closing. Empty while the ticket is "
        "open, even once breached: averages leave it out until it is closed.",
    )
    resolved = fields.Boolean(
        readonly=True,
        help="The resolution clock stopped: the ticket has a resolution time.",
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
            CREATE OR REPLACE VIEW %(table)s AS (
            SELECT c.id,
                   c.ticket_id,
                   c.cycle,
                   c.company_id,
                   t.team_id,
                   t.user_id,
                   c.partner_id,
                   c.tier_id,
                   c.contract_id,
                   c.ticket_priority AS priority,
                   c.measurement_only,
                   c.start_at,
                   c.report_date,
                   c.outcome,
                   CASE c.outcome WHEN 'breached' THEN 0.0
                                  WHEN 'met' THEN 100.0 END AS compliance,
                   %(resp_used)s AS response_minutes,
                   %(resp_used)s IS NOT NULL AS responded,
                   resp.target_minutes AS response_target,
                   100.0 * %(resp_used)s / NULLIF(resp.target_minutes, 0)
                       AS response_share,
                   %(res_used)s AS resolution_minutes,
                   %(res_used)s IS NOT NULL AS resolved,
                   res.target_minutes AS resolution_target,
                   100.0 * %(res_used)s / NULLIF(res.target_minutes, 0)
                       AS resolution_share,
                   CASE WHEN res.stopped_at IS NOT NULL
                         AND res.state IN ('met', 'breached') THEN
                       CASE WHEN EXISTS (
                                SELECT 1 FROM sla_cycle later
                                 WHERE later.ticket_id = c.ticket_id
                                   AND later.cycle > c.cycle
                            ) THEN 0.0
                            WHEN (
                                SELECT COUNT(*)
                                  FROM mail_message m
                                  JOIN mail_message_subtype s ON s.id = m.subtype_id
                                 WHERE m.model = 'helpdesk.ticket'
                                   AND m.res_id = c.ticket_id
                                   AND %(public_reply)s
                                   AND m.date >= c.start_at
                                   AND m.date <= res.stopped_at
                            ) <= 1 THEN 100.0
                            ELSE 0.0 END
                   END AS first_contact,
                   CASE WHEN res.stopped_at IS NOT NULL
                         AND res.state IN ('met', 'breached') THEN
                       CASE WHEN EXISTS (
                                SELECT 1 FROM sla_cycle later
                                 WHERE later.ticket_id = c.ticket_id
                                   AND later.cycle > c.cycle
                            ) THEN 100.0 ELSE 0.0 END
                   END AS reopened
              FROM sla_cycle c
              -- LEFT: PostgreSQL drops a join whose columns are not asked
              LEFT JOIN sla_clock resp
                ON resp.cycle_id = c.id AND resp.metric = 'response'
              LEFT JOIN sla_clock res
                ON res.cycle_id = c.id AND res.metric = 'resolution'
              LEFT JOIN helpdesk_ticket t ON t.id = c.ticket_id
            )
            """,
                table=SQL.identifier(self._table),
                public_reply=public_reply_sql("m", "s"),
                resp_used=self._sla_time_used_sql("resp"),
                res_used=self._sla_time_used_sql("res"),
            )
        )

    @api.model
    def _sla_time_used_sql(self, alias):
        """The business time a clock ended with; NULL while it has not ended.

        A breached clock still counting (a ticket never answered, or still
        open) has no response or resolution time yet: its `consumed_minutes`
        is only the time it had used at its last event (its start, a pause),
        a fraction of a minute for a ticket paused at once. Left out of the
        averages, it still counts as outside the SLA in `compliance`, and
        its time overdue shows on its breach.
        """
        return SQL(
            """CASE WHEN %(clock)s.stopped_at IS NOT NULL
                     AND %(clock)s.state IN ('met', 'breached')
                    THEN %(clock)s.consumed_minutes END""",
            clock=SQL.identifier(alias),
        )
