import logging
from datetime import timedelta

from markupsafe import Markup, escape
from psycopg2 import errors as pg_errors
from psycopg2.extensions import TransactionRollbackError

from odoo import api, fields, models, modules
from odoo.addons.sla_contract.models.sla_clock import (
    EVENT_BREACH_LIFTED,
    EVENT_CANCELLED,
    EVENT_MET,
    EVENT_PAUSED,
    EVENT_RESCHEDULED,
    EVENT_RESUMED,
    EVENT_RETARGETED,
    EVENT_STARTED,
)
from odoo.addons.sla_contract.tools.conflicts import handled_conflicts
from odoo.exceptions import UserError

from ..engine import escalation_math
from ..engine.escalation_math import Threshold
from ..tools import record_by_record
from .sla_escalation_event import MESSAGES_CRON

_logger = logging.getLogger(__name__)

ESCALATION_CRON = "sla_escalation.ir_cron_sla_escalation"
# Events after which a clock's next escalation instant moves or goes away.
RESCHEDULE_EVENTS = (
    EVENT_STARTED,
    EVENT_PAUSED,
    EVENT_RESUMED,
    EVENT_RETARGETED,
    EVENT_RESCHEDULED,
    EVENT_BREACH_LIFTED,
    EVENT_MET,
    EVENT_CANCELLED,
)
# A clock whose escalation failed as a whole is tried again this much later,
# so that it cannot keep the job busy in a loop.
RETRY_AFTER = timedelta(minutes=15)


class _ActionLog:
    """What one firing did, whom it reached, and which roles were missing."""

    def __init__(self, env):
        self.done = []
        self.missing = []
        self.partners = env["res.partner"]
        # told on their own, not by the escalation's note
        self.told = env["res.partner"]
        self.activity = env["mail.activity"]
        self.role_names = dict(
            env["sla.escalation.role"]._fields["code"]._description_selection(env)
        )


