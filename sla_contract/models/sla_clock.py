import logging
from datetime import UTC, datetime, timedelta

from odoo import api, fields, models

from ..engine import sla_math
from ..engine.sla_math import (
    OPEN_STATES,
    STATE_BREACHED,
    STATE_CANCELLED,
    STATE_MET,
    STATE_PAUSED,
    STATE_RUNNING,
)
from .sla_priority import TICKET_PRIORITIES

_logger = logging.getLogger(__name__)

METRICS = [("response", "Response"), ("resolution", "Resolution")]
STATES = [
    (STATE_RUNNING, "Running"),
    (STATE_PAUSED, "Paused"),
    (STATE_MET, "Met"),
    (STATE_BREACHED, "Breached"),
    (STATE_CANCELLED, "Cancelled"),
]
BREACH_CRON = "sla_contract.ir_cron_sla_breach"

# What a clock goes through; the hook `_sla_on_transition` receives them.
EVENT_STARTED = "started"
EVENT_PAUSED = "paused"
EVENT_RESUMED = "resumed"
EVENT_RETARGETED = "retargeted"
# Instants moved by an edit of working time, holidays or time zone.
EVENT_RESCHEDULED = "rescheduled"
EVENT_MET = "met"
EVENT_BREACHED = "breached"
EVENT_BREACH_LIFTED = "breach_lifted"
EVENT_CANCELLED = "cancelled"
EVENT_AT_RISK = "at_risk"
EVENT_SLO_MISSED = "slo_missed"
# Transitions after which a cycle's outcome, month or contract may change.
CYCLE_EVENTS = (
    EVENT_MET,
    EVENT_BREACHED,
    EVENT_BREACH_LIFTED,
    EVENT_CANCELLED,
    EVENT_RETARGETED,
)


def _naive(dt):
    """Engine results are aware UTC; Odoo stores naive UTC."""
    return dt.replace(tzinfo=None) if dt else dt


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _ms(dt):
    """Milliseconds since the epoch of a naive-UTC or aware instant, or None:
    what the browser's clock compares with, without parsing dates."""
    if not dt:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round((dt - _EPOCH).total_seconds() * 1000)


# The badge counts on its own until this far past a clock's deadline (or past
# now, once overdue), then asks the server again.
BADGE_HORIZON = timedelta(days=1)


class Transitions:
    """The clock transitions of one operation, handed to the hook at once.

    Every state change goes through one of these, so an addon reacting to
    "breached" sees each breach once, in one batch, whatever caused it (the
    job, a pause after the deadline, a stop, a re-target).
    """

    def __init__(self, env):
        self.env = env
        # {event: {clock id: None}}: an ordered set, so that adding stays
        # linear in the clocks of an operation.
        self.events = {}

    def add(self, event, clocks):
        ids = self.events.setdefault(event, {})
        for clock_id in clocks.ids:
            ids[clock_id] = None

    def flush(self):
        events, self.events = self.events, {}
        clocks = self.env["sla.clock"].sudo()
        batch = {event: clocks.browse(ids) for event, ids in events.items() if ids}
        if batch:
            # The cycles' verdicts first: what reacts to a transition reads
            # them.
            clocks.union(
                *(batch[e] for e in CYCLE_EVENTS if e in batch)
            ).cycle_id._sla_recompute()
            clocks._sla_on_transition(batch)


