import heapq
import logging
import time as timer
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup, escape

from odoo import api, fields, models

from ..engine.worktime import WorkCalendar
from ..tools import demo_plan as dp
from .sla_clock import Transitions

_logger = logging.getLogger(__name__)

# The addons whose demo adds to the history: it is written once, by the last
# of them installed in a run, so that every job of every addon installed
# runs at its instants while the year is played.
SUITE = ("sla_contract", "sla_escalation", "sla_credits", "sla_portal")
DONE_PARAM = "sla_contract.demo_history"
# The reply-to address may be None (a team without alias): looked up once.
_UNSET = object()

CUSTOMERS = {
    "bronze": "demo_partner_bronze",
    "silver": "demo_partner_silver",
    "gold": "demo_partner_gold",
    "platinum": "demo_partner_platinum",
}
CONTRACTS = {key: f"demo_contract_{key}" for key in CUSTOMERS}
CONTACTS = {
    "bronze": ("demo_contact_bronze_it", "demo_contact_bronze_store"),
    "silver": ("demo_contact_silver_ops", "demo_contact_silver_it"),
    "gold": ("demo_contact_gold_cto", "demo_contact_gold_desk"),
    "platinum": ("demo_partner_platinum_contact", "demo_contact_platinum_apps"),
}
AGENTS = {
    "sofia": "demo_user_sofia",
    "jonas": "demo_user_jonas",
    "aisha": "demo_user_aisha",
    "hugo": "demo_user_hugo",
}
STAGES = {
    dp.PROGRESS: "helpdesk_mgmt.helpdesk_ticket_stage_in_progress",
    dp.WAITING: "sla_contract.helpdesk_ticket_stage_waiting_customer",
    dp.DONE: "helpdesk_mgmt.helpdesk_ticket_stage_done",
    dp.CANCELLED: "helpdesk_mgmt.helpdesk_ticket_stage_cancelled",
}
CHANNELS = {
    "email": "helpdesk_mgmt.helpdesk_ticket_channel_email",
    "web": "helpdesk_mgmt.helpdesk_ticket_channel_web",
    "phone": "helpdesk_mgmt.helpdesk_ticket_channel_phone",
}
# The customers' offices, where they write and answer from.
OFFICE_HOURS = [(day, 8.0, 18.0) for day in range(5)]

# Order of what happens at one instant: a month closes first, then the clock
# job, then the escalation job, then what people do.
ORDER_MONTH, ORDER_CLOCK, ORDER_ESCALATION, ORDER_STEP = 0, 1, 2, 3
# Monthly jobs run at 02:00 UTC on the first.
MONTH_JOB_HOUR = 2

BREACH_ANALYSES = {
    "response": [
        (
            "resource",
            "The ticket came in while two of three agents were on leave; the "
            "queue was worked oldest first.",
            "Leave is now planned so that two agents are always on shift.",
        ),
        (
            "process",
            "The ticket sat unassigned in the shared queue over the weekend.",
            "Unassigned tickets go to the duty agent automatically.",
        ),
    ],
    "resolution": [
        (
            "technical",
            "The root cause was in an upstream provider; we waited for their patch.",
            "The dependency is documented and monitored on their status page.",
        ),
        (
            "process",
            "The fix was ready but waited a day for the change approval.",
            "Standard fixes now have a pre-approved change template.",
        ),
        (
            "resource",
            "The only engineer who knew the integration was on a course.",
            "A second engineer was trained on the integration.",
        ),
    ],
}


