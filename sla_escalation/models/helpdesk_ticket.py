from textwrap import shorten

from odoo import api, fields, models
from odoo.tools import html2plaintext

from ..engine import escalation_math

PROGRESS_CHARS = 300


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    sla_escalation_event_ids = fields.One2many(
        "sla.escalation.event",
        "ticket_id",
        string="Escalations",
        groups="base.group_user",
    )
    sla_escalation_count = fields.Integer(
        compute="_compute_sla_escalation_count",
        string="Escalation Count",
        groups="base.group_user",
    )
    # The escalation rate's one definition (see readme/USAGE.md): the flag,
    # the Escalated filter, the ticket pivot, the weekly report and the
    # service review all read these stored values.
    sla_escalations = fields.Integer(
        string="Escalations Fired",
        compute="_compute_sla_escalated",
        store=True,
        help="Escalation steps done on the ticket, over all its clocks and "
        "cycles. Reminders to the ticket's own agent (rules that do not count "
        "as escalation) and steps whose condition was not met are not "
        "escalations.",
        groups="base.group_user",
    )
    sla_escalated = fields.Boolean(
        string="Escalated",
        compute="_compute_sla_escalated",
        store=True,
        index=True,
        help="At least one rule that counts as escalation acted on the ticket; "
        "a reminder to its own agent does not make it escalated.",
        groups="base.group_user",
    )
    # 100 or 0 per ticket, so that its average over any group of tickets is
    # the escalation rate of that group.
    sla_escalation_rate = fields.Float(
        string="Escalation Rate (%)",
        compute="_compute_sla_escalated",
        store=True,
        aggregator="avg",
        groups="base.group_user",
    )
    sla_escalation_level = fields.Char(
        string="Escalation Level",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    sla_progress_note = fields.Text(
        string="Progress Update",
        help="What the customer reads as our progress in an escalation "
        "message, completing 'our team has ...'. The latest public reply "
        "when empty.",
        groups="base.group_user",
    )
    sla_expected_resolution_at = fields.Datetime(
        string="Expected Resolution",
        help="The resolution time promised in escalation messages; the "
        "resolution deadline, or a new estimate once it has passed, when "
        "empty.",
        groups="base.group_user",
    )
    # What the proactive message template reads: every placeholder has a
    # value even when the agent filled nothing.
    sla_progress_update = fields.Text(
        compute="_compute_sla_message_values", groups="base.group_user"
    )
    sla_expected_resolution_display = fields.Char(
        compute="_compute_sla_message_values", groups="base.group_user"
    )
    sla_account_manager_name = fields.Char(
        string="Follow-up Contact",
        compute="_compute_sla_message_values",
        help="Who the customer message says will follow up: the account "
        "manager, else the team lead, never an archived user.",
        groups="base.group_user",
    )
    sla_follow_up_display = fields.Char(
        compute="_compute_sla_message_values", groups="base.group_user"
    )
    sla_escalation_level_display = fields.Char(
        compute="_compute_sla_message_values", groups="base.group_user"
    )

    @api.depends(
        "sla_escalation_event_ids.state",
        "sla_escalation_event_ids.rule_id.is_escalation",
    )
    def _compute_sla_escalated(self):
        Event = self.env["sla.escalation.event"].sudo()
        # from the database: firings are claimed in SQL, past the ORM cache
        ticket_ids = [ticket.id for ticket in self if ticket.id]
        counts = (
            dict(
                Event._read_group(
                    [("ticket_id", "in", ticket_ids), *Event._sla_escalation_domain()],
                    ["ticket_id"],
                    ["__count"],
                )
            )
            if ticket_ids
            else {}
        )
        for ticket in self:
            count = counts.get(ticket._origin, 0)
            ticket.sla_escalations = count
            ticket.sla_escalated = bool(count)
            ticket.sla_escalation_rate = 100.0 if count else 0.0

    def _compute_sla_escalation_count(self):
        counts = dict(
            self.env["sla.escalation.event"]
            .sudo()
            ._read_group(
                # a failed step is part of the history the agent must see
                [("ticket_id", "in", self.ids), ("state", "in", ("done", "failed"))],
                ["ticket_id"],
                ["__count"],
            )
        )
        for ticket in self:
            ticket.sla_escalation_count = counts.get(ticket, 0)

    @api.depends_context("lang", "sla_escalation_steps")
    def _compute_sla_message_values(self):
        now = fields.Datetime.now()
        # ((ticket id, event id), ...): the step whose message is rendered,
        # posted after later steps may have fired: its own level and
        # follow-up, not the latest ones
        steps = dict(self.env.context.get("sla_escalation_steps") or ())
        Event = self.env["sla.escalation.event"].sudo()
        for ticket in self:
            step = Event.browse(steps.get(ticket.id))
            # the customer reads the message: his time zone, when he has one
            tz = ticket.partner_id.tz
            clocks = ticket.sudo().sla_clock_ids
            resolution = clocks.filtered(lambda c: c.metric == "resolution").sorted(
                "cycle"
            )[-1:]
            ticket.sla_progress_update = ticket._sla_progress_text() or self.env._(
                "reviewed your request and is actively investigating it"
            )
            expected = ticket.sla_expected_resolution_at or resolution._sla_expected_at(
                now
            )
            ticket.sla_expected_resolution_display = (
                resolution._sla_local(expected, tz)
                if resolution and expected
                else self.env._("to be confirmed by your account manager")
            )
            # whoever will act on the promise, never someone who left
            ticket.sla_account_manager_name = (
                ticket.sudo()._sla_follow_up_user().name
                or self.env._("Our support team")
            )
            event = (
                step
                if step
                else ticket.sudo().sla_escalation_event_ids.filtered(
                    lambda e: e.state == "done" and e.follow_up_at
                )[:1]
            )
            follow_up = event.follow_up_at
            if not follow_up and resolution:
                follow_up = resolution._sla_follow_up_at(now, 2.0)
            ticket.sla_follow_up_display = (
                resolution._sla_local(follow_up, tz)
                if resolution and follow_up
                else self.env._("the end of the next business day")
            )
            level = (
                step.rule_id.level_name or step.level_name
                if step
                else ticket._sla_escalation_level_name()
            )
            ticket.sla_escalation_level_display = level or self.env._(
                "our senior support team"
            )

    def _sla_escalation_level_name(self):
        """The level the ticket was escalated to, as the reader's language
        names it: the job stored it in its own language, so the rule that
        fired with that level gives its translation."""
        self.ensure_one()
        level = self.sla_escalation_level
        if not level:
            return level
        event = (
            self.sudo()
            .sla_escalation_event_ids.filtered(
                lambda e: e.state == "done" and e.level_name == level
            )
            .sorted("id")[-1:]
        )
        return event.rule_id.level_name or level

    def _sla_progress_text(self):
        """The agent's progress note, else the latest public reply quoted."""
        self.ensure_one()
        if self.sla_progress_note:
            return self.sla_progress_note.strip()
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("message_type", "in", ("comment", "email")),
                ],
                order="date desc, id desc",
                limit=20,
            )
        )
        for message in messages:
            if self._sla_is_public_reply(message):
                text = shorten(html2plaintext(message.body or ""), PROGRESS_CHARS)
                return self.env._("replied: “%(text)s”", text=text)
        return ""

    def _sla_escalation_roles(self, rule=None):
        """{role code: active users} of the ticket; an empty recordset for a
        role nobody fills."""
        self.ensure_one()
        company = self.company_id
        team = self.team_id
        engineering = (rule and rule.engineering_team_id) or (
            company.sla_engineering_team_id
        )
        roles = {
            "agent": self.user_id,
            "senior": team.sla_senior_user_ids,
            "team_lead": team.user_id,
            "engineering_lead": engineering.user_id,
            "manager": team.sla_manager_id or company.sla_escalation_manager_id,
            "account_manager": self.sla_contract_id.sla_account_manager_id,
            "director": company.sla_director_id,
            "vp": company.sla_vp_id,
        }
        return {code: users.filtered("active") for code, users in roles.items()}

    def _sla_follow_up_user(self, roles=None):
        """Who follows up with the customer after an escalation: the
        account manager, else the team lead, active users only; empty when
        neither is set. The customer message names this user and the review
        of a prepared message goes to him."""
        self.ensure_one()
        if roles is None:
            roles = self._sla_escalation_roles()
        return roles["account_manager"][:1] or roles["team_lead"][:1]

    def _sla_least_loaded_senior(self):
        """The senior agent of the ticket's team with the fewest open
        tickets; the current assignee when he is the only senior; None when
        the team has no senior pool."""
        self.ensure_one()
        pool = self.team_id.sla_senior_user_ids.filtered("active").sorted("id")
        if not pool:
            return None
        counts = dict(
            self.env["helpdesk.ticket"]
            .sudo()
            ._read_group(
                [("user_id", "in", pool.ids), ("stage_id.closed", "=", False)],
                ["user_id"],
                ["__count"],
            )
        )
        loads = [(user.id, counts.get(user, 0)) for user in pool]
        chosen = escalation_math.least_loaded(loads, exclude={self.user_id.id})
        if chosen is None:
            return self.user_id
        return pool.browse(chosen)

    def _sla_render_proactive_message(self, template):
        self.ensure_one()
        # both in the customer's language (the template's lang)
        subject = template._render_field("subject", self.ids, compute_lang=True)[
            self.id
        ]
        body = template._render_field("body_html", self.ids, compute_lang=True)[self.id]
        return subject, body

    def _sla_send_proactive_message(self, template, rendered=None):
        """Post the template to the customer as a public message from the
        company: not an agent's reply, so no clock counts it as a response.
        `rendered`: (subject, body) when rendered already."""
        self.ensure_one()
        subject, body = rendered or self._sla_render_proactive_message(template)
        company = self.company_id
        return self.message_post(
            body=body,
            subject=subject,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.partner_id.ids,
            author_id=company.partner_id.id,
            email_from=company.email_formatted or None,
        )

    def _sla_prepare_proactive_message(self, template, user):
        """An activity for `user` holding the message, to review and send
        from the escalation's composer."""
        self.ensure_one()
        _subject, body = self._sla_render_proactive_message(template)
        return self.activity_schedule(
            "mail.mail_activity_data_email",
            user_id=user.id,
            summary=self.env._("Review and send the proactive escalation message"),
            note=body,
            date_deadline=fields.Date.context_today(self),
        )

    def action_view_sla_escalations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sla_escalation.sla_escalation_event_action"
        )
        action["domain"] = [("ticket_id", "=", self.id)]
        action["context"] = {"default_ticket_id": self.id}
        return action
