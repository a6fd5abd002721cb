import logging
from datetime import timedelta

from psycopg2.extensions import TransactionRollbackError

from odoo import api, fields, models
from odoo.addons.sla_contract.models.sla_clock import METRICS
from odoo.addons.sla_contract.tools.conflicts import handled_conflicts
from odoo.exceptions import UserError

from ..tools import record_by_record

_logger = logging.getLogger(__name__)

MESSAGES_CRON = "sla_escalation.ir_cron_sla_escalation_messages"
# While a wave of escalations is due, messages are looked at again this much
# later, and none waits longer than MAX_MESSAGE_DELAY.
YIELD_FOR = timedelta(seconds=5)
MAX_MESSAGE_DELAY = timedelta(minutes=5)

STATES = [
    ("done", "Escalated"),
    ("skipped", "Condition not met"),
    ("failed", "Failed"),
]
MESSAGE_STATES = [
    ("none", "None"),
    ("queued", "Queued"),
    ("posted", "Posted"),
    ("failed", "Failed"),
]


class SlaEscalationEvent(models.Model):
    """One firing of a rule on a clock cycle: at most one per (clock, rule),
    which the database enforces."""

    _name = "sla.escalation.event"
    _description = "SLA Escalation Event"
    _order = "fired_at desc, id desc"
    _rec_name = "rule_id"

    clock_id = fields.Many2one(
        "sla.clock", required=True, ondelete="cascade", readonly=True
    )
    rule_id = fields.Many2one(
        "sla.escalation.rule", required=True, ondelete="restrict", readonly=True
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    metric = fields.Selection(METRICS, readonly=True)
    threshold_percent = fields.Float(string="Threshold (%)", readonly=True)
    level_name = fields.Char(string="Escalation Level", readonly=True)
    state = fields.Selection(STATES, required=True, default="done", readonly=True)
    due_at = fields.Datetime(
        string="Due", readonly=True, help="When the clock reached the threshold."
    )
    fired_at = fields.Datetime(string="Fired", readonly=True, index=True)
    late_minutes = fields.Float(
        readonly=True,
        help="Minutes between the threshold and the firing when the job ran "
        "late (server down); 0 when on time.",
    )
    notified_partner_ids = fields.Many2many(
        "res.partner", string="Notified", readonly=True
    )
    previous_user_id = fields.Many2one(
        "res.users", string="Was Assigned To", readonly=True
    )
    new_user_id = fields.Many2one("res.users", string="Reassigned To", readonly=True)
    activity_user_id = fields.Many2one(
        "res.users", string="Activity For", readonly=True
    )
    # the activity the step scheduled, while open: a reassignment hands it
    # over to the new agent
    activity_id = fields.Many2one("mail.activity", readonly=True, ondelete="set null")
    customer_message_id = fields.Many2one("mail.message", readonly=True)
    follow_up_at = fields.Datetime(
        string="Follow-up By",
        readonly=True,
        help="When the account manager promised the customer to follow up.",
    )
    summary = fields.Text(string="Done", readonly=True)
    missing_roles = fields.Char(readonly=True)
    error = fields.Text(readonly=True)
    # The firing acts at once (claim, reassignment, activity); its messages,
    # the costly part (rendering, e-mail notifications), are posted by their
    # own job right after, so that a wave of due thresholds fires in time.
    message_state = fields.Selection(
        MESSAGE_STATES,
        string="Messages",
        required=True,
        default="none",
        readonly=True,
        help="The step's note on the ticket and its customer message are "
        "posted by the job SLA: escalation messages, seconds after the step "
        "fired.",
    )
    note_partner_ids = fields.Many2many(
        "res.partner",
        "sla_escalation_event_note_partner_rel",
        "event_id",
        "partner_id",
        string="Note For",
        readonly=True,
    )
    send_customer_message = fields.Boolean(readonly=True)

    _sql_constraints = [
        (
            "clock_rule_uniq",
            "unique(clock_id, rule_id)",
            "A rule fires once per clock cycle.",
        ),
    ]

    def init(self):
        res = super().init()
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS sla_escalation_event_queued_index
                   ON sla_escalation_event (id) WHERE message_state = 'queued'"""
        )
        return res

    # ------------------------------------------------------------------
    # messages
    # ------------------------------------------------------------------

    @api.model
    def _cron_sla_post_messages(self, batch_size=200):
        """Post the queued messages of fired steps, event by event.

        Like the escalation job: events are locked with SKIP LOCKED so that
        two workers split them, each committed on its own in a scheduled
        job, and one that fails is recorded and does not stop the others.
        """
        with handled_conflicts(_logger, "SLA escalation messages"):
            self._sla_post_queued(batch_size)

    @api.model
    def _sla_post_queued(self, batch_size):
        self = self.with_context(  # noqa: PLW0642
            mail_notify_force_send=False, mail_activity_quick_update=True
        )
        commit = self.env["sla.clock"]._sla_escalation_may_commit()
        if self._sla_yield_to_escalations(batch_size):
            self.env["ir.cron"]._sla_wake(
                MESSAGES_CRON, fields.Datetime.now() + YIELD_FOR
            )
            return
        events = record_by_record.lock(
            self.env,
            lambda: self._sla_lock_queued(batch_size),
            commit,
            "SLA escalation messages",
        )
        if events is None:
            self.env["ir.cron"]._sla_wake(
                MESSAGES_CRON, fields.Datetime.now() + timedelta(seconds=1)
            )
            return
        rendered = events._sla_render_customer_messages()

        def mark_failed(event, error):
            event.write({"message_state": "failed", "error": str(error) or repr(error)})

        conflicts = record_by_record.each(
            self.env,
            events,
            commit=commit,
            relock=lambda event: event._sla_relock_queued(),
            work=lambda event: event._sla_post_messages(rendered),
            on_error=mark_failed,
            what="Messages of SLA escalation",
        )
        if conflicts or len(events) == batch_size:
            self.env["ir.cron"]._sla_wake(
                MESSAGES_CRON, fields.Datetime.now() + timedelta(seconds=1)
            )

    @api.model
    def _sla_yield_to_escalations(self, batch_size):
        """Whether to leave the workers to a wave of due escalations first.

        Messages and firings share the workers. When thresholds are due by
        the hundred (an outage), the steps themselves (reassignments,
        activities) come first and their messages follow; a trickle of due
        thresholds does not hold messages back, and no message waits longer
        than MAX_MESSAGE_DELAY for a wave to pass.
        """
        now = fields.Datetime.now()
        self.env.cr.execute(
            """SELECT count(*) FROM (
                   SELECT 1 FROM sla_clock
                    WHERE stopped_at IS NULL AND paused_since IS NULL
                      AND sla_escalation_at IS NOT NULL
                      AND sla_escalation_at <= %s
                    LIMIT %s) due""",
            [now, batch_size],
        )
        if self.env.cr.fetchone()[0] < batch_size:
            return False
        self.env.cr.execute(
            """SELECT min(fired_at) FROM sla_escalation_event
                WHERE message_state = 'queued'""",
        )
        oldest = self.env.cr.fetchone()[0]
        return bool(oldest) and oldest > now - MAX_MESSAGE_DELAY

    @api.model
    def _sla_lock_queued(self, limit):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT id FROM sla_escalation_event
                WHERE message_state = 'queued'
                ORDER BY id LIMIT %s
                  FOR UPDATE SKIP LOCKED""",
            [limit],
        )
        events = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        events.invalidate_recordset()
        return events

    def _sla_relock_queued(self):
        """After a commit: this event, if still queued and not taken by
        another worker meanwhile."""
        self.env.cr.execute(
            """SELECT id FROM sla_escalation_event
                WHERE id = %s AND message_state = 'queued'
                  FOR UPDATE SKIP LOCKED""",
            [self.id],
        )
        self.invalidate_recordset()
        return bool(self.env.cr.fetchone())

    def _sla_render_customer_messages(self):
        """{event id: (subject, body)} of the customer messages to send,
        each template rendered once for all the events' tickets (one step
        per ticket in a render: the template reads the step's level and
        follow-up). A render that fails leaves its events to be rendered one
        by one, where only the faulty one fails."""
        rendered = {}
        by_template = {}
        for event in self.sudo().filtered("send_customer_message"):
            template = event.rule_id.mail_template_id
            if template:
                by_template.setdefault(template, []).append(event)
        for template, events in by_template.items():
            todo = events
            while todo:
                batch, later, tickets = [], [], set()
                for event in todo:
                    if event.ticket_id.id in tickets:
                        later.append(event)
                    else:
                        tickets.add(event.ticket_id.id)
                        batch.append(event)
                todo = later
                rendered.update(self._sla_render_batch(template, batch))
        return rendered

    @api.model
    def _sla_render_batch(self, template, events):
        steps = tuple((event.ticket_id.id, event.id) for event in events)
        ticket_ids = [ticket_id for ticket_id, _event_id in steps]
        template = template.with_context(sla_escalation_steps=steps)
        try:
            with self.env.cr.savepoint():
                # both in each customer's language (the template's lang)
                subjects = template._render_field(
                    "subject", ticket_ids, compute_lang=True
                )
                bodies = template._render_field(
                    "body_html", ticket_ids, compute_lang=True
                )
        except TransactionRollbackError:
            raise
        except Exception:
            _logger.info(
                "Customer messages of %s SLA escalations rendered one by one",
                len(events),
                exc_info=True,
            )
            return {}
        return {
            event_id: (subjects[ticket_id], bodies[ticket_id])
            for ticket_id, event_id in steps
        }

    def _sla_post_messages(self, rendered=None):
        """The customer message, when the rule sends one, then the note that
        tells the ticket's people what the step did. `rendered`: the
        messages already rendered, by event id."""
        rendered = rendered or {}
        for event in self.sudo():
            ticket = event.ticket_id
            rule = event.rule_id
            done = [line for line in (event.summary or "").splitlines() if line]
            missing = [m for m in (event.missing_roles or "").split(", ") if m]
            message = self.env["mail.message"]
            vals = {"message_state": "posted"}
            if event.send_customer_message:
                try:
                    with self.env.cr.savepoint():
                        template = rule.mail_template_id
                        if not template.exists():
                            raise UserError(
                                self.env._(
                                    "The rule's message template no longer exists."
                                )
                            )
                        message = ticket._sla_send_proactive_message(
                            template.with_context(
                                sla_escalation_steps=((ticket.id, event.id),)
                            ),
                            rendered.get(event.id),
                        )
                except TransactionRollbackError:
                    raise
                except Exception as error:
                    _logger.exception(
                        "SLA escalation %r: customer message not sent on %s",
                        rule.name,
                        ticket.display_name,
                    )
                    reason = str(error) or repr(error)
                    done.append(
                        self.env._("Customer message not sent: %(error)s", error=reason)
                    )
                    vals.update(
                        message_state="failed",
                        error=reason,
                        notified_partner_ids=[(3, ticket.partner_id.id)],
                    )
                else:
                    done.append(self.env._("Customer message sent."))
                    vals["customer_message_id"] = message.id
            vals["summary"] = "\n".join(done)
            event.write(vals)
            ticket.message_post(
                body=event.clock_id._sla_escalation_body(rule, event, done, missing),
                message_type="notification",
                subtype_xmlid="sla_escalation.mt_ticket_sla_escalated",
                partner_ids=event.note_partner_ids.ids,
            )

    @api.model
    def _sla_escalation_domain(self):
        """What counts as an escalation, the one rule of the escalation
        rate: a step done by a rule that counts as escalation. A reminder to
        the ticket's own agent, a step whose condition was not met and a
        failed step are not escalations."""
        return [("state", "=", "done"), ("rule_id.is_escalation", "=", True)]

    def action_open_composer(self):
        """The customer message of the rule, prefilled for review."""
        self.ensure_one()
        template = self.rule_id.mail_template_id
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_model": "helpdesk.ticket",
                "default_res_ids": self.ticket_id.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "default_subtype_xmlid": "mail.mt_comment",
            },
        }

    def action_open_ticket(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
        }