class SlaDemoData(models.AbstractModel):
    """The demo's year of history, played at installation.

    The plan (tools/demo_plan.py) says who writes in, when, and how each
    ticket goes; it is played on the real models in time order at each
    step's own instant, through the very methods the ticket form, the mail
    gateway and the scheduled jobs call: the clocks, cycles, breaches,
    escalations and credits are the live code's, and the history the tier
    what-if replays (replies and stage moves in the chatter) is dated as it
    happened. The other addons add their part through the `_sla_demo_*`
    hooks: the escalation job at its instants, ratings, outages, monthly
    credits and invoices.
    """

    _name = "sla.demo.data"
    _description = "SLA Demo Data"

    # ------------------------------------------------------------ entry point

    @api.model
    def _sla_demo_history(self, module):
        """Write the history once, from the demo of the last addon of the
        suite installed in this run."""
        params = self.env["ir.config_parameter"].sudo()
        if params.get_param(DONE_PARAM):
            return
        modules = self.env["ir.module.module"].sudo()
        if modules.search_count([("name", "=", module), ("state", "!=", "to install")]):
            # An update keeps the history the database has, or has not.
            return
        pending = (
            self.env["ir.module.module"]
            .sudo()
            .search_count(
                [
                    ("name", "in", [name for name in SUITE if name != module]),
                    ("state", "in", ("to install", "to upgrade")),
                ]
            )
        )
        if pending:
            return
        started = timer.perf_counter()
        ctx = self._sla_demo_play(fields.Datetime.now().replace(microsecond=0))
        params.set_param(DONE_PARAM, fields.Datetime.to_string(ctx.now))
        _logger.info(
            "SLA demo: %s tickets over %s months in %.1f s",
            len(ctx.tickets),
            dp.MONTHS,
            timer.perf_counter() - started,
        )

    @api.model
    def _sla_demo_play(self, now):
        ctx = _Context(self.sudo().with_context(sla_demo_play=True), now)
        self._sla_demo_setup(ctx)
        ctx.plan = dp.plan(now, ctx.terms, ctx.office)
        self._sla_demo_prepare(ctx)
        _Player(ctx).run()
        self._sla_demo_finish(ctx)
        return ctx

    # ------------------------------------------------------------ setup

    def _sla_demo_setup(self, ctx):
        """Customers, contracts, agents and the support hours the plan is
        made on; the holidays of the year in the calendars that keep them."""
        ref = self.env.ref
        ctx.team = ref("sla_contract.demo_team_support")
        ctx.stages = {key: ref(xmlid) for key, xmlid in STAGES.items()}
        ctx.channels = {key: ref(xmlid).id for key, xmlid in CHANNELS.items()}
        ctx.agents = {
            key: ref(f"sla_contract.{xmlid}") for key, xmlid in AGENTS.items()
        }
        ctx.contracts = {
            key: ref(f"sla_contract.{xmlid}") for key, xmlid in CONTRACTS.items()
        }
        ctx.contacts = {
            key: [ref(f"sla_contract.{xmlid}") for xmlid in xmlids]
            for key, xmlids in CONTACTS.items()
        }
        start = dp.history_start(ctx.now)
        holidays = dp.belgian_holidays(start.year, ctx.now.year + 1)
        leaves = dp.holiday_leaves(holidays)
        # Bronze and Silver customers are served in the office hours of
        # their tier, on a calendar of their own that keeps the public
        # holidays: the tiers' shipped calendars stay as shipped.
        calendars = self.env["resource.calendar"]
        for key in ("bronze", "silver"):
            contract = ctx.contracts[key]
            calendar = contract.sla_calendar_id.copy(
                {
                    "name": self.env._(
                        "%(customer)s support hours",
                        customer=contract.partner_id.name,
                    )
                }
            )
            contract.sla_calendar_id = calendar
            calendars |= calendar
        calendars._sla_mark_used()
        self.env["resource.calendar.leaves"].create(
            [
                {
                    "name": self.env._("Public holiday"),
                    "calendar_id": calendar.id,
                    "date_from": date_from,
                    "date_to": date_to - timedelta(seconds=1),
                    "time_type": "leave",
                }
                for calendar in calendars
                for date_from, date_to in leaves
            ]
        )
        company = ctx.team.company_id or self.env.company
        ctx.company = company
        ctx.terms = {}
        for key, contract in ctx.contracts.items():
            rules = contract.sla_tier_id._sla_rules()
            ctx.terms[key] = dp.Terms(
                contract.sla_calendar_id._sla_work_calendar(company.id),
                rules["targets"],
            )
        ctx.office = WorkCalendar(dp.TZ, OFFICE_HOURS, leaves)

    # ------------------------------------------------------------ hooks

    def _sla_demo_prepare(self, ctx):
        """Before the first ticket: what the other addons set up."""

    def _sla_demo_wakeups(self, ctx, clock):
        """[(instant, order, kind, payload)] the jobs wake for on a counting
        clock: the clock job at its at-risk instant, SLO and deadline."""
        wakeups = []
        if not clock.at_risk_reached and clock.at_risk_at:
            wakeups.append((clock.at_risk_at, ORDER_CLOCK, "warn", clock.id))
        if not clock.slo_missed and clock.slo_deadline:
            wakeups.append((clock.slo_deadline, ORDER_CLOCK, "warn", clock.id))
        if clock.state == "running" and clock.deadline:
            wakeups.append((clock.deadline, ORDER_CLOCK, "breach", clock.id))
        return wakeups

    def _sla_demo_wake(self, ctx, player, at, kind, payload):
        """The job woken at `at`: the clock job's two steps, on one clock."""
        if kind not in ("warn", "breach"):
            return
        clock = self.env["sla.clock"].browse(payload)
        if clock.stopped_at or clock.paused_since:
            return
        if kind == "warn":
            due = (not clock.at_risk_reached and clock.at_risk_at <= at) or (
                not clock.slo_missed and clock.slo_deadline <= at
            )
            if due:
                player.touch(clock.ticket_id.id, at)
                clock._check_warnings(at, tr=player.tr)
        elif clock.state == "running" and clock.deadline <= at:
            player.touch(clock.ticket_id.id, at)
            clock._check_breach(at, tr=player.tr)

    def _sla_demo_agent_acts(self, ctx, player, ticket, at):
        """The agent works on `ticket` at `at` (replies, moves it)."""

    def _sla_demo_rate(self, ctx, player, ticket, at, score, feedback):  # noqa: PLR0917
        """The customer rates `ticket` (sla_credits keeps the rating)."""

    def _sla_demo_month(self, ctx, player, closed, month, at):
        """The monthly jobs at `at`, early in `month`: `closed` (the month
        before, None for the first) is over."""

    def _sla_demo_finish(self, ctx):
        """After the last step: dates of what the ORM stamps with the time
        of installation, followers, the root-cause analyses of the breaches,
        the mail queue of the past."""
        self._sla_demo_fix_dates(ctx)
        self._sla_demo_followers(ctx)
        self._sla_demo_analyse_breaches(ctx)
        self._sla_demo_close_mail(ctx)

    # ------------------------------------------------------------ finishing

    def _sla_demo_fix_dates(self, ctx):
        cr = self.env.cr
        self.env.flush_all()
        rows = [
            (
                ticket_id,
                info["created"],
                info.get("stage_at") or info["created"],
                info.get("closed_at"),
                info["last"],
            )
            for ticket_id, info in ctx.tickets.items()
        ]
        columns = list(zip(*rows, strict=True)) if rows else [[]] * 5
        cr.execute(
            """UPDATE helpdesk_ticket t
                  SET create_date = v.created, assigned_date = v.created,
                      last_stage_update = v.stage_at,
                      closed_date = CASE WHEN s.closed THEN v.closed_at
                                         ELSE t.closed_date END,
                      write_date = v.last
                 FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[],
                             %s::timestamp[], %s::timestamp[])
                      AS v(id, created, stage_at, closed_at, last),
                      helpdesk_ticket_stage s
                WHERE t.id = v.id AND s.id = t.stage_id""",
            [list(column) for column in columns],
        )
        ids = list(ctx.tickets)
        cr.execute(
            """UPDATE sla_clock SET create_date = start_at, write_date = start_at
                WHERE ticket_id = ANY(%(ids)s);
               UPDATE sla_cycle SET create_date = start_at, write_date = start_at
                WHERE ticket_id = ANY(%(ids)s);
               UPDATE sla_breach SET create_date = breached_at,
                      write_date = breached_at
                WHERE ticket_id = ANY(%(ids)s);
               UPDATE mail_message SET create_date = date, write_date = date
                WHERE id > %(first)s AND date < %(now)s
                  AND create_date IS DISTINCT FROM date""",
            {"ids": ids, "first": ctx.first_message, "now": ctx.now},
        )
        self.env.invalidate_all()

    def _sla_demo_followers(self, ctx):
        """The customer contact and the assigned agent follow each ticket,
        from now on: the past sent no e-mail."""
        tickets = self.env["helpdesk.ticket"].browse(list(ctx.tickets))
        followers = self.env["mail.followers"]
        for partner in {t.partner_id for t in tickets} | {
            t.user_id.partner_id for t in tickets
        }:
            mine = tickets.filtered(
                lambda t, p=partner: p in (t.partner_id | t.user_id.partner_id)
            )
            followers._insert_followers(
                "helpdesk.ticket",
                mine.ids,
                partner.ids,
                subtypes=None,
                customer_ids=[],
                check_existing=True,
            )

    def _sla_demo_analyse_breaches(self, ctx):
        """Breaches older than two weeks were analysed (three in four, the
        others wait); the recent ones wait for their analysis."""
        breaches = self.env["sla.breach"].search(
            [
                ("ticket_id", "in", list(ctx.tickets)),
                ("breached_at", "<", ctx.now - timedelta(days=14)),
            ],
            order="breached_at, id",
        )
        analyst = self.env.ref("base.user_admin")
        escalated = set()
        if "sla.escalation.event" in self.env:
            escalated = set(
                self.env["sla.escalation.event"]
                .search(
                    [
                        ("ticket_id", "in", breaches.ticket_id.ids),
                        ("state", "=", "done"),
                    ]
                )
                .clock_id.ids
            )
        groups = {}
        for index, breach in enumerate(breaches):
            if index % 4 == 3:
                continue
            answers = BREACH_ANALYSES[breach.metric]
            key = (breach.metric, index % len(answers), breach.clock_id.id in escalated)
            groups.setdefault(key, []).append(breach.id)
        for (metric, number, worked), ids in groups.items():
            cause, what, change = BREACH_ANALYSES[metric][number]
            values = {
                "what_happened": what,
                "cause": cause,
                "customer_impact": self.env._(
                    "The customer's users worked around the issue until it was solved."
                ),
                "corrective_action": change,
                "state": "analysed",
                "user_id": analyst.id,
                "escalation_outcome": "worked" if worked else "not_triggered",
            }
            if worked:
                values["escalation_notes"] = self.env._(
                    "The escalation brought a senior agent in; the ticket was "
                    "solved soon after."
                )
            self.env["sla.breach"].browse(ids).with_context(
                tracking_disable=True
            ).write(values)

    def _sla_demo_close_mail(self, ctx):
        """What the past sent was sent: no queued e-mail, no unread
        notification older than two days, no live update for browsers, no
        job woken for an instant of the past."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """UPDATE mail_notification n SET notification_status = 'sent'
                 FROM mail_message m
                WHERE m.id = n.mail_message_id AND m.id > %(first)s
                  AND n.notification_type = 'email';
               DELETE FROM mail_mail WHERE mail_message_id > %(first)s;
               DELETE FROM ir_cron_trigger
                WHERE id > %(first_trigger)s AND call_at <= %(wall)s;
               UPDATE mail_notification n SET is_read = TRUE, read_date = m.date
                 FROM mail_message m
                WHERE m.id = n.mail_message_id AND m.id > %(first)s
                  AND m.date < %(recent)s""",
            {
                "first": ctx.first_message,
                "first_trigger": ctx.first_trigger,
                # the jobs asked for the past are asked for the moment of
                # the play, not for its instants
                "wall": fields.Datetime.now() + timedelta(minutes=1),
                "recent": ctx.now - timedelta(days=2),
            },
        )
        bus = cr.precommit.data.get("bus.bus.values")
        if bus is not None:
            bus.clear()
        self.env.invalidate_all()


class _Context:
    """What the setup, the hooks and the player share."""

    def __init__(self, model, now):
        self.model = model
        self.env = model.env
        self.now = now
        self.plan = None
        # {ticket id: {"created", "stage_at", "closed_at", "last", "plan"}}
        self.tickets = {}
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
        self.first_message = self.env.cr.fetchone()[0]
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_cron_trigger")
        self.first_trigger = self.env.cr.fetchone()[0]


class _Player:
    """Plays the plan in time order.

    What people do at different instants is applied at once with one
    Transitions batch, flushed when a ticket comes back with another
    instant, or before a job that reads what the batch changed: the SLA
    events of each ticket's step, the chatter lines they log, are written
    together, and then dated at the step's instant.
    """

    def __init__(self, ctx):
        self.ctx = ctx
        self.env = ctx.env
        self.model = ctx.model
        self.heap = []
        self.seq = 0
        self.tr = Transitions(self.env)
        # {ticket id: instant} of the steps in the batch
        self.pending = {}
        # messages to create with the batch
        self.messages = []
        self.marker = ctx.first_message
        self.reply_to = _UNSET
        # {ticket id: message id} below which a ticket's messages are dated
        self.floor = {}
        self.armed = set()
        self.tickets = {}
        ref = self.env.ref
        self.comment = ref("mail.mt_comment").id
        self.note = ref("mail.mt_note").id
        self.stage_field = (
            self.env["ir.model.fields"]._get("helpdesk.ticket", "stage_id").id
        )

    # ------------------------------------------------------------ the queue

    def push(self, at, order, kind, payload):
        self.seq += 1
        heapq.heappush(self.heap, (at, order, self.seq, kind, payload))

    def run(self):
        ctx = self.ctx
        for index, ticket in enumerate(ctx.plan.tickets):
            self.push(ticket.created, ORDER_STEP, "create", index)
        month = ctx.plan.start
        while datetime.combine(month, time(MONTH_JOB_HOUR)) <= ctx.now:
            closed = month - relativedelta(months=1)
            self.push(
                datetime.combine(month, time(MONTH_JOB_HOUR)),
                ORDER_MONTH,
                "month",
                (closed if closed >= ctx.plan.start else None, month),
            )
            month += relativedelta(months=1)
        while self.heap:
            at, _order, _seq, kind, payload = heapq.heappop(self.heap)
            if at > ctx.now:
                break
            if kind == "create":
                self.create_ticket(at, payload)
            elif kind == "step":
                self.step(at, *payload)
            elif kind == "month":
                self.flush()
                self.model._sla_demo_month(ctx, self, payload[0], payload[1], at)
                self.env.flush_all()
                self.env.invalidate_all()
            else:
                self.model._sla_demo_wake(ctx, self, at, kind, payload)
        self.flush()

    # ------------------------------------------------------------ batches

    def touch(self, ticket_id, at):
        """`ticket_id` takes a step at `at` in the batch."""
        known = self.pending.get(ticket_id)
        if known is not None and known != at:
            self.flush()
        self.pending[ticket_id] = at
        info = self.ctx.tickets.get(ticket_id)
        if info is not None:
            info["last"] = max(info["last"], at)

    def flush(self):
        if self.messages:
            self.env["mail.message"].create(self.messages)
            self.messages = []
        self.tr.flush()
        if self.pending:
            self.env.flush_all()
            # Tracked changes become messages in the commit's hooks: run them
            # now, or the next job's savepoint writes them outside this batch
            # and they keep the time of the installation.
            self.env.cr.precommit.run()
            self.env.flush_all()
            rows = [
                (ticket_id, at, max(self.marker, self.floor.get(ticket_id, 0)))
                for ticket_id, at in self.pending.items()
            ]
            self.env.cr.execute(
                """UPDATE mail_message m SET date = v.at
                     FROM unnest(%s::int[], %s::timestamp[], %s::int[])
                          AS v(res_id, at, floor)
                    WHERE m.model = 'helpdesk.ticket' AND m.res_id = v.res_id
                      AND m.id > v.floor""",
                [list(column) for column in zip(*rows, strict=True)],
            )
            self.pending = {}
        self.marker = self.last_message()

    def last_message(self):
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
        return self.env.cr.fetchone()[0]

    def date_messages(self, ticket_id, since, at):
        """Date the messages a job posted on `ticket_id` (ids after
        `since`) at `at`, and keep later batches from dating them again."""
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE mail_message SET date = %s
                WHERE model = 'helpdesk.ticket' AND res_id = %s AND id > %s""",
            [at, ticket_id, since],
        )
        self.floor[ticket_id] = self.last_message()

    def message(self, ticket, at, body, message_type, subtype, author, **extra):  # noqa: PLR0917
        if self.reply_to is _UNSET:
            # One team, one company: every demo ticket's replies go to the
            # same address, looked up once rather than per message.
            self.reply_to = ticket._notify_get_reply_to()[ticket.id]
        self.messages.append(
            {
                "model": "helpdesk.ticket",
                "res_id": ticket.id,
                "body": Markup("<p>%s</p>") % escape(body) if body else "",
                "message_type": message_type,
                "subtype_id": subtype,
                "author_id": author.id,
                "email_from": author.email_formatted or False,
                "date": at,
                "reply_to": self.reply_to,
                **extra,
            }
        )

    # ------------------------------------------------------------ clocks

    def arm(self, ticket):
        """Wake the jobs at the instants of the ticket's counting clocks."""
        for clock in ticket.sla_clock_ids:
            if clock.stopped_at or clock.paused_since:
                continue
            for at, order, kind, payload in self.model._sla_demo_wakeups(
                self.ctx, clock
            ):
                key = (kind, payload, at)
                if at and key not in self.armed:
                    self.armed.add(key)
                    self.push(at, order, kind, payload)

    # ------------------------------------------------------------ steps

    def create_ticket(self, at, index):
        ctx = self.ctx
        plan = ctx.plan.tickets[index]
        contact = ctx.contacts[plan.customer][plan.contact]
        agent = ctx.agents[plan.agent]
        ticket = (
            self.env["helpdesk.ticket"]
            .with_context(
                sla_now=at,
                tracking_disable=True,
                mail_create_nosubscribe=True,
                mail_create_nolog=True,
                mail_notify_force_send=False,
            )
            .create(
                {
                    "name": plan.title,
                    "description": Markup("<p>%s</p>") % plan.description,
                    "partner_id": contact.id,
                    "team_id": ctx.team.id,
                    "user_id": agent.id,
                    "priority": plan.priority,
                    "channel_id": ctx.channels[plan.channel],
                }
            )
        )
        # Kept in the play's environment: one per instant, kept alive, would
        # make every later environment look-up walk them all.
        ticket = ticket.with_env(self.env)
        self.tickets[index] = ticket
        ctx.tickets[ticket.id] = {"created": at, "last": at, "plan": plan}
        self.touch(ticket.id, at)
        if plan.channel == "email":
            self.message(
                ticket,
                at,
                plan.description,
                "email",
                self.comment,
                contact,
                subject=plan.title,
            )
        elif plan.channel == "phone":
            self.message(
                ticket,
                at,
                self.env._("Called in: %(what)s", what=plan.description),
                "comment",
                self.note,
                agent.partner_id,
            )
        for number, step in enumerate(plan.steps):
            self.push(step.at, ORDER_STEP, "step", (index, number))
        self.arm(ticket)

    def step(self, at, index, number):
        ctx = self.ctx
        plan = ctx.plan.tickets[index]
        step = plan.steps[number]
        ticket = self.tickets[index]
        self.touch(ticket.id, at)
        agent = ticket.user_id.partner_id
        if step.kind == dp.REPLY:
            text, via = step.data
            self.model._sla_demo_agent_acts(ctx, self, ticket, at)
            self.message(ticket, at, text, via, self.comment, agent)
            ticket._sla_on_public_reply(at, tr=self.tr)
        elif step.kind == dp.CUSTOMER:
            contact = ctx.contacts[plan.customer][plan.contact]
            self.message(ticket, at, step.data, "email", self.comment, contact)
        elif step.kind == dp.NOTE:
            self.message(ticket, at, step.data, "comment", self.note, agent)
        elif step.kind == dp.STAGE:
            self.model._sla_demo_agent_acts(ctx, self, ticket, at)
            self.move(ticket, at, ctx.stages[step.data], agent)
        elif step.kind == dp.RATE:
            score, feedback = step.data
            self.model._sla_demo_rate(ctx, self, ticket, at, score, feedback)
        self.arm(ticket)

    def move(self, ticket, at, stage, author):
        before = ticket.stage_id
        if before == stage:
            return
        ticket.with_context(sla_skip_policy=True, tracking_disable=True).write(
            {"stage_id": stage.id}
        )
        self.message(
            ticket,
            at,
            "",
            "notification",
            self.note,
            author,
            tracking_value_ids=[
                (
                    0,
                    0,
                    {
                        "field_id": self.stage_field,
                        "old_value_integer": before.id,
                        "new_value_integer": stage.id,
                        "old_value_char": before.display_name,
                        "new_value_char": stage.display_name,
                    },
                )
            ],
        )
        info = self.ctx.tickets[ticket.id]
        info["stage_at"] = at
        if stage.closed:
            info["closed_at"] = at
        ticket._sla_stage_transition(before, stage, at, tr=self.tr)
