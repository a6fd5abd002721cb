from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from ..engine import sla_math
from ..engine.sla_math import STATE_BREACHED, STATE_MET
from .sla_clock import STATES, _naive

POLICY_FIELDS = {"priority", "partner_id", "sla_contract_id", "team_id"}


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    sla_contract_id = fields.Many2one(
        "contract.contract",
        string="SLA Contract",
        tracking=True,
        index="btree_not_null",
        domain="[('contract_type', '=', 'sale'), ('sla_tier_id', '!=', False),"
        " ('commercial_partner_id', '=', commercial_partner_id)]",
        help="Set from the customer's active SLA contract; pick another to "
        "apply its tier instead.",
    )
    sla_tier_id = fields.Many2one(
        "sla.tier",
        string="SLA Tier",
        compute="_compute_sla_tier_id",
        store=True,
        index="btree_not_null",
    )
    sla_clock_ids = fields.One2many("sla.clock", "ticket_id", string="SLA Clocks")
    sla_next_deadline = fields.Datetime(
        string="SLA Deadline",
        compute="_compute_sla_summary",
        store=True,
        index=True,
        help="The next deadline among the clocks still counting.",
    )
    sla_at_risk_at = fields.Datetime(
        string="SLA At Risk From",
        compute="_compute_sla_summary",
        store=True,
        index=True,
    )
    sla_state = fields.Selection(
        STATES, string="SLA Status", compute="_compute_sla_summary", store=True
    )
    sla_breached = fields.Boolean(
        string="SLA Breached", compute="_compute_sla_summary", store=True
    )
    sla_paused = fields.Boolean(
        string="SLA Paused", compute="_compute_sla_summary", store=True
    )
    sla_color = fields.Selection(
        [("green", "On track"), ("yellow", "At risk"), ("red", "Breached")],
        string="SLA",
        compute="_compute_sla_live",
    )
    sla_remaining_display = fields.Char(
        string="SLA Remaining", compute="_compute_sla_live"
    )
    sla_at_risk = fields.Boolean(
        string="SLA At Risk", compute="_compute_sla_live", search="_search_sla_at_risk"
    )
    sla_due_today = fields.Boolean(
        string="SLA Due Today",
        compute="_compute_sla_live",
        search="_search_sla_due_today",
    )
    sla_priority_id = fields.Many2one(
        "sla.priority",
        string="Priority Definition",
        compute="_compute_sla_priority_id",
        compute_sudo=True,
        store=True,
    )
    sla_priority_help = fields.Char(
        string="Priority Meaning", compute="_compute_sla_priority_help"
    )

    @api.depends("sla_contract_id.sla_tier_id", "team_id.sla_default_tier_id")
    def _compute_sla_tier_id(self):
        for ticket in self:
            ticket.sla_tier_id = (
                ticket.sla_contract_id.sla_tier_id or ticket.team_id.sla_default_tier_id
            )

    @api.depends(
        "sla_clock_ids.state",
        "sla_clock_ids.deadline",
        "sla_clock_ids.at_risk_at",
        "sla_clock_ids.stopped_at",
        "sla_clock_ids.paused_since",
    )
    def _compute_sla_summary(self):
        for ticket in self:
            clocks = ticket.sla_clock_ids
            open_clocks = clocks.filtered(lambda c: not c.stopped_at)
            counting = open_clocks.filtered(lambda c: not c.paused_since)
            ticket.sla_next_deadline = min(counting.mapped("deadline"), default=False)
            ticket.sla_at_risk_at = min(counting.mapped("at_risk_at"), default=False)
            ticket.sla_state = sla_math.worst_state(clocks.mapped("state"))
            ticket.sla_breached = STATE_BREACHED in clocks.mapped("state")
            ticket.sla_paused = bool(open_clocks) and not counting

    @api.depends_context("sla_now")
    @api.depends("sla_next_deadline", "sla_at_risk_at", "sla_breached", "sla_clock_ids")
    def _compute_sla_live(self):
        now = self._sla_now()
        today = self._sla_today_bounds()
        for ticket in self:
            live = ticket.sla_clock_ids.filtered(lambda c: c.state != STATE_MET)
            colors = set(live.mapped("color"))
            if ticket.sla_breached or "red" in colors:
                ticket.sla_color = "red"
            elif "yellow" in colors:
                ticket.sla_color = "yellow"
            else:
                ticket.sla_color = "green" if ticket.sla_clock_ids else False
            nxt = live.filtered(lambda c: not c.stopped_at).sorted(
                lambda c: (bool(c.paused_since), c.deadline or datetime.max)
            )[:1]
            ticket.sla_remaining_display = nxt.remaining_display if nxt else False
            ticket.sla_at_risk = bool(
                ticket.sla_at_risk_at
                and ticket.sla_at_risk_at <= now < ticket.sla_next_deadline
                and not ticket.sla_breached
            )
            ticket.sla_due_today = bool(
                ticket.sla_next_deadline and today[0] <= ticket.sla_next_deadline < today[1]
            )

    @api.depends("priority")
    def _compute_sla_priority_id(self):
        by_value = self.env["sla.priority"]._by_ticket_priority()
        for ticket in self:
            ticket.sla_priority_id = by_value.get(ticket.priority, False)

    @api.depends("sla_priority_id")
    def _compute_sla_priority_help(self):
        for ticket in self:
            priority = ticket.sla_priority_id
            ticket.sla_priority_help = (
                self.env._(
                    "%(priority)s: %(definition)s. %(impact)s; e.g. %(example)s.",
                    priority=priority.display_name,
                    definition=priority.definition or "",
                    impact=priority.business_impact or "",
                    example=priority.example or "",
                )
                if priority
                else False
            )

    def _search_sla_at_risk(self, operator, value):
        now = self._sla_now()
        domain = [
            ("sla_at_risk_at", "<=", now),
            ("sla_next_deadline", ">", now),
            ("sla_breached", "=", False),
        ]
        return domain if (operator == "=") == bool(value) else ["!", *_and(domain)]

    def _search_sla_due_today(self, operator, value):
        start, end = self._sla_today_bounds()
        domain = [("sla_next_deadline", ">=", start), ("sla_next_deadline", "<", end)]
        return domain if (operator == "=") == bool(value) else ["!", *_and(domain)]

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._sla_prefill_contracts(vals_list)
        tickets = super().create(vals_list)
        tickets._sla_start_clocks(self._sla_now())
        return tickets

    def write(self, vals):
        if self.env.context.get("sla_skip_policy") or not (
            (POLICY_FIELDS | {"stage_id", "company_id"}) & set(vals)
        ):
            return super().write(vals)
        stages_before = {t.id: t.stage_id for t in self}
        res = super().write(vals)
        now = self._sla_now()
        if "partner_id" in vals and "sla_contract_id" not in vals:
            self._sla_assign_contracts()
        if {"partner_id", "company_id"} & set(vals):
            for ticket in self.sudo().filtered("sla_clock_ids"):
                ticket.sla_clock_ids.write(
                    {
                        "company_id": ticket.company_id.id,
                        "partner_id": ticket.commercial_partner_id.id,
                    }
                )
        if POLICY_FIELDS & set(vals):
            self._sla_reapply_policy(now)
        if "stage_id" in vals:
            self._sla_on_stage_change(stages_before, now)
        return res

    # ------------------------------------------------------------------
    # policy
    # ------------------------------------------------------------------

    def _sla_now(self):
        # Replaying events at past instants (demo data, imports) is reserved to
        # superuser code: a client-supplied context must not backdate a reply.
        if self.env.su and self.env.context.get("sla_now"):
            return self.env.context["sla_now"]
        return fields.Datetime.now()

    def _sla_today_bounds(self):
        """Today in the user's time zone, as naive UTC bounds."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        local_day = pytz.utc.localize(self._sla_now()).astimezone(tz).date()
        start = tz.localize(datetime.combine(local_day, time.min)).astimezone(pytz.utc)
        end = tz.localize(
            datetime.combine(local_day + timedelta(days=1), time.min)
        ).astimezone(pytz.utc)
        return start.replace(tzinfo=None), end.replace(tzinfo=None)

    @api.model
    def _sla_prefill_contracts(self, vals_list):
        partner_ids = {v["partner_id"] for v in vals_list if v.get("partner_id")}
        if not partner_ids:
            return
        partners = self.env["res.partner"].browse(partner_ids)
        # Only the column needed: a partner's full prefetch is wide.
        partners.fetch(["commercial_partner_id"])
        commercial = {p.id: p.commercial_partner_id.id for p in partners}
        # Tickets also come from the portal and mail gateway, whose users
        # cannot read contracts.
        contracts = (
            self.env["contract.contract"]
            .sudo()
            ._sla_contracts_for_partners(
                list(set(commercial.values())), fields.Date.context_today(self)
            )
        )
        for vals in vals_list:
            if "sla_contract_id" not in vals and vals.get("partner_id"):
                contract = contracts.get(commercial[vals["partner_id"]])
                if contract:
                    vals["sla_contract_id"] = contract.id

    def _sla_assign_contracts(self):
        contracts = (
            self.env["contract.contract"]
            .sudo()
            ._sla_contracts_for_partners(
                self.commercial_partner_id.ids, fields.Date.context_today(self)
            )
        )
        for ticket in self:
            contract = contracts.get(ticket.commercial_partner_id.id)
            if ticket.sla_contract_id != contract:
                ticket.with_context(sla_skip_policy=True).sla_contract_id = (
                    contract.id if contract else False
                )

    def _sla_policy(self):
        """{ticket id: what its clocks must measure}, for tickets with a tier."""
        policy = {}
        calendars = self.env["resource.calendar"].sudo()
        for ticket in self.sudo():
            tier = ticket.sla_tier_id
            rules = tier._sla_rules() if tier else {}
            target = rules.get("targets", {}).get(ticket.priority)
            if not target:
                continue
            contract = ticket.sla_contract_id
            policy[ticket.id] = {
                "tier": tier,
                "contract": contract,
                "calendar": contract.sla_calendar_id
                or calendars.browse(rules["calendar_id"]),
                "priority": ticket.priority,
                "response": target[0],
                "resolution": target[1],
                "slo_percent": contract.sla_slo_percent or 100.0,
                "at_risk_percent": rules["at_risk_percent"],
            }
        return policy

    def _sla_start_clocks(self, now, metrics=("response", "resolution"), pause_at=None):
        """Start clocks at `now`, in a new cycle per metric, in one create.

        Clocks of tickets in a pausing stage pause at `pause_at` (`now` by
        default).
        """
        policy = self._sla_policy()
        vals_list = []
        for ticket in self:
            rule = policy.get(ticket.id)
            if not rule or ticket.stage_id.closed:
                continue
            calendar = rule["calendar"]._sla_work_calendar()
            contract = rule["contract"]
            measurement_only = bool(contract) and not contract._sla_penalties_apply(
                now.date()
            )
            for metric in metrics:
                cycles = ticket.sla_clock_ids.filtered(
                    lambda c, m=metric: c.metric == m
                )
                instants = sla_math.schedule(
                    calendar,
                    now,
                    target=rule[metric],
                    paused=0.0,
                    slo_percent=rule["slo_percent"],
                    at_risk_percent=rule["at_risk_percent"],
                )
                vals_list.append(
                    {
                        "ticket_id": ticket.id,
                        "company_id": ticket.company_id.id,
                        "partner_id": ticket.commercial_partner_id.id,
                        "metric": metric,
                        "cycle": max(cycles.mapped("cycle"), default=0) + 1,
                        "contract_id": contract.id,
                        "tier_id": rule["tier"].id,
                        "calendar_id": rule["calendar"].id,
                        "ticket_priority": rule["priority"],
                        "target_minutes": rule[metric],
                        "slo_percent": rule["slo_percent"],
                        "at_risk_percent": rule["at_risk_percent"],
                        "measurement_only": measurement_only,
                        "start_at": now,
                        **{key: _naive(value) for key, value in instants.items()},
                    }
                )
        clocks = self.env["sla.clock"].sudo().create(vals_list)
        clocks.filtered(lambda c: c.ticket_id.stage_id.sla_pause)._pause(
            pause_at or now
        )
        clocks._trigger_breach_check()
        return clocks

    def _sla_reapply_policy(self, now=None):
        """Apply the current tier, contract and priority as if from the start."""
        now = now or self._sla_now()
        policy = self._sla_policy()
        with_clocks = self.sudo().filtered("sla_clock_ids")
        with_clocks.sla_clock_ids._apply_policy(now, policy)
        # A ticket that gains an SLA later is measured from its creation.
        for ticket in (self.sudo() - with_clocks).filtered(
            lambda t: t.id in policy and not t.stage_id.closed
        ):
            ticket._sla_start_clocks(ticket.create_date, pause_at=now)
            ticket.sudo().sla_clock_ids._check_breach(now)

    def _sla_on_stage_change(self, stages_before, now):
        for ticket in self:
            before, after = stages_before[ticket.id], ticket.stage_id
            if before == after:
                continue
            open_clocks = ticket.sudo().sla_clock_ids.filtered(
                lambda c: not c.stopped_at
            )
            if after.closed and not before.closed:
                open_clocks._stop(now)
            elif before.closed and not after.closed:
                ticket._sla_start_clocks(now, metrics=("resolution",))
            elif after.sla_pause and not before.sla_pause:
                open_clocks._pause(now)
            elif before.sla_pause and not after.sla_pause:
                open_clocks._resume(now)

    # ------------------------------------------------------------------
    # responses
    # ------------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        res = super()._message_post_after_hook(message, msg_vals)
        if self._sla_is_public_reply(message):
            self.sudo().sla_clock_ids.filtered(
                lambda c: c.metric == "response" and not c.stopped_at
            )._stop(self._sla_now())
        return res

    @api.model
    def _sla_is_public_reply(self, message):
        """A reply the customer sees, written by an internal user.

        Internal notes, automatic notifications and the customer's own
        messages are not responses.
        """
        if message.message_type not in ("comment", "email"):
            return False
        if not message.subtype_id or message.subtype_id.internal:
            return False
        users = message.author_id.sudo().with_context(active_test=False).user_ids
        return any(not user.share for user in users)


def _and(domain):
    return ["&"] * (len(domain) - 1) + domain
