from odoo import api, fields, models

from ..engine import cycle_math
from ..engine.cycle_math import ClockFacts
from .sla_priority import TICKET_PRIORITIES

OUTCOMES = [
    (cycle_math.OUTCOME_MET, "Within SLA"),
    (cycle_math.OUTCOME_BREACHED, "Breached"),
    (cycle_math.OUTCOME_OPEN, "Open"),
    (cycle_math.OUTCOME_CANCELLED, "SLA cancelled"),
]
# What the verdict decides; written only when it changes.
VERDICT_FIELDS = (
    "outcome",
    "counted_at",
    "report_date",
    "contract_id",
    "tier_id",
    "ticket_priority",
    "measurement_only",
)


class SlaCycle(models.Model):
    """One ticket cycle: what every SLA figure counts.

    A ticket has a cycle from its opening, and a new one each time it is
    reopened; each holds its response and resolution clocks. The outcome,
    the instant the cycle counts at, its contract and whether it bears
    penalties are decided in one place, `engine/cycle_math.py`, stored here
    at each clock transition, and read by credits, bonuses, reports, the
    service review and the portal alike.
    """

    _name = "sla.cycle"
    _inherit = ["sla.priority.order.mixin"]
    _description = "SLA Ticket Cycle"
    _order = "ticket_id desc, cycle desc"
    _rec_name = "ticket_id"

    ticket_id = fields.Many2one(
        "helpdesk.ticket", required=True, ondelete="cascade", index=True, readonly=True
    )
    cycle = fields.Integer(required=True, readonly=True, aggregator=None)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", index=True, readonly=True
    )
    clock_ids = fields.One2many("sla.clock", "cycle_id", string="Clocks")
    start_at = fields.Datetime(string="Opened", readonly=True)
    outcome = fields.Selection(
        OUTCOMES, required=True, default=cycle_math.OUTCOME_OPEN, readonly=True
    )
    counted_at = fields.Datetime(
        readonly=True,
        help="When the cycle counts: its first breach, else the end of its "
        "resolution clock.",
    )
    report_date = fields.Date(
        string="Counted In",
        readonly=True,
        index=True,
        help="The day (UTC) the cycle counts in: the day of its first breach, "
        "else the day its resolution was met; none while open or cancelled.",
    )
    contract_id = fields.Many2one(
        "contract.contract",
        index="btree_not_null",
        readonly=True,
        help="The contract of the clock that decided the cycle: the first to "
        "breach, else the resolution clock.",
    )
    tier_id = fields.Many2one("sla.tier", readonly=True)
    ticket_priority = fields.Selection(
        TICKET_PRIORITIES,
        string="Priority",
        readonly=True,
    )
    measurement_only = fields.Boolean(
        readonly=True,
        help="Counted in a month without penalties for its contract (before "
        "Penalties From, or in measurement-only mode): reported, never "
        "charged.",
    )

    _sql_constraints = [
        (
            "ticket_cycle_uniq",
            "unique(ticket_id, cycle)",
            "A ticket has one record per cycle.",
        ),
    ]

    def _compute_display_name(self):
        for cycle in self:
            name = cycle.ticket_id.number or ""
            cycle.display_name = f"{name} #{cycle.cycle}" if cycle.cycle > 1 else name

    # ------------------------------------------------------------------
    # the rule, applied
    # ------------------------------------------------------------------

    @api.model
    def _sla_prepare(self, ticket, cycle, clock_vals):
        """Values of a new cycle of `ticket` from the values of its first
        clocks, so that it is created right, with nothing to update."""
        deciding = next(
            (v for v in clock_vals if v["metric"] == "resolution"), clock_vals[-1]
        )
        contract = self.env["contract.contract"].browse(deciding.get("contract_id"))
        return {
            "ticket_id": ticket.id,
            "cycle": cycle,
            "company_id": ticket.company_id.id,
            "partner_id": ticket.commercial_partner_id.id,
            "start_at": deciding["start_at"],
            "outcome": cycle_math.OUTCOME_OPEN,
            "contract_id": contract.id,
            "tier_id": deciding["tier_id"],
            "ticket_priority": deciding.get("ticket_priority"),
            "measurement_only": contract._sla_measurement_only_on(deciding["start_at"]),
        }

    def _sla_verdict_values(self):
        """{cycle id: the values the rule gives it now}, in one read."""
        clocks = self.env["sla.clock"].sudo().search([("cycle_id", "in", self.ids)])
        by_cycle = {}
        for clock in clocks:
            by_cycle.setdefault(clock.cycle_id.id, []).append(clock)
        result = {}
        for cycle in self:
            mine = sorted(by_cycle.get(cycle.id, []), key=lambda c: c.id)
            verdict = cycle_math.verdict(
                ClockFacts(
                    clock,
                    clock.metric,
                    clock.state,
                    clock.breached_at,
                    clock.stopped_at,
                    clock.contract_id.id,
                )
                for clock in mine
            )
            deciding = verdict.decided_by
            if deciding is None:
                continue
            contract = deciding.contract_id
            counted = verdict.counted_at
            result[cycle.id] = {
                "outcome": verdict.outcome,
                "counted_at": counted or False,
                "report_date": cycle_math.report_day(verdict) or False,
                "contract_id": contract.id,
                "tier_id": deciding.tier_id.id,
                "ticket_priority": deciding.ticket_priority,
                "measurement_only": contract._sla_measurement_only_on(
                    counted or cycle.start_at
                ),
            }
        return result

    def _sla_recompute(self):
        """Apply the rule to these cycles; write only what changed."""
        cycles = self.sudo().exists()
        if not cycles:
            return
        values = cycles._sla_verdict_values()
        for cycle in cycles:
            new = values.get(cycle.id)
            if not new:
                continue
            changed = {
                name: value
                for name, value in new.items()
                if cycle._sla_differs(name, value)
            }
            if changed:
                cycle.write(changed)

    @api.model
    def _sla_backfill(self, batch_size=5000):
        """Give every clock without one its cycle, then decide the new
        cycles by the rule, batch by batch: for databases made before cycles
        were recorded."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """INSERT INTO sla_cycle (ticket_id, cycle, company_id, partner_id,
                                      start_at, outcome, create_uid, create_date,
                                      write_uid, write_date)
               SELECT k.ticket_id, k.cycle, MIN(k.company_id), MIN(k.partner_id),
                      MIN(k.start_at), 'open', 1, now() at time zone 'UTC', 1,
                      now() at time zone 'UTC'
                 FROM sla_clock k
                WHERE k.cycle_id IS NULL
                  AND NOT EXISTS (SELECT 1 FROM sla_cycle c
                                   WHERE c.ticket_id = k.ticket_id
                                     AND c.cycle = k.cycle)
                GROUP BY k.ticket_id, k.cycle
            RETURNING id"""
        )
        new_ids = [row[0] for row in cr.fetchall()]
        cr.execute(
            """UPDATE sla_clock k SET cycle_id = c.id
                 FROM sla_cycle c
                WHERE k.cycle_id IS NULL
                  AND c.ticket_id = k.ticket_id AND c.cycle = k.cycle"""
        )
        self.env.invalidate_all()
        for start in range(0, len(new_ids), batch_size):
            cycles = self.browse(new_ids[start : start + batch_size])
            cycles._sla_recompute()
            self.env.flush_all()
            self.env.invalidate_all()
        # what clocks and breaches repeated of a clock's penalties is now
        # their cycle's
        cr.execute(
            """UPDATE sla_clock k SET measurement_only = c.measurement_only
                 FROM sla_cycle c
                WHERE k.cycle_id = c.id
                  AND k.measurement_only IS DISTINCT FROM c.measurement_only"""
        )
        cr.execute(
            """UPDATE sla_breach b SET measurement_only = k.measurement_only
                 FROM sla_clock k
                WHERE b.clock_id = k.id
                  AND b.measurement_only IS DISTINCT FROM k.measurement_only"""
        )
        return len(new_ids)

    def _sla_differs(self, name, value):
        current = self[name]
        if isinstance(current, models.BaseModel):
            current = current.id
        return (current or False) != (value or False)