def _transitions(method):
    """Give `method` a Transitions collector, flushed when the outermost
    call returns, so nested steps (a stop that breaches) share one batch."""

    def wrapper(self, *args, tr=None, **kwargs):
        if tr is not None:
            return method(self, *args, tr=tr, **kwargs)
        tr = Transitions(self.env)
        result = method(self, *args, tr=tr, **kwargs)
        tr.flush()
        return result

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class SlaClock(models.Model):
    """One SLA clock: a ticket's metric for one cycle.

    Counting happens only at events (start, pause, resume, stop, policy
    change); in between, the stored deadline and at-risk instants are what
    searches and schedulers read, and live figures are computed on read.
    """

    _name = "sla.clock"
    _inherit = ["sla.priority.order.mixin"]
    _description = "SLA Clock"
    _order = "deadline, id"
    _rec_name = "metric"

    ticket_id = fields.Many2one(
        "helpdesk.ticket", required=True, ondelete="cascade", index=True
    )
    metric = fields.Selection(METRICS, required=True)
    cycle = fields.Integer(default=1, required=True, aggregator=None)
    cycle_id = fields.Many2one(
        "sla.cycle",
        string="Ticket Cycle",
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    # Copied from the ticket when the clock starts and kept in sync by the
    # ticket: a stored related field costs an extra UPDATE per ticket create.
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", index=True, readonly=True
    )
    user_id = fields.Many2one(related="ticket_id.user_id", string="Assigned to")
    contract_id = fields.Many2one("contract.contract", index="btree_not_null")
    tier_id = fields.Many2one("sla.tier", required=True, ondelete="restrict")
    calendar_id = fields.Many2one("resource.calendar", required=True)
    ticket_priority = fields.Selection(TICKET_PRIORITIES, string="Priority")
    target_minutes = fields.Integer(
        string="Target (min)", required=True, aggregator="avg"
    )
    # The internal objective is the support team's, never the customer's.
    slo_percent = fields.Float(
        string="SLO (%)",
        default=100.0,
        aggregator=None,
        groups="base.group_user",
        help="The internal service level objective, as a share of the SLA "
        "target: the team aims to finish within it, ahead of the contractual "
        "deadline. Missing it costs nothing and is never shown to the "
        "customer; it warns that the SLA itself is getting close.",
    )
    at_risk_percent = fields.Float(
        string="At Risk From (% used)", default=75.0, aggregator=None
    )
    measurement_only = fields.Boolean(
        related="cycle_id.measurement_only",
        store=True,
        precompute=True,
        help="Its cycle counts in a month without penalties for its contract: "
        "counted in reports, never in penalties.",
    )
    start_at = fields.Datetime(required=True)
    pause_ids = fields.One2many("sla.clock.pause", "clock_id")
    paused_since = fields.Datetime(readonly=True)
    paused_minutes = fields.Float(
        string="Paused (business min)",
        readonly=True,
        aggregator="avg",
        help="Business minutes spent paused in finished pauses.",
    )
    consumed_minutes = fields.Float(
        string="Used at Last Event (business min)",
        readonly=True,
        aggregator="avg",
        help="Business minutes counted against the target at the clock's last "
        "event (start, pause, stop): final once stopped; see Used for the "
        "time used as of now.",
    )
    deadline = fields.Datetime(index=True, readonly=True)
    slo_deadline = fields.Datetime(
        string="SLO Deadline",
        readonly=True,
        groups="base.group_user",
        help="When the internal objective (SLO) falls due: the team's own, "
        "earlier deadline, before the contractual one. Internal only.",
    )
    # Read by the clock job through its partial index only (see init).
    at_risk_at = fields.Datetime(readonly=True)
    state = fields.Selection(STATES, required=True, default=STATE_RUNNING, index=True)
    at_risk_reached = fields.Boolean(
        readonly=True,
        help="The clock has used its at-risk share of the target while open.",
    )
    slo_missed = fields.Boolean(
        string="SLO Missed",
        readonly=True,
        groups="base.group_user",
        help="The clock passed its internal SLO deadline while open: the "
        "team missed its own objective. The customer's SLA may still be met.",
    )
    stopped_at = fields.Datetime(
        readonly=True,
        index=True,
        help="When the clock stopped: met, breached or cancelled. A stopped "
        "clock is final.",
    )
    breached_at = fields.Datetime(readonly=True)
    report_date = fields.Date(
        string="Reporting Date",
        readonly=True,
        index=True,
        help="The day (UTC) this clock counts in reports: the day it "
        "breached, or, never breached, the day it stopped.",
    )
    breach_ids = fields.One2many("sla.breach", "clock_id")
    compliance = fields.Float(
        string="Clocks met %",
        compute="_compute_compliance",
        store=True,
        precompute=True,
        aggregator="avg",
        help="Per clock, not per ticket: 100 for a clock met, 0 otherwise. "
        "Averaged over the clocks that ended (met or breached), as the SLA "
        "Clocks Met report does, it is the share of response and resolution "
        "clocks met. A ticket with one clock breached counts one clock met and "
        "one breached here, and one ticket outside the SLA in Tickets within "
        "SLA % (SLA Analysis).",
    )
    used_minutes = fields.Float(
        string="Used (business min)",
        compute="_compute_live",
        help="Business minutes counted against the target as of now: still "
        "counting while the clock runs, at its stop once stopped.",
    )
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

    @api.depends("state")
    def _compute_compliance(self):
        for clock in self:
            clock.compliance = 100.0 if clock.state == STATE_MET else 0.0

    @api.depends_context("sla_now")
    @api.depends("state", "deadline", "consumed_minutes", "paused_since", "stopped_at")
    def _compute_live(self):
        now = self._sla_now()
        engines = {}
        for clock in self:
            if clock.calendar_id and clock.calendar_id not in engines:
                engines[clock.calendar_id] = clock._work_calendar()
            consumed = clock._consumed_at(now, engines.get(clock.calendar_id))
            clock.used_minutes = consumed
            clock.percent_used = sla_math.percent_used(consumed, clock.target_minutes)
            clock.remaining_minutes = clock.target_minutes - consumed
            clock.remaining_display = sla_math.format_minutes(clock.remaining_minutes)
            clock.color = (
                False
                if clock.state == STATE_CANCELLED
                else sla_math.color(
                    clock.state == STATE_BREACHED,
                    clock.percent_used if clock.state != STATE_MET else 0.0,
                    clock.at_risk_percent,
                )
            )

    def write(self, vals):
        # Kept by hand rather than computed: a stored compute costs an UPDATE
        # on every clock created, and only a stop or a breach moves it.
        if not {"stopped_at", "breached_at"} & set(vals) or "report_date" in vals:
            return super().write(vals)
        for clock in self:
            stopped = vals.get("stopped_at", clock.stopped_at)
            breached = vals.get("breached_at", clock.breached_at)
            # A breach is reported in its own month even when the clock stops
            # later: a month already reported must not change afterwards.
            at = fields.Datetime.to_datetime(breached or stopped)
            super(SlaClock, clock).write(
                {**vals, "report_date": at.date() if at else False}
            )
        return True

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
        """The engine of the clock's calendar, holidays of its company only."""
        self.ensure_one()
        return self.calendar_id._sla_work_calendar(self.company_id.id)

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

    def _sla_badge_values(self, now):
        """{clock id: what the live badge needs to count without the server}.

        Instants are epoch milliseconds. An open, counting clock carries its
        working intervals from `now` to a day past its deadline (or past
        `now` when overdue), so the browser gets business time right by
        summing their overlap with [its now, deadline); `overdue` is the
        business time already past the deadline at `now`. One engine per
        calendar, so a list of tickets costs no query beyond the clocks.
        """
        engines = {}
        internal = self.env.user._is_internal()
        metrics = dict(self._fields["metric"]._description_selection(self.env))
        values = {}
        for clock in self:
            key = (clock.calendar_id.id, clock.company_id.id)
            if key not in engines:
                engines[key] = clock._work_calendar()
            engine = engines[key]
            deadline = clock.deadline
            counting = deadline and not clock.stopped_at and not clock.paused_since
            end = clock.stopped_at or clock.paused_since or now
            vals = {
                "id": clock._origin.id or None,
                "metric": clock.metric,
                "label": metrics.get(clock.metric),
                "cycle": clock.cycle,
                "state": clock.state,
                "tier": clock.tier_id.sudo().display_name,
                "target": clock.target_minutes,
                "consumed": clock._consumed_at(now, engine),
                "overdue": (
                    engine.minutes_between(deadline, end)
                    if deadline and deadline < end
                    else 0.0
                ),
                "start_at": _ms(clock.start_at),
                "deadline": _ms(deadline),
                "at_risk_at": _ms(clock.at_risk_at),
                "at_risk_percent": clock.at_risk_percent,
                "paused_since": _ms(clock.paused_since),
                "stopped_at": _ms(clock.stopped_at),
                "horizon": None,
                "intervals": [],
            }
            if internal:
                vals.update(
                    slo_deadline=_ms(clock.slo_deadline),
                    slo_percent=clock.slo_percent,
                    slo_missed=clock.slo_missed,
                )
            if counting:
                horizon = max(deadline, now) + BADGE_HORIZON
                vals["horizon"] = _ms(horizon)
                vals["intervals"] = [
                    [_ms(start), _ms(stop)]
                    for start, stop in engine.work_intervals(now, horizon)
                ]
            values[clock.id] = vals
        return values

    def _instant_at(self, percent):
        """When this clock reaches `percent` of its target (naive UTC).

        False for a stopped or paused clock: its thresholds are not reached
        while it does not count. Escalation asks for its own percentages.
        """
        self.ensure_one()
        if self.stopped_at or self.paused_since:
            return False
        return _naive(
            sla_math.instant_at(
                self._work_calendar(),
                self.start_at,
                target=self.target_minutes,
                paused=self.paused_minutes,
                percent=percent,
            )
        )

    # ------------------------------------------------------------------
    # policy and scheduling
    # ------------------------------------------------------------------

    @api.model
    def _prepare_policy_values(self, ticket, rule, metric, start):
        """What a clock of `metric` measures under `rule` (see
        helpdesk.ticket._sla_policy), as if the rule applied since `start`.

        The one builder used by clock creation and re-targeting alike; addons
        add their own columns with super().
        """
        contract = rule["contract"]
        return {
            "company_id": ticket.company_id.id,
            "partner_id": ticket.commercial_partner_id.id,
            "contract_id": contract.id,
            "tier_id": rule["tier"].id,
            "calendar_id": rule["calendar"].id,
            "ticket_priority": rule["priority"],
            "target_minutes": rule[metric],
            "slo_percent": rule["slo_percent"],
            "at_risk_percent": rule["at_risk_percent"],
        }

    def _schedule(self):
        """Recount every open clock from its recorded pauses and recompute
        its instants: deadline, SLO deadline and at-risk instant.

        The one scheduling step, run on start, resume, re-target, calendar
        change and stop. Paused time is recounted on the clock's current
        calendar, so none is lost when the calendar or target changes.
        """
        for clock in self.filtered(lambda c: not c.stopped_at):
            engine = clock._work_calendar()
            paused = 0.0
            for pause in clock.pause_ids.filtered("stop_at"):
                minutes = engine.minutes_between(pause.start_at, pause.stop_at)
                if pause.business_minutes != minutes:
                    pause.business_minutes = minutes
                paused += minutes
            vals = {"paused_minutes": paused}
            if clock.paused_since:
                vals["consumed_minutes"] = max(
                    engine.minutes_between(clock.start_at, clock.paused_since) - paused,
                    0.0,
                )
            vals.update(
                self._schedule_values(
                    engine,
                    clock.start_at,
                    target=clock.target_minutes,
                    paused=paused,
                    slo_percent=clock.slo_percent,
                    at_risk_percent=clock.at_risk_percent,
                )
            )
            clock.write(vals)

    @api.model
    def _schedule_values(
        self, engine, start, *, target, paused, slo_percent, at_risk_percent
    ):
        """The instants of a clock (deadline, SLO deadline, at-risk instant)
        as stored: what `_schedule` writes and what a new clock is created
        with, so that both follow one rule."""
        instants = sla_math.schedule(
            engine,
            start,
            target=target,
            paused=paused,
            slo_percent=slo_percent,
            at_risk_percent=at_risk_percent,
        )
        return {key: _naive(value) for key, value in instants.items()}

    def _trigger_breach_check(self):
        """Wake the clock job at the earliest threshold among these clocks:
        at-risk instant, SLO deadline or deadline, whichever comes first."""
        instants = []
        for clock in self:
            if clock.state != STATE_RUNNING or clock.stopped_at or clock.paused_since:
                continue
            instants.append(clock.deadline)
            if not clock.at_risk_reached:
                instants.append(clock.at_risk_at)
            if not clock.slo_missed:
                instants.append(clock.slo_deadline)
        instants = [at for at in instants if at]
        if instants:
            self.env["ir.cron"]._sla_wake(BREACH_CRON, min(instants))

    # ------------------------------------------------------------------
    # transitions
    # ------------------------------------------------------------------

    def _sla_on_transition(self, events):
        """Hook called once per operation with what happened to clocks.

        `events` maps an event (EVENT_STARTED, EVENT_PAUSED, EVENT_RESUMED,
        EVENT_RETARGETED, EVENT_RESCHEDULED, EVENT_AT_RISK, EVENT_SLO_MISSED, EVENT_MET,
        EVENT_BREACHED, EVENT_BREACH_LIFTED, EVENT_CANCELLED) to the clocks it
        happened to, in superuser mode.
        Nothing to do here; escalation, credits and notifications override it
        and call super().
        """

    @api.model
    @_transitions
    def _start(self, vals_list, *, tr=None, paused_tickets=None, new_cycles=False):
        """Create clocks, then pause at once those of `paused_tickets` (by
        default the tickets in a stage that pauses the SLA). `new_cycles`:
        none of the clocks' cycles exists yet (new tickets)."""
        vals_list = self._sla_with_cycles(vals_list, new_cycles=new_cycles)
        clocks = self.sudo().create(vals_list)
        tr.add(EVENT_STARTED, clocks)
        if paused_tickets is None:
            flags = self.env["helpdesk.ticket.stage"]._sla_stage_flags()
            paused_tickets = clocks.ticket_id.filtered(
                lambda t: flags.get(t.stage_id.id, (False, False))[1]
            )
        for clock in clocks.filtered(lambda c: c.ticket_id in paused_tickets):
            clock._pause(clock.start_at, tr=tr)
        clocks._trigger_breach_check()
        return clocks

    @api.model
    def _sla_with_cycles(self, vals_list, new_cycles=False):
        """The clocks' values with their cycle, created in one batch for the
        cycles that do not exist yet."""
        keys = {(vals["ticket_id"], vals["cycle"]) for vals in vals_list}
        Cycle = self.env["sla.cycle"].sudo()
        existing = {}
        if not new_cycles:
            existing = {
                (c.ticket_id.id, c.cycle): c.id
                for c in Cycle.search(
                    [
                        ("ticket_id", "in", list({ticket for ticket, _n in keys})),
                        ("cycle", "in", list({n for _t, n in keys})),
                    ]
                )
            }
        todo = {}
        for vals in vals_list:
            key = (vals["ticket_id"], vals["cycle"])
            if key not in existing:
                todo.setdefault(key, []).append(vals)
        if todo:
            tickets = (
                self.env["helpdesk.ticket"]
                .sudo()
                .browse(list({ticket for ticket, _n in todo}))
            )
            new = Cycle.create(
                [
                    Cycle._sla_prepare(tickets.browse(ticket), number, clock_vals)
                    for (ticket, number), clock_vals in todo.items()
                ]
            )
            existing.update(zip(todo, new.ids, strict=True))
        return [
            {**vals, "cycle_id": existing[(vals["ticket_id"], vals["cycle"])]}
            for vals in vals_list
        ]

    @_transitions
    def _pause(self, now, *, tr=None):
        clocks = self.filtered(lambda c: not c.stopped_at and not c.paused_since)
        if not clocks:
            return
        # A deadline passed before the pause is a breach, even if the
        # scheduled job has not run yet.
        clocks._check_warnings(now, tr=tr)
        clocks._check_breach(now, tr=tr)
        for clock in clocks:
            clock.consumed_minutes = clock._consumed_at(now)
        self.env["sla.clock.pause"].sudo().create(
            [{"clock_id": c.id, "start_at": now} for c in clocks]
        )
        clocks.write({"paused_since": now})
        clocks.filtered(lambda c: c.state == STATE_RUNNING).state = STATE_PAUSED
        tr.add(EVENT_PAUSED, clocks)

    @_transitions
    def _resume(self, now, *, tr=None):
        clocks = self.filtered(lambda c: c.paused_since and not c.stopped_at)
        if not clocks:
            return
        for clock in clocks:
            clock._close_pause(now)
        clocks.filtered(lambda c: c.state == STATE_PAUSED).state = STATE_RUNNING
        clocks._schedule()
        tr.add(EVENT_RESUMED, clocks)
        clocks._check_warnings(now, tr=tr)
        clocks._check_breach(now, tr=tr)
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

    @_transitions
    def _stop(self, now, *, tr=None):
        """Stop open clocks at `now`: met when on time, breached otherwise.

        A pause still open is closed first and the deadline moved by it, so
        a ticket closed while waiting on the customer is judged on the
        business time it really used.
        """
        clocks = self.filtered(lambda c: not c.stopped_at)
        for clock in clocks:
            if clock.paused_since:
                clock._close_pause(now)
                clock._schedule()
        newly_breached = self.browse()
        for clock in clocks:
            state = sla_math.stop_outcome(
                clock.deadline, now, clock.state == STATE_BREACHED
            )
            if state == STATE_BREACHED and clock.state != STATE_BREACHED:
                newly_breached |= clock
            clock.write(
                {
                    "consumed_minutes": clock._consumed_at(now),
                    "stopped_at": now,
                    "state": state if state != STATE_BREACHED else clock.state,
                }
            )
        newly_breached._mark_breached(tr=tr)
        tr.add(EVENT_MET, clocks.filtered(lambda c: c.state == STATE_MET))

    @_transitions
    def _cancel(self, now, *, tr=None):
        """Stop open clocks without a verdict: the SLA no longer applies.

        Cancelled clocks count neither as met nor as breached. A breach whose
        root-cause analysis has started is a fact already worked on: its
        clock stays breached.
        """
        clocks = self.filtered(lambda c: not c.stopped_at)
        if not clocks:
            return
        for clock in clocks:
            if clock.paused_since:
                clock._close_pause(now)
            clock.consumed_minutes = clock._consumed_at(now)
        kept = clocks.filtered(lambda c: c.breach_ids._sla_analysis_started())
        cancelled = clocks - kept
        kept.write({"stopped_at": now})
        cancelled.breach_ids.sudo().unlink()
        cancelled.write(
            {"stopped_at": now, "state": STATE_CANCELLED, "breached_at": False}
        )
        tr.add(EVENT_CANCELLED, cancelled)

    @_transitions
    def _check_warnings(self, now, *, tr=None):
        """Flag the open clocks that passed their at-risk instant or their
        internal SLO deadline while counting, once each."""
        open_clocks = self.filtered(
            lambda c: not c.stopped_at and c.state in OPEN_STATES
        )
        at_risk = open_clocks.filtered(
            lambda c: (
                not c.at_risk_reached
                and c.at_risk_at
                and c.at_risk_at <= (c.paused_since or now)
            )
        )
        slo = open_clocks.filtered(
            lambda c: (
                not c.slo_missed
                and c.slo_deadline
                and c.slo_deadline <= (c.paused_since or now)
            )
        )
        at_risk.write({"at_risk_reached": True})
        slo.write({"slo_missed": True})
        tr.add(EVENT_AT_RISK, at_risk)
        tr.add(EVENT_SLO_MISSED, slo)

    @_transitions
    def _check_breach(self, now, *, tr=None):
        """Breach the open clocks whose deadline passed while counting."""
        late = self.filtered(
            lambda c: (
                not c.stopped_at
                and c.state in OPEN_STATES
                and c.deadline
                and c.deadline <= (c.paused_since or now)
            )
        )
        late._mark_breached(tr=tr)
        return late

    @_transitions
    def _mark_breached(self, *, tr=None):
        if not self:
            return
        for clock in self:
            clock.write({"state": STATE_BREACHED, "breached_at": clock.deadline})
        self.env["sla.breach"].sudo()._create_for_clocks(self)
        tr.add(EVENT_BREACHED, self)

    @_transitions
    def _apply_policy(self, now, policy, *, tr=None):
        """Re-target open clocks as if `policy` had applied from their start.

        `policy` maps ticket id to its rule (helpdesk.ticket._sla_policy).
        Stopped clocks are final and never move. Paused time is recounted on
        the new calendar from the recorded pauses, so none is lost.
        """
        clocks = self.filtered(lambda c: not c.stopped_at and c.ticket_id.id in policy)
        for clock in clocks:
            vals = self._prepare_policy_values(
                clock.ticket_id,
                policy[clock.ticket_id.id],
                clock.metric,
                clock.start_at,
            )
            clock.write(vals)
        clocks._reschedule(now, tr=tr)
        tr.add(EVENT_RETARGETED, clocks)

    @_transitions
    def _reschedule(self, now, *, tr=None):
        """Recompute open clocks after their target or calendar changed, then
        settle their breach: lift it when the new deadline has not passed
        yet, move it to the new deadline when it still has.

        A breach whose analysis has started stays as it is.
        """
        clocks = self.filtered(lambda c: not c.stopped_at)
        clocks._schedule()
        tr.add(EVENT_RESCHEDULED, clocks)
        lifted = self.browse()
        for clock in clocks.filtered(lambda c: c.state == STATE_BREACHED):
            if clock.breach_ids._sla_analysis_started():
                continue
            if clock.deadline > (clock.paused_since or now):
                lifted |= clock
            elif clock.breached_at != clock.deadline:
                clock.breached_at = clock.deadline
                clock.breach_ids.sudo().write({"breached_at": clock.deadline})
        for clock in lifted:
            clock.write(
                {
                    "state": STATE_PAUSED if clock.paused_since else STATE_RUNNING,
                    "breached_at": False,
                }
            )
        lifted.breach_ids.sudo().unlink()
        tr.add(EVENT_BREACH_LIFTED, lifted)
        # Thresholds the new instants put back in the future are armed again.
        for clock in clocks:
            end = clock.paused_since or now
            if clock.at_risk_reached and clock.at_risk_at > end:
                clock.at_risk_reached = False
            if clock.slo_missed and clock.slo_deadline > end:
                clock.slo_missed = False
        clocks._check_warnings(now, tr=tr)
        clocks._check_breach(now, tr=tr)
        clocks._trigger_breach_check()

    @api.model
    def _open_on_calendars(self, calendars, company_ids=None):
        """Open clocks on `calendars` (None: on any calendar), limited to
        `company_ids` when given."""
        domain = [("stopped_at", "=", False)]
        if calendars is not None:
            if not calendars:
                return self.sudo().browse()
            domain.append(("calendar_id", "in", calendars.ids))
        if company_ids is not None:
            domain.append(("company_id", "in", company_ids))
        return self.sudo().search(domain)

    def _reschedule_now(self):
        """Follow an edit of working time or holidays: at once for a few
        clocks, in the background (sla.update) for many, as of now."""
        if not self:
            return
        now = self._sla_now()
        Update = self.env["sla.update"]
        if len(self) > Update._sla_sync_limit():
            Update._sla_enqueue(
                "reschedule",
                self.ids,
                self.env._("Support hours, holidays or time zone edited"),
                now,
            )
        else:
            self._reschedule(now)

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
        """Flag the clocks that passed their at-risk instant or SLO deadline,
        then breach those whose deadline has passed.

        Rows are locked with SKIP LOCKED so two workers split the work
        instead of handling a clock twice; the unique breach per clock is
        the last guard. One clock that fails is logged and skipped.
        """
        now = self._sla_now()
        tr = Transitions(self.env)
        warned = self._lock(self._due_warning_ids(now, batch_size))
        self._sla_each(
            warned, lambda clocks, tr: clocks._check_warnings(now, tr=tr), tr
        )
        due = self.search(self._get_due_breach_domain(now), limit=batch_size)
        locked = self._lock(due.ids)
        self._sla_each(locked, lambda clocks, tr: clocks._check_breach(now, tr=tr), tr)
        try:
            with self.env.cr.savepoint():
                tr.flush()
        except Exception:
            _logger.exception("SLA transition hook failed in the clock job")
        if batch_size in (len(due), len(warned)):
            self.env["ir.cron"]._sla_wake(
                BREACH_CRON, fields.Datetime.now() + timedelta(seconds=1)
            )
        else:
            self._arm_breach_job_for_next_deadline(now)

    @api.model
    def _due_warning_ids(self, now, limit):
        # Plain SQL so each half matches its partial index (see init).
        self.flush_model()
        self.env.cr.execute(
            """(SELECT id FROM sla_clock
                 WHERE state = 'running' AND stopped_at IS NULL
                   AND paused_since IS NULL AND at_risk_reached IS NOT TRUE
                   AND at_risk_at <= %s LIMIT %s)
                UNION
               (SELECT id FROM sla_clock
                 WHERE state = 'running' AND stopped_at IS NULL
                   AND paused_since IS NULL AND slo_missed IS NOT TRUE
                   AND slo_deadline <= %s LIMIT %s)""",
            [now, limit, now, limit],
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _lock(self, ids):
        if not ids:
            return self.browse()
        self.env.cr.execute(
            "SELECT id FROM sla_clock WHERE id IN %s FOR UPDATE SKIP LOCKED",
            [tuple(ids)],
        )
        locked = self.browse([row[0] for row in self.env.cr.fetchall()])
        locked.invalidate_recordset()
        return locked

    @api.model
    def _sla_each(self, clocks, step, tr):
        """Apply `step(clocks, tr)` to every clock, all at once; if that
        fails, again one by one, so that one bad clock never stops the
        others. Events of a failed attempt are forgotten with its changes."""
        if not clocks:
            return
        for batch in (clocks, *(clocks if len(clocks) > 1 else ())):
            saved = {event: list(ids) for event, ids in tr.events.items()}
            try:
                with self.env.cr.savepoint():
                    step(batch, tr)
                if batch is clocks:
                    return
            except Exception:
                tr.events = saved
                # What the failed step left in the cache is not in the database.
                self.env.invalidate_all()
                if batch is clocks and len(clocks) > 1:
                    _logger.warning("SLA clock batch failed; retrying one by one")
                else:
                    _logger.exception("Could not check SLA clock %s", batch.ids)

    @api.model
    def _arm_breach_job_for_next_deadline(self, after):
        """Wake the job at the next threshold after `after`, the instant the
        run judged by. What was due then and is still open was left to
        another worker (locked) or failed: the safety-net run retries it,
        rather than this job waking again at once, in a loop."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT least(
                (SELECT min(deadline) FROM sla_clock
                  WHERE state = 'running' AND stopped_at IS NULL
                    AND paused_since IS NULL AND deadline > %(after)s),
                (SELECT min(at_risk_at) FROM sla_clock
                  WHERE state = 'running' AND stopped_at IS NULL
                    AND paused_since IS NULL AND at_risk_reached IS NOT TRUE
                    AND at_risk_at > %(after)s),
                (SELECT min(slo_deadline) FROM sla_clock
                  WHERE state = 'running' AND stopped_at IS NULL
                    AND paused_since IS NULL AND slo_missed IS NOT TRUE
                    AND slo_deadline > %(after)s))""",
            {"after": after},
        )
        nxt = self.env.cr.fetchone()[0]
        if nxt:
            self.env["ir.cron"]._sla_wake(BREACH_CRON, nxt)

    def init(self):
        # The job asks only about counting clocks, which stay few while
        # stopped ones pile up for ever: one partial index per question, with
        # the predicates of the job's queries.
        cr = self.env.cr
        cr.execute(
            """CREATE INDEX IF NOT EXISTS sla_clock_counting_deadline_index
                   ON sla_clock (deadline)
                WHERE state = 'running' AND stopped_at IS NULL
                  AND paused_since IS NULL"""
        )
        cr.execute(
            """CREATE INDEX IF NOT EXISTS sla_clock_counting_at_risk_index
                   ON sla_clock (at_risk_at)
                WHERE state = 'running' AND stopped_at IS NULL
                  AND paused_since IS NULL AND at_risk_reached IS NOT TRUE"""
        )
        cr.execute(
            """CREATE INDEX IF NOT EXISTS sla_clock_counting_slo_index
                   ON sla_clock (slo_deadline)
                WHERE state = 'running' AND stopped_at IS NULL
                  AND paused_since IS NULL AND slo_missed IS NOT TRUE"""
        )