class SlaClock(models.Model):
    _inherit = "sla.clock"

    sla_escalation_at = fields.Datetime(
        string="Next Escalation",
        readonly=True,
        copy=False,
        help="When the clock reaches its next escalation threshold, in "
        "business time; empty while paused, stopped or with no rule left.",
        groups="base.group_user",
    )
    sla_escalation_event_ids = fields.One2many(
        "sla.escalation.event",
        "clock_id",
        string="Escalations",
        groups="base.group_user",
    )

    def init(self):
        res = super().init()
        # Counting clocks only, while stopped ones pile up for ever; the
        # job's queries repeat the predicate so that PostgreSQL uses it.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS sla_clock_escalation_due_index
                   ON sla_clock (sla_escalation_at)
                WHERE stopped_at IS NULL AND paused_since IS NULL
                  AND sla_escalation_at IS NOT NULL"""
        )
        return res

    # ------------------------------------------------------------------
    # scheduling
    # ------------------------------------------------------------------

    def _sla_on_transition(self, events):
        res = super()._sla_on_transition(events)
        moved = self.browse().union(
            *(events.get(event, self.browse()) for event in RESCHEDULE_EVENTS)
        )
        if moved:
            moved._sla_escalation_schedule()
        return res

    @api.model
    def _sla_escalation_rule_map(self, company_ids):
        """{(company id, metric): active rules, lowest threshold first}."""
        rules = (
            self.env["sla.escalation.rule"]
            .sudo()
            .search([("company_id", "in", list(company_ids))])
            .sorted(lambda r: (r.threshold_percent, r.sequence, r.id))
        )
        result = {}
        for rule in rules:
            result.setdefault((rule.company_id.id, rule.metric), []).append(rule)
        return result

    def _sla_escalation_rules(self, rule_map):
        """The rules of this clock's company and metric that apply to its
        tier."""
        self.ensure_one()
        return [
            rule
            for rule in rule_map.get((self.company_id.id, self.metric), [])
            if not rule.tier_ids or self.tier_id in rule.tier_ids
        ]

    def _sla_fired_rule_ids(self):
        """{clock id: ids of the rules recorded on it}, in one query."""
        result = {clock.id: set() for clock in self}
        if not self.ids:
            return result
        self.env["sla.escalation.event"].flush_model(["clock_id", "rule_id"])
        self.env.cr.execute(
            "SELECT clock_id, rule_id FROM sla_escalation_event WHERE clock_id IN %s",
            [tuple(self.ids)],
        )
        for clock_id, rule_id in self.env.cr.fetchall():
            result[clock_id].add(rule_id)
        return result

    def _sla_escalation_schedule(self, rule_map=None):
        """Store each clock's next pending escalation instant and wake the
        job then. Thresholds grow with the percentage, so the next one is
        the lowest percentage not fired yet."""
        if rule_map is None:
            rule_map = self._sla_escalation_rule_map(set(self.company_id.ids))
        fired = self._sla_fired_rule_ids()
        instants = []
        for clock in self:
            at = False
            if not clock.stopped_at and not clock.paused_since:
                at = clock._sla_next_escalation_at(
                    clock._sla_escalation_rules(rule_map), fired[clock.id]
                )
            if clock.sla_escalation_at != at:
                clock.sla_escalation_at = at
            if at:
                instants.append(at)
        if instants:
            self.env["ir.cron"]._sla_wake(ESCALATION_CRON, min(instants))

    def _sla_next_escalation_at(self, rules, fired_rule_ids):
        """The instant of the next threshold that will fire: the lowest
        percentage not fired yet whose rule was in effect when the clock
        reaches it. Instants grow with the percentage, so the first one in
        effect is the next, and the rest need not be computed."""
        self.ensure_one()
        for rule in rules:
            if rule.id in fired_rule_ids:
                continue
            at = self._instant_at(rule.threshold_percent)
            if escalation_math.in_effect(at, rule.effective_from):
                return at
        return False

    @api.model
    def _sla_escalation_reschedule_companies(self, companies):
        clocks = self.sudo().search(
            [("stopped_at", "=", False), ("company_id", "in", companies.ids)]
        )
        Update = self.env["sla.update"]
        if len(clocks) > Update._sla_sync_limit():
            # many open clocks: re-planned in the background (sla.update)
            Update._sla_enqueue(
                "escalation",
                clocks.ids,
                self.env._("Escalation rules edited"),
                self._sla_now(),
            )
        elif clocks:
            clocks._sla_escalation_schedule()

    # ------------------------------------------------------------------
    # scheduled job
    # ------------------------------------------------------------------

    @api.model
    def _cron_sla_escalate(self, batch_size=200):
        """Fire the escalations due, clock by clock, then re-arm the job for
        the next instant.

        Due clocks are locked with SKIP LOCKED so that two workers split
        them; the unique (clock, rule) firing record is the last guard. One
        clock that fails is logged and tried again later; the rest proceed.

        A clock that loses a race with another worker on a shared row (the
        same agent or customer, a serialization failure or a deadlock) is
        not a failing ticket: its firing is rolled back, not recorded as
        failed, and the clock stays due for the next run, woken at once. Run
        as a scheduled job, each clock is committed on its own, so that one
        conflict costs one clock and the next one starts on a fresh snapshot.
        """
        with handled_conflicts(_logger, "SLA escalation job"):
            self._sla_escalate_due(batch_size)

    @api.model
    def _sla_escalate_due(self, batch_size):
        # E-mails go to the mail queue rather than out of the job's own
        # transaction, and an activity is not announced by an e-mail of its
        # own: the escalation's note already reaches the people it concerns.
        self = self.with_context(  # noqa: PLW0642
            mail_notify_force_send=False, mail_activity_quick_update=True
        )
        now = self._sla_now()
        commit = self._sla_escalation_may_commit()
        clocks = record_by_record.lock(
            self.env,
            lambda: self._sla_lock_due(now, batch_size),
            commit,
            "SLA escalation job",
        )
        if clocks is None:
            self.env["ir.cron"]._sla_wake(
                ESCALATION_CRON, fields.Datetime.now() + timedelta(seconds=1)
            )
            return
        rule_map = self._sla_escalation_rule_map(set(clocks.company_id.ids))

        def retry_later(clock, _error):
            clock.sla_escalation_at = now + RETRY_AFTER

        conflicts = record_by_record.each(
            self.env,
            clocks,
            commit=commit,
            relock=lambda clock: self._sla_relock_due(clock, now),
            work=lambda clock: clock._sla_escalate(now, rule_map),
            on_error=retry_later,
            what="SLA clock",
        )
        if clocks:
            # the steps fired queued their messages: the job that posts them
            # runs now, beside the next batch of this one
            self.env["ir.cron"]._sla_wake(MESSAGES_CRON, fields.Datetime.now())
        if conflicts or len(clocks) == batch_size:
            self.env["ir.cron"]._sla_wake(
                ESCALATION_CRON, fields.Datetime.now() + timedelta(seconds=1)
            )
        else:
            self._sla_arm_escalation_job(now)

    @api.model
    def _sla_escalation_may_commit(self):
        """Commit clock by clock only in a scheduled job, never in tests."""
        return bool(self.env.context.get("cron_id")) and not modules.module.current_test

    @api.model
    def _sla_relock_due(self, clock, now):
        self.env.cr.execute(
            """SELECT id FROM sla_clock
                 WHERE id = %s AND stopped_at IS NULL AND paused_since IS NULL
                   AND sla_escalation_at IS NOT NULL AND sla_escalation_at <= %s
                   FOR UPDATE SKIP LOCKED""",
            [clock.id, now],
        )
        clock.invalidate_recordset()
        return bool(self.env.cr.fetchone())

    @api.model
    def _sla_lock_due(self, now, limit):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT id FROM sla_clock
                 WHERE stopped_at IS NULL AND paused_since IS NULL
                   AND sla_escalation_at IS NOT NULL AND sla_escalation_at <= %s
                 ORDER BY sla_escalation_at LIMIT %s
                   FOR UPDATE SKIP LOCKED""",
            [now, limit],
        )
        clocks = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        clocks.invalidate_recordset()
        return clocks

    @api.model
    def _sla_arm_escalation_job(self, after):
        """Wake the job at the next escalation instant after `after`, the
        instant the run judged by: a clock still due then was left to another
        worker (locked), which arms its own next run."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT min(sla_escalation_at) FROM sla_clock
                WHERE stopped_at IS NULL AND paused_since IS NULL
                  AND sla_escalation_at IS NOT NULL AND sla_escalation_at > %s""",
            [after],
        )
        nxt = self.env.cr.fetchone()[0]
        if nxt:
            self.env["ir.cron"]._sla_wake(ESCALATION_CRON, nxt)

    # ------------------------------------------------------------------
    # firing
    # ------------------------------------------------------------------

    def _sla_escalate(self, now, rule_map):
        """Fire this clock's thresholds reached at `now`, oldest first, each
        once, then store the next one.

        A step may move the ticket (to the engineering team, say) and so
        re-target, cancel or pause its clocks: what is due is decided again
        after each step, on the clock as the step left it.
        """
        self.ensure_one()
        fired = self._sla_fired_rule_ids()[self.id]
        while not self.stopped_at and not self.paused_since:
            rules = {rule.id: rule for rule in self._sla_escalation_rules(rule_map)}
            thresholds = [
                Threshold(
                    rule.id,
                    self._instant_at(rule.threshold_percent),
                    rule.threshold_percent,
                    rule.sequence,
                    rule.effective_from or None,
                )
                for rule in rules.values()
                if rule.id not in fired
            ]
            due = escalation_math.due(thresholds, fired, now)
            if not due:
                break
            threshold = due[0]
            self._sla_fire(rules[threshold.rule_id], threshold.at, now)
            # fired, failed, or fired by another worker: never again here
            fired.add(threshold.rule_id)
        self._sla_escalation_schedule(rule_map)

    def _sla_fire(self, rule, due_at, now):
        """Claim the firing of `rule` on this clock, then act.

        The claim is an insert the unique (clock, rule) constraint lets
        through once: a second worker waits for the first one's commit and
        gets nothing, so it never acts. A failing action rolls the firing
        back and records it as failed, so that the clock moves on.
        """
        self.ensure_one()
        late = escalation_math.lateness_seconds(due_at, now)
        vals = {
            "due_at": due_at,
            "fired_at": now,
            "late_minutes": round(late / 60.0, 1),
        }
        try:
            with self.env.cr.savepoint():
                event = self._sla_claim(rule, vals)
                if not event:
                    return self.env["sla.escalation.event"]
                if self._sla_condition_holds(rule, due_at, now):
                    self._sla_run_actions(rule, event, now)
                else:
                    event.state = "skipped"
                    event.summary = self.env._(
                        "Condition not met: %(condition)s.",
                        condition=dict(
                            rule._fields["condition"]._description_selection(self.env)
                        )[rule.condition],
                    )
                event.flush_recordset()
        except TransactionRollbackError:
            # a race with another worker, not this ticket's fault: the
            # caller retries the clock, nothing is recorded
            raise
        except Exception as error:
            _logger.exception(
                "SLA escalation %r failed on ticket %s",
                rule.name,
                self.ticket_id.display_name,
            )
            event = self._sla_claim(
                rule, dict(vals, state="failed", error=str(error) or repr(error))
            )
            if event:
                self._sla_post_failure(rule, event)
            return event
        if late:
            _logger.warning(
                "SLA escalation %r on %s fired %d minutes late (due %s)",
                rule.name,
                self.display_name,
                late // 60,
                due_at,
            )
        return event

    def _sla_claim(self, rule, vals):
        """Insert the firing record, or nothing when it exists already."""
        uid = self.env.uid
        try:
            with self.env.cr.savepoint():
                row = self._sla_claim_row(rule, uid)
        except (
            pg_errors.UniqueViolation,
            pg_errors.SerializationFailure,
        ):
            # Another worker fired it and committed since this transaction
            # began (Odoo's snapshot isolation refuses to wait and see).
            row = None
        if not row:
            return self.env["sla.escalation.event"]
        event = self.env["sla.escalation.event"].sudo().browse(row[0])
        # Inserted past the ORM: what reads the firings (the ticket's
        # escalation flag, the conditions of the next steps) must see it.
        self.invalidate_recordset(["sla_escalation_event_ids"])
        self.ticket_id.invalidate_recordset(["sla_escalation_event_ids"])
        event.modified(["state", "rule_id"])
        event.write(vals)
        return event

    def _sla_claim_row(self, rule, uid):
        self.env.cr.execute(
            """INSERT INTO sla_escalation_event
                   (clock_id, rule_id, ticket_id, company_id, metric,
                    threshold_percent, level_name, state, message_state,
                    create_uid, create_date, write_uid, write_date)
               VALUES (%s, %s, %s, %s, %s, %s, %s, 'done', 'none', %s,
                       now() at time zone 'UTC', %s, now() at time zone 'UTC')
               ON CONFLICT (clock_id, rule_id) DO NOTHING
               RETURNING id""",
            [
                self.id,
                rule.id,
                self.ticket_id.id,
                self.company_id.id,
                self.metric,
                rule.threshold_percent,
                rule.level_name or rule.name,
                uid,
                uid,
            ],
            log_exceptions=False,
        )
        return self.env.cr.fetchone()

    def _sla_post_failure(self, rule, event):
        """A failed step leaves a note on its ticket: its agents see what was
        not done and why, not only the escalation history."""
        self.ensure_one()
        body = escape(
            self.env._(
                "Escalation %(rule)s failed: %(error)s Nothing of this step was "
                "done; a helpdesk manager should check the rule.",
                rule=rule.name,
                error=event.error,
            )
        )
        try:
            with self.env.cr.savepoint():
                self.ticket_id.sudo().message_post(
                    body=body,
                    message_type="comment",
                    subtype_xmlid="mail.mt_note",
                )
        except TransactionRollbackError:
            raise
        except Exception:
            # the failure is recorded on the escalation all the same
            _logger.exception(
                "Could not post the failed escalation on ticket %s",
                self.ticket_id.display_name,
            )

    def _sla_condition_holds(self, rule, due_at, now):
        """The rule's condition, judged at the instant the threshold was
        reached (a late run judges what it missed, not the present)."""
        self.ensure_one()
        if rule.condition == "always":
            return True
        history = [
            (at, kind)
            for at, kind, _stages in self.ticket_id._sla_history(self.start_at, due_at)
        ]
        if rule.condition == "no_response":
            return not escalation_math.has_reply(history, self.start_at)
        if rule.condition == "no_progress":
            previous = self.sla_escalation_event_ids.filtered(
                lambda e: e.state == "done" and e.fired_at and e.rule_id != rule
            )
            since = max(previous.mapped("due_at"), default=self.start_at)
            return not escalation_math.made_progress(history, since)
        last = escalation_math.last_activity(history, self.start_at)
        idle = self._work_calendar().minutes_between(last, due_at)
        return escalation_math.is_stalled(
            idle, self.target_minutes, rule.stalled_percent
        )

    def _sla_run_actions(self, rule, event, now):
        """Reassign, pull in engineering, notify, schedule, message the
        customer, each a step of its own; what could not be done for want of
        a role is logged on the ticket."""
        self.ensure_one()
        ticket = self.ticket_id.sudo()
        log = _ActionLog(self.env)
        previous = ticket.user_id
        self._sla_action_reassign(rule, ticket, log)
        self._sla_action_engineering(rule, ticket, log)
        # Roles after the moves: a reassigned ticket's agent is the senior.
        roles = ticket._sla_escalation_roles(rule)
        self._sla_action_notify(rule, roles, log)
        activity_user = self._sla_action_activity(rule, ticket, roles, log)
        ticket.sla_escalation_level = event.level_name
        event.follow_up_at = self._sla_follow_up_at(now, rule.follow_up_hours)
        # a review activity renders the message now, with the follow-up
        send = self._sla_action_customer(rule, ticket, roles, log)
        reached = log.partners | log.told
        if send:
            reached |= ticket.partner_id
        event.write(
            {
                "previous_user_id": previous.id,
                "new_user_id": ticket.user_id.id
                if ticket.user_id != previous
                else False,
                "activity_user_id": activity_user.id,
                "activity_id": log.activity.id,
                "notified_partner_ids": [(6, 0, reached.ids)],
                # the customer has the public message; the note is internal
                "note_partner_ids": [(6, 0, log.partners.ids)],
                "send_customer_message": send,
                "message_state": "queued",
                "summary": "\n".join(log.done),
                "missing_roles": ", ".join(log.missing),
            }
        )

    def _sla_action_reassign(self, rule, ticket, log):
        if not rule.reassign_senior:
            return
        senior = ticket._sla_least_loaded_senior()
        if senior is None:
            log.missing.append(log.role_names["senior"])
        elif senior != ticket.user_id:
            former = ticket.user_id
            ticket.user_id = senior
            log.done.append(self.env._("Reassigned to %(user)s.", user=senior.name))
            if former:
                self._sla_hand_over(rule, ticket, former, senior, log)

    def _sla_hand_over(self, rule, ticket, former, senior, log):
        """The former agent's open escalation activities on the ticket go to
        the new agent, whose ticket it now is, and the former agent is told
        that the ticket is no longer his."""
        activities = ticket.sla_escalation_event_ids.activity_id.filtered(
            lambda a: a.active and a.user_id == former
        )
        if activities:
            activities.write({"user_id": senior.id})
            log.done.append(
                self.env._(
                    "Open activities moved from %(former)s to %(user)s: "
                    "%(activities)s.",
                    former=former.name,
                    user=senior.name,
                    activities=", ".join(activities.mapped("summary")),
                )
            )
        if not former.active:
            return
        lines = [
            self.env._(
                "The ticket %(ticket)s was reassigned to %(user)s by the "
                "escalation %(rule)s: it is no longer yours to answer.",
                ticket=ticket.display_name,
                user=senior.name,
                rule=rule.name,
            )
        ]
        if activities:
            lines.append(
                self.env._(
                    "Your open activities on it went to %(user)s: %(activities)s.",
                    user=senior.name,
                    activities=", ".join(activities.mapped("summary")),
                )
            )
        ticket.message_notify(
            partner_ids=former.partner_id.ids,
            subject=self.env._(
                "%(ticket)s reassigned to %(user)s",
                ticket=ticket.display_name,
                user=senior.name,
            ),
            body=Markup("<br/>").join(escape(line) for line in lines),
        )
        log.told |= former.partner_id

    def _sla_action_engineering(self, rule, ticket, log):
        if rule.engineering_mode == "none":
            return
        team = rule.engineering_team_id or ticket.company_id.sla_engineering_team_id
        if not team:
            log.missing.append(self.env._("Engineering team"))
        elif rule.engineering_mode == "move":
            if ticket.team_id != team:
                ticket.team_id = team
                log.done.append(
                    self.env._("Moved to the team %(team)s.", team=team.name)
                )
        else:
            members = (team.user_ids | team.user_id).filtered("active")
            ticket.message_subscribe(partner_ids=members.partner_id.ids)
            log.done.append(
                self.env._("The team %(team)s follows the ticket.", team=team.name)
            )

    def _sla_action_notify(self, rule, roles, log):
        for role in rule.notify_role_ids:
            users = roles.get(role.code)
            if users:
                log.partners |= users.partner_id
            else:
                log.missing.append(role.name)

    def _sla_action_activity(self, rule, ticket, roles, log):
        user = self.env["res.users"]
        if not rule.activity_type_id:
            return user
        user = roles.get(rule.activity_role_id.code or "agent", user)[:1]
        if not user:
            log.missing.append(rule.activity_role_id.name or log.role_names["agent"])
            return user
        log.activity = ticket.activity_schedule(
            activity_type_id=rule.activity_type_id.id,
            summary=rule.activity_summary or rule.name,
            note=rule.activity_note or "",
            user_id=user.id,
            date_deadline=fields.Date.context_today(ticket),
        )
        log.done.append(self.env._("Activity for %(user)s.", user=user.name))
        return user

    def _sla_action_customer(self, rule, ticket, roles, log):
        """Whether the customer message is to be sent (by the messages job,
        which renders the template); a message to review is prepared now."""
        if rule.customer_message == "none":
            return False
        template = rule.mail_template_id
        if not template.exists():
            raise UserError(self.env._("The rule's message template no longer exists."))
        if rule.customer_message == "send":
            if not ticket.partner_id:
                log.missing.append(self.env._("Customer"))
                return False
            return True
        reviewer = ticket._sla_follow_up_user(roles)
        if not roles["account_manager"]:
            log.missing.append(log.role_names["account_manager"])
        if reviewer:
            ticket._sla_prepare_proactive_message(template, reviewer)
            log.done.append(
                self.env._(
                    "Customer message prepared for %(user)s to review.",
                    user=reviewer.name,
                )
            )
        return False

    def _sla_escalation_body(self, rule, event, done, missing):
        lines = [
            escape(
                self.env._(
                    "Escalation %(rule)s: %(percent)s%% of the %(metric)s target "
                    "reached at %(due)s.",
                    rule=rule.name,
                    percent=round(rule.threshold_percent),
                    metric=self._fields["metric"].convert_to_export(self.metric, self),
                    due=self._sla_local(event.due_at),
                )
            )
        ]
        if event.late_minutes:
            lines.append(
                escape(
                    self.env._(
                        "Fired %(minutes)s minutes late.",
                        minutes=round(event.late_minutes),
                    )
                )
            )
        lines += [escape(line) for line in done]
        if missing:
            lines.append(
                escape(
                    self.env._(
                        "Not set, so not reached: %(roles)s.",
                        roles=", ".join(missing),
                    )
                )
            )
        return Markup("<br/>").join(lines)

    def _sla_follow_up_at(self, now, hours):
        """`hours` business hours after `now`, on the clock's calendar."""
        at = self._work_calendar().add_minutes(now, max(hours, 0.0) * 60)
        return at.replace(tzinfo=None)

    def _sla_expected_at(self, now):
        """The resolution time to promise: the deadline while ahead, else a
        quarter of the target from now, in business time."""
        if not self:
            return False
        self.ensure_one()
        if self.stopped_at:
            return self.stopped_at
        if self.deadline and self.deadline > now:
            return self.deadline
        used = self.with_context(sla_now=now).percent_used
        return self._instant_at(max(used, 100.0) + 25.0) or self.deadline
