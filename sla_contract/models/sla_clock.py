import logging
from datetime import timedelta

from odoo import api, fields, models

from ..engine import sla_math
from ..engine.sla_math import STATE_BREACHED, STATE_MET, STATE_PAUSED, STATE_RUNNING

_logger = logging.getLogger(__name__)

METRICS = [("response", "Response"), ("resolution", "Resolution")]
STATES = [
    (STATE_RUNNING, "Running"),
    (STATE_PAUSED, "Paused"),
    (STATE_MET, "Met"),
    (STATE_BREACHED, "Breached"),
]


def _naive(dt):
    """Engine results are aware UTC; Odoo stores naive UTC."""
    return dt.replace(tzinfo=None) if dt else dt


class SlaClock(models.Model):
    """One SLA clock: a ticket's metric for one cycle.

    Counting happens only at events (start, pause, resume, stop, policy
    change); in between, the stored deadline and at-risk instants are what
    searches and schedulers read, and live figures are computed on read.
    """

    _name = "sla.clock"
    _description = "SLA Clock"
    _order = "deadline, id"
    _rec_name = "metric"

    ticket_id = fields.Many2one(
        "helpdesk.ticket", required=True, ondelete="cascade", index=True
    )
    metric = fields.Selection(METRICS, required=True)
    cycle = fields.Integer(default=1, required=True)
    # Copied from the ticket when the clock starts and kept in sync by the
    # ticket: a stored related field costs an extra UPDATE per ticket create.
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", index=True, readonly=True
    )
    user_id = fields.Many2one(related="ticket_id.user_id", string="Assigned to")
    contract_id = fields.Many2one("contract.contract")
    tier_id = fields.Many2one("sla.tier", required=True, ondelete="restrict")
    calendar_id = fields.Many2one("resource.calendar", required=True)
    ticket_priority = fields.Selection(
        [("3", "Very High"), ("2", "High"), ("1", "Medium"), ("0", "Low")]
    )
    target_minutes = fields.Integer(required=True)
    slo_percent = fields.Float(string="SLO (%)", default=100.0)
    at_risk_percent = fields.Float(default=75.0)
    measurement_only = fields.Boolean(
        help="Started while the contract measured a baseline: counted in "
        "reports, never in penalties."
    )
    start_at = fields.Datetime(required=True)
    pause_ids = fields.One2many("sla.clock.pause", "clock_id")
    paused_since = fields.Datetime(readonly=True)
    paused_minutes = fields.Float(
        readonly=True, help="Business minutes spent paused in finished pauses."
    )
    consumed_minutes = fields.Float(
        readonly=True,
        help="Business minutes counted against the target at the last event.",
    )
    deadline = fields.Datetime(index=True, readonly=True)
    slo_deadline = fields.Datetime(string="SLO Deadline", readonly=True)
    at_risk_at = fields.Datetime(index=True, readonly=True)
    state = fields.Selection(STATES, required=True, default=STATE_RUNNING, index=True)
    stopped_at = fields.Datetime(
        readonly=True, help="When the clock was met or closed."
    )
    breached_at = fields.Datetime(readonly=True)
    breach_ids = fields.One2many("sla.breach", "clock_id")
    percent_used = fields.Float(compute="_compute_live", digits=(16, 1))
    remaining_minutes = fields.Float(compute="_compute_live")
    remaining_display = fields.Char(compute="_compute_live", string="Remaining")
    color = fields.Selection(
        [("green", "On track"), ("yellow", "At risk"), ("red", "Breached")],
        compute="_compute_live",
    )

    _sql_constraints = [
        (
            "ticket_metric_cycle_uniq",
            "unique(ticket_id, metric, cycle)",
            "A ticket has one clock per metric and cycle.",
        ),
    ]

    @api.depends_context("sla_now")
    @api.depends("state", "deadline", "consumed_minutes", "paused_since", "stopped_at")
    def _compute_live(self):
        now = self._sla_now()
        engines = {}
        for clock in self:
            if clock.calendar_id and clock.calendar_id not in engines:
                engines[clock.calendar_id] = clock._work_calendar()
            consumed = clock._consumed_at(now, engines.get(clock.calendar_id))
            clock.percent_used = sla_math.percent_used(consumed, clock.target_minutes)
            clock.remaining_minutes = clock.target_minutes - consumed
            clock.remaining_display = sla_math.format_minutes(clock.remaining_minutes)
            clock.color = sla_math.color(
                clock.state == STATE_BREACHED,
                clock.percent_used if clock.state != STATE_MET else 0.0,
                clock.at_risk_percent,
            )

    def _compute_display_name(self):
        labels = dict(METRICS)
        for clock in self:
            name = f"{clock.ticket_id.number} {labels.get(clock.metric, '')}"
            if clock.cycle > 1:
                name += f" #{clock.cycle}"
            clock.display_name = name

    # ------------------------------------------------------------------
    # time helpers
    # ------------------------------------------------------------------

    def _sla_now(self):
        if self.env.su and self.env.context.get("sla_now"):
            return self.env.context["sla_now"]
        return fields.Datetime.now()

    def _work_calendar(self):
        return self.calendar_id._sla_work_calendar()

    def _consumed_at(self, now, engine=None):
        """Business minutes counted against the target at `now`."""
        self.ensure_one()
        if not self.start_at:
            return 0.0
        if self.stopped_at or self.paused_since:
            return self.consumed_minutes
        engine = engine or self._work_calendar()
        elapsed = engine.minutes_between(self.start_at, now)
        return max(elapsed - self.paused_minutes, 0.0)

    # ------------------------------------------------------------------
    # scheduling
    # ------------------------------------------------------------------

    def _schedule(self):
        """Recompute deadline, SLO deadline and at-risk instant of each clock.

        The paused business minutes extend every instant: they are added to
        the amount planned from the clock's start.
        """
        for clock in self:
            instants = sla_math.schedule(
                clock._work_calendar(),
                clock.start_at,
                target=clock.target_minutes,
                paused=clock.paused_minutes,
                slo_percent=clock.slo_percent,
                at_risk_percent=clock.at_risk_percent,
            )
            clock.write({key: _naive(value) for key, value in instants.items()})

    def _trigger_breach_check(self):
        """Make sure the breach job wakes up at the earliest new deadline.

        Only one wake-up is kept ahead: a deadline later than the next
        pending trigger is picked up when that run re-arms the job for the
        earliest running deadline (see _cron_mark_breaches).
        """
        deadlines = [
            c.deadline
            for c in self
            if c.deadline and c.state == STATE_RUNNING and not c.stopped_at
        ]
        if deadlines:
            self._arm_breach_job(min(deadlines))

    @api.model
    def _arm_breach_job(self, at):
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "sla_contract.ir_cron_sla_breach", raise_if_not_found=False
        )
        if not cron_id:
            return
        self.env.cr.execute(
            "SELECT min(call_at) FROM ir_cron_trigger WHERE cron_id = %s", [cron_id]
        )
        pending = self.env.cr.fetchone()[0]
        if pending and pending <= at:
            return
        # A trigger row is what ir.cron._trigger writes; inserting it directly
        # spares loading the cron, and a future instant needs no wake-up.
        self.env["ir.cron.trigger"].sudo().create({"cron_id": cron_id, "call_at": at})

    # ------------------------------------------------------------------
    # events
    # ------------------------------------------------------------------

    def _pause(self, now):
        clocks = self.filtered(lambda c: not c.stopped_at and not c.paused_since)
        if not clocks:
            return
        # A deadline passed before the pause is a breach, even if the
        # scheduled job has not run yet.
        clocks._check_breach(now)
        for clock in clocks:
            clock.consumed_minutes = clock._consumed_at(now)
        self.env["sla.clock.pause"].create(
            [{"clock_id": c.id, "start_at": now} for c in clocks]
        )
        clocks.write({"paused_since": now})
        clocks.filtered(lambda c: c.state == STATE_RUNNING).state = STATE_PAUSED

    def _resume(self, now):
        clocks = self.filtered(lambda c: c.paused_since and not c.stopped_at)
        for clock in clocks:
            clock._close_pause(now)
            if clock.state == STATE_PAUSED:
                clock.state = STATE_RUNNING
        clocks._schedule()
        clocks._check_breach(now)
        clocks._trigger_breach_check()

    def _close_pause(self, now):
        self.ensure_one()
        pause = self.pause_ids.filtered(lambda p: not p.stop_at)[:1]
        minutes = self._work_calendar().minutes_between(self.paused_since, now)
        if pause:
            pause.write({"stop_at": now, "business_minutes": minutes})
        self.write(
            {"paused_since": False, "paused_minutes": self.paused_minutes + minutes}
        )

    def _stop(self, now):
        """Stop clocks at `now`: met when on time, breached otherwise."""
        clocks = self.filtered(lambda c: not c.stopped_at)
        for clock in clocks:
            if clock.paused_since:
                clock._close_pause(now)
            clock.consumed_minutes = clock._consumed_at(now)
            clock.stopped_at = now
        clocks._check_breach(now)
        clocks.filtered(
            lambda c: c.state in (STATE_RUNNING, STATE_PAUSED)
        ).state = STATE_MET

    def _check_breach(self, now):
        """Mark breached the clocks whose deadline passed while counting."""
        late = self.filtered(
            lambda c: (
                c.state in (STATE_RUNNING, STATE_PAUSED)
                and c.deadline
                and (c.deadline < c.stopped_at if c.stopped_at else c.deadline <= now)
                and not (c.paused_since and c.paused_since < c.deadline)
            )
        )
        if late:
            late._mark_breached()
        return late

    def _mark_breached(self):
        for clock in self:
            clock.write({"state": STATE_BREACHED, "breached_at": clock.deadline})
        self.env["sla.breach"].sudo()._create_for_clocks(self)

    def _apply_policy(self, now, policy):
        """Re-target clocks as if `policy` had applied from their start.

        `policy` maps ticket id to a dict of tier, contract, calendar,
        target minutes per metric and SLO/at-risk percentages. Paused time
        is recounted on the new calendar from the recorded pauses, so none
        is lost; met clocks stay met.
        """
        retargeted = self.browse()
        for clock in self.filtered(lambda c: c.state != STATE_MET):
            vals = policy.get(clock.ticket_id.id)
            if not vals:
                continue
            clock.write(
                {
                    "tier_id": vals["tier"].id,
                    "contract_id": vals["contract"].id,
                    "calendar_id": vals["calendar"].id,
                    "ticket_priority": vals["priority"],
                    "target_minutes": vals[clock.metric],
                    "slo_percent": vals["slo_percent"],
                    "at_risk_percent": vals["at_risk_percent"],
                }
            )
            calendar = clock._work_calendar()
            paused = 0.0
            for pause in clock.pause_ids.filtered("stop_at"):
                minutes = calendar.minutes_between(pause.start_at, pause.stop_at)
                pause.business_minutes = minutes
                paused += minutes
            clock.paused_minutes = paused
            if clock.paused_since:
                clock.consumed_minutes = max(
                    calendar.minutes_between(clock.start_at, clock.paused_since)
                    - paused,
                    0.0,
                )
            elif clock.stopped_at:
                clock.consumed_minutes = max(
                    calendar.minutes_between(clock.start_at, clock.stopped_at) - paused,
                    0.0,
                )
            clock._schedule()
            if clock.state == STATE_BREACHED:
                end = clock.stopped_at or now
                if clock.deadline > end:
                    clock._unbreach()
            clock._check_breach(now)
            retargeted |= clock
        # One wake-up for the whole batch, not one look-up per clock.
        retargeted._trigger_breach_check()

    def _unbreach(self):
        for clock in self:
            if clock.stopped_at:
                state = STATE_MET
            else:
                state = STATE_PAUSED if clock.paused_since else STATE_RUNNING
            clock.write({"state": state, "breached_at": False})
            clock.breach_ids.sudo().unlink()

    # ------------------------------------------------------------------
    # scheduled job
    # ------------------------------------------------------------------

    @api.model
    def _get_due_breach_domain(self, now):
        return [
            ("state", "=", STATE_RUNNING),
            ("stopped_at", "=", False),
            ("paused_since", "=", False),
            ("deadline", "<=", now),
        ]

    @api.model
    def _cron_mark_breaches(self, batch_size=500):
        """Breach the clocks whose deadline has passed.

        Rows are locked with SKIP LOCKED so two workers split the work
        instead of breaching a clock twice; the unique breach per clock is
        the last guard.
        """
        now = self._sla_now()
        due = self.search(self._get_due_breach_domain(now), limit=batch_size)
        if not due:
            self._arm_breach_job_for_next_deadline()
            return
        self.env.cr.execute(
            "SELECT id FROM sla_clock WHERE id IN %s FOR UPDATE SKIP LOCKED",
            [tuple(due.ids)],
        )
        locked = self.browse([row[0] for row in self.env.cr.fetchall()])
        locked.invalidate_recordset()
        for clock in locked:
            try:
                with self.env.cr.savepoint():
                    clock._check_breach(now)
            except Exception:
                _logger.exception("Could not check SLA clock %s", clock.id)
        if len(due) == batch_size:
            self._arm_breach_job(fields.Datetime.now() + timedelta(seconds=1))
        else:
            self._arm_breach_job_for_next_deadline()

    @api.model
    def _arm_breach_job_for_next_deadline(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT min(deadline) FROM sla_clock
                WHERE state = %s AND stopped_at IS NULL AND paused_since IS NULL""",
            [STATE_RUNNING],
        )
        nxt = self.env.cr.fetchone()[0]
        if nxt:
            self._arm_breach_job(nxt)
