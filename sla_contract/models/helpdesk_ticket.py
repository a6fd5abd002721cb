from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import sla_math
from ..engine.sla_math import STATE_BREACHED, STATE_CANCELLED, STATE_MET
from .public_reply import is_public_reply
from .sla_clock import STATES, Transitions, _ms, _transitions
from .sla_priority import TICKET_PRIORITIES

POLICY_FIELDS = {"priority", "partner_id", "sla_contract_id", "team_id"}
# The ticket search filter each team card count opens the queue with.
SLA_CARD_FILTERS = {
    "breached": "sla_open_breached",
    "at_risk": "sla_at_risk",
    "due_today": "sla_due_today",
}


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "sla.priority.order.mixin"]
    _sla_priority_fields = ("priority",)
    _sla_priority_order_reversed = False

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
    sla_warning = fields.Char(
        string="SLA Warning",
        readonly=True,
        copy=False,
        help="Why the ticket has no SLA clock although its customer has an SLA.",
    )
    sla_paused = fields.Boolean(
        string="SLA Paused", compute="_compute_sla_summary", store=True
    )
    sla_urgency = fields.Selection(
        [
            (sla_math.URGENCY_AT_RISK, "At risk"),
            (sla_math.URGENCY_BREACHED, "Breached"),
            (sla_math.URGENCY_ON_TRACK, "On track"),
            (sla_math.URGENCY_PAUSED, "Paused"),
        ],
        string="Urgency",
        compute="_compute_sla_summary",
        store=True,
        index="btree_not_null",
        help="Where an open ticket stands in the SLA queue: at risk, breached, "
        "on track, paused.",
    )
    sla_color = fields.Selection(
        [("green", "On track"), ("yellow", "At risk"), ("red", "Breached")],
        string="SLA Colour",
        compute="_compute_sla_live",
    )
    sla_remaining_display = fields.Char(
        string="Remaining",
        compute="_compute_sla_live",
        help="Business time left before the next deadline, counted in the "
        "support hours of the customer's SLA: a deadline after a night or a "
        "weekend is further away on the clock than this.",
    )
    sla_at_risk = fields.Boolean(
        string="SLA At Risk", compute="_compute_sla_live", search="_search_sla_at_risk"
    )
    sla_due_today = fields.Boolean(
        string="SLA Due Today",
        compute="_compute_sla_live",
        search="_search_sla_due_today",
    )
    sla_badge = fields.Json(
        string="SLA",
        compute="_compute_sla_badge",
        help="What the live SLA badge counts down from: the current clocks' "
        "instants, targets and working intervals ahead.",
    )
    # helpdesk_mgmt's stars, named in the suite's vocabulary; the stars
    # widget reads the values from no star ("0") to three ("3").
    priority = fields.Selection(selection=TICKET_PRIORITIES[::-1])
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
    sla_updating = fields.Boolean(
        string="SLA Being Updated",
        compute="_compute_sla_updating",
        help="An edit of support hours or SLA terms is moving this ticket's "
        "clocks in the background.",
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
        "sla_clock_ids.at_risk_reached",
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
            ticket.sla_urgency = sla_math.urgency(
                (c.state, bool(c.paused_since), c.at_risk_reached) for c in open_clocks
            )

    @api.depends_context("sla_now")
    @api.depends("sla_next_deadline", "sla_at_risk_at", "sla_breached", "sla_clock_ids")
    def _compute_sla_live(self):
        now = self._sla_now()
        today = self._sla_today_bounds()
        for ticket in self:
            live = ticket.sla_clock_ids.filtered(
                lambda c: c.state not in (STATE_MET, STATE_CANCELLED)
            )
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
                ticket.sla_next_deadline
                and today[0] <= ticket.sla_next_deadline < today[1]
            )

    @api.depends_context("sla_now", "uid")
    @api.depends(
        "stage_id",
        "sla_clock_ids.state",
        "sla_clock_ids.deadline",
        "sla_clock_ids.at_risk_at",
        "sla_clock_ids.paused_since",
        "sla_clock_ids.stopped_at",
        "sla_clock_ids.consumed_minutes",
    )
    def _compute_sla_badge(self):
        now = self._sla_now()
        current = {ticket.id: ticket._sla_current_clocks() for ticket in self}
        clocks = self.env["sla.clock"].union(*current.values())
        values = clocks._sla_badge_values(now)
        for ticket in self:
            mine = current[ticket.id]
            ticket.sla_badge = (
                {
                    "now": _ms(now),
                    "stage": ticket.stage_id.display_name,
                    "clocks": [values[clock.id] for clock in mine],
                }
                if mine
                else False
            )

    def _compute_sla_updating(self):
        pending = (
            self.env["sla.update"]
            .sudo()
            ._sla_pending_ticket_ids([ticket.id for ticket in self if ticket.id])
        )
        for ticket in self:
            ticket.sla_updating = ticket.id in pending

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

    @api.model
    def _get_sla_card_domains(self):
        """{card: domain} of the SLA counts on the helpdesk team cards.

        Each is the domain of the ticket filter the card opens (see
        `SLA_CARD_FILTERS`), so a count is what its click shows.
        """
        return {
            "breached": [
                ("closed", "=", False),
                (
                    "sla_clock_ids",
                    "any",
                    [("stopped_at", "=", False), ("state", "=", STATE_BREACHED)],
                ),
            ],
            "at_risk": [("sla_at_risk", "=", True)],
            "due_today": [("sla_due_today", "=", True)],
        }

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
    # constraints and onchanges
    # ------------------------------------------------------------------

    @api.onchange("partner_id", "company_id")
    def _onchange_sla_contract(self):
        # The form shows the contract the ticket will get; create() fills it
        # the same way when the form leaves it empty.
        for ticket in self:
            ticket.sla_contract_id = ticket._sla_find_contracts().get(ticket.id)

    def _sla_check_contract_choice(self):
        """A contract picked by hand must be one of the customer's SLA
        contracts, in the ticket's company."""
        for ticket in self.sudo().filtered("sla_contract_id"):
            contract = ticket.sla_contract_id
            if (
                contract.contract_type != "sale"
                or not contract.sla_tier_id
                or contract.commercial_partner_id != ticket.commercial_partner_id
            ):
                raise ValidationError(
                    self.env._(
                        "Ticket %(ticket)s: %(contract)s is not an SLA contract of "
                        "%(customer)s.",
                        ticket=ticket.display_name,
                        contract=contract.display_name,
                        customer=ticket.commercial_partner_id.display_name
                        or self.env._("the ticket's customer"),
                    )
                )
            if contract.company_id and contract.company_id != ticket.company_id:
                raise ValidationError(
                    self.env._(
                        "Ticket %(ticket)s belongs to %(company)s; the SLA contract "
                        "%(contract)s belongs to %(other)s.",
                        ticket=ticket.display_name,
                        company=ticket.company_id.display_name,
                        contract=contract.display_name,
                        other=contract.company_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        chosen = [bool(vals.get("sla_contract_id")) for vals in vals_list]
        self._sla_prefill_contracts(vals_list)
        tickets = super().create(vals_list)
        picked = dict(zip(tickets.ids, chosen, strict=True))
        tickets.filtered(lambda t: picked[t.id])._sla_check_contract_choice()
        tickets._sla_start_clocks(self._sla_now(), new_tickets=True)
        return tickets

    def write(self, vals):
        # Skipping the SLA is for the addon's own code, never a client's.
        if (self.env.su and self.env.context.get("sla_skip_policy")) or not (
            (POLICY_FIELDS | {"stage_id", "company_id"}) & set(vals)
        ):
            return super().write(vals)
        stages_before = {t.id: t.stage_id for t in self}
        res = super().write(vals)
        now = self._sla_now()
        if "company_id" in vals:
            self._sla_follow_company()
        if "sla_contract_id" in vals:
            self._sla_check_contract_choice()
        elif {"partner_id", "company_id"} & set(vals):
            self._sla_assign_contracts()
        # One batch of transitions for the whole write, however many
        # tickets: what reacts to them is called once.
        tr = Transitions(self.env)
        if (POLICY_FIELDS | {"company_id"}) & set(vals):
            self._sla_reapply_policy(now, tr=tr)
        if "stage_id" in vals:
            self._sla_on_stage_change(stages_before, now, tr=tr)
        tr.flush()
        return res

    def _sla_follow_company(self):
        """A ticket moved to another company takes its SLA history along:
        its clocks, cycles and breaches leave the old company's reports and
        record rules, stopped ones included."""
        for ticket in self.sudo():
            company = ticket.company_id
            clocks = ticket.sla_clock_ids.filtered(
                lambda c, co=company: c.company_id != co
            )
            clocks.write({"company_id": company.id})
            clocks.cycle_id.filtered(lambda c, co=company: c.company_id != co).write(
                {"company_id": company.id}
            )

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
    def _sla_contract_lookup(self, pairs):
        """{(commercial partner id, company id): SLA contract} for the pairs.

        Tickets also come from the portal and the mail gateway, whose users
        cannot read contracts.
        """
        contracts = self.env["contract.contract"].sudo()
        found = {}
        for company_id in {company for _partner, company in pairs}:
            partner_ids = [p for p, c in pairs if c == company_id]
            by_partner = contracts._sla_contracts_for_partners(
                partner_ids, fields.Date.context_today(self), company_id
            )
            found.update({(p, company_id): c for p, c in by_partner.items()})
        return found

    def _sla_find_contracts(self):
        """{ticket id: the SLA contract its customer and company give it}."""
        pairs = {
            (t.commercial_partner_id.id, t.company_id.id)
            for t in self
            if t.commercial_partner_id
        }
        found = self._sla_contract_lookup(pairs) if pairs else {}
        return {
            t.id: found.get((t.commercial_partner_id.id, t.company_id.id)) for t in self
        }

    @api.model
    def _sla_prefill_contracts(self, vals_list):
        # The form sends sla_contract_id: False on a new ticket.
        todo = [
            v for v in vals_list if v.get("partner_id") and not v.get("sla_contract_id")
        ]
        if not todo:
            return
        partners = self.env["res.partner"].browse({v["partner_id"] for v in todo})
        # Only the column needed: a partner's full prefetch is wide.
        partners.fetch(["commercial_partner_id"])
        commercial = {p.id: p.commercial_partner_id.id for p in partners}
        teams = self.env["helpdesk.ticket.team"].browse(
            {v["team_id"] for v in todo if v.get("team_id")}
        )
        team_company = {team.id: team.company_id.id for team in teams}
        default_company = self.env.company.id
        # helpdesk_mgmt puts a ticket in its team's company.
        keys = [
            (
                commercial[v["partner_id"]],
                team_company.get(v.get("team_id"))
                or v.get("company_id")
                or default_company,
            )
            for v in todo
        ]
        found = self._sla_contract_lookup(set(keys))
        for vals, key in zip(todo, keys, strict=True):
            if found.get(key):
                vals["sla_contract_id"] = found[key].id

    def _sla_assign_contracts(self):
        found = self._sla_find_contracts()
        for ticket in self:
            contract = found.get(ticket.id)
            if ticket.sla_contract_id != contract:
                ticket.sudo().with_context(sla_skip_policy=True).sla_contract_id = (
                    contract.id if contract else False
                )

    def _sla_policy(self):
        """{ticket id: what its clocks must measure}, for tickets with a tier,
        a target for their priority and a usable calendar."""
        policy = {}
        calendars = self.env["resource.calendar"].sudo()
        for ticket in self.sudo():
            tier = ticket.sla_tier_id
            rules = tier._sla_rules() if tier else {}
            target = rules.get("targets", {}).get(ticket.priority)
            if not target:
                continue
            contract = ticket.sla_contract_id
            calendar = contract.sla_calendar_id or calendars.browse(
                rules["calendar_id"]
            )
            problem = calendar._sla_calendar_problem(ticket.company_id.id)
            if problem:
                ticket._sla_report_problem(problem)
                continue
            if ticket.sla_warning:
                ticket.with_context(sla_skip_policy=True).sla_warning = False
            policy[ticket.id] = {
                "tier": tier,
                "contract": contract,
                "calendar": calendar,
                "priority": ticket.priority,
                "response": target[0],
                "resolution": target[1],
                "slo_percent": contract.sla_slo_percent or 100.0,
                "at_risk_percent": rules["at_risk_percent"],
            }
        return policy

    def _sla_current_clocks(self):
        """The latest cycle of each metric, response first: what the ticket
        is measured on now."""
        self.ensure_one()
        latest = {}
        for clock in self.sla_clock_ids:
            if clock.cycle >= latest.get(clock.metric, clock).cycle:
                latest[clock.metric] = clock
        order = ("response", "resolution")
        return self.env["sla.clock"].union(
            *sorted(latest.values(), key=lambda c: order.index(c.metric))
        )

    def _sla_report_problem(self, problem):
        """Bad SLA configuration never refuses a ticket: it goes on without
        a clock, says why on the ticket, and asks the SLA manager to act."""
        self.ensure_one()
        if self.sla_warning == problem:
            return
        self.sudo().with_context(sla_skip_policy=True).sla_warning = problem
        self.sudo().message_post(
            body=self.env._(
                "This ticket has no SLA clock: %(problem)s", problem=problem
            ),
            subtype_xmlid="mail.mt_note",
        )
        manager = self.team_id.user_id or self.env.ref(
            "base.user_admin", raise_if_not_found=False
        )
        if manager:
            self.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=manager.id,
                summary=self.env._("Fix the SLA configuration"),
                note=problem,
            )

    @_transitions
    def _sla_start_clocks(
        self,
        now,
        metrics=("response", "resolution"),
        paused_tickets=None,
        *,
        new_tickets=False,
        tr=None,
    ):
        """Start clocks at `now`, in a new cycle per metric, in one create.
        `new_tickets`: tickets created in this call, which have no clock and
        no cycle yet, so none is looked for."""
        policy = self._sla_policy()
        vals_list = []
        Clock = self.env["sla.clock"]
        flags = self.env["helpdesk.ticket.stage"]._sla_stage_flags()
        for ticket in self:
            rule = policy.get(ticket.id)
            if not rule or flags.get(ticket.stage_id.id, (False, False))[0]:
                continue
            calendar = rule["calendar"]._sla_work_calendar(ticket.company_id.id)
            try:
                instants_by_metric = {
                    metric: Clock._schedule_values(
                        calendar,
                        now,
                        target=rule[metric],
                        paused=0.0,
                        slo_percent=rule["slo_percent"],
                        at_risk_percent=rule["at_risk_percent"],
                    )
                    for metric in metrics
                }
            except ValueError as exc:
                # e.g. a calendar whose working time ended: no deadline exists.
                ticket._sla_report_problem(str(exc))
                continue
            # Clocks started together open one new cycle of the ticket.
            cycle = (
                1
                if new_tickets
                else max(ticket.sla_clock_ids.mapped("cycle"), default=0) + 1
            )
            for metric in metrics:
                instants = instants_by_metric[metric]
                vals_list.append(
                    {
                        **Clock._prepare_policy_values(ticket, rule, metric, now),
                        "ticket_id": ticket.id,
                        "metric": metric,
                        "cycle": cycle,
                        "start_at": now,
                        **instants,
                    }
                )
        if not vals_list:
            return Clock
        return Clock._start(
            vals_list, paused_tickets=paused_tickets, new_cycles=new_tickets, tr=tr
        )

    @api.model
    def _sla_reapply_open(self, domain):
        """Re-target every open ticket matching `domain` after a policy edit.

        Whoever edits a tier, team or contract re-targets all of their open
        tickets, not only the ones he may read; the policy itself runs as
        him, so that "now" stays his real time.
        """
        tickets = self.sudo().search([*domain, ("closed", "=", False)])
        Update = self.env["sla.update"]
        if len(tickets) > Update._sla_sync_limit():
            # many tickets: in the background, as of now (sla.update)
            Update._sla_enqueue(
                "reapply",
                tickets.ids,
                self.env._("SLA terms edited"),
                self._sla_now(),
            )
            return
        tickets.with_env(self.env)._sla_reapply_policy()

    @_transitions
    def _sla_reapply_policy(self, now=None, *, tr=None):
        """Apply the current tier, contract and priority as if from the start.

        Open clocks are re-targeted; open clocks whose SLA went away are
        cancelled; a ticket that gains an SLA is measured from its creation,
        replaying what already happened on it.
        """
        now = now or self._sla_now()
        policy = self._sla_policy()
        tickets = self.sudo()
        open_clocks = tickets.sla_clock_ids.filtered(lambda c: not c.stopped_at)
        open_clocks.filtered(lambda c: c.ticket_id.id not in policy)._cancel(now, tr=tr)
        open_clocks.filtered(lambda c: c.ticket_id.id in policy)._apply_policy(
            now, policy, tr=tr
        )
        for ticket in tickets.filtered(
            lambda t: t.id in policy and not t.stage_id.closed
        ):
            if not ticket.sla_clock_ids:
                ticket._sla_replay_from_creation(now, tr=tr)
                continue
            # An SLA back after it went away starts a new cycle now.
            restart = [
                metric
                for metric in ("response", "resolution")
                if ticket.sla_clock_ids.filtered(lambda c, m=metric: c.metric == m)
                .sorted("cycle")[-1:]
                .state
                == STATE_CANCELLED
            ]
            if restart:
                ticket._sla_start_clocks(now, metrics=tuple(restart), tr=tr)

    @_transitions
    def _sla_replay_from_creation(self, now, *, tr=None):
        """Measure a ticket that gains its SLA late as if the SLA had applied
        from its creation: public replies and stage moves it already had are
        played again, in order, on the new clocks."""
        self.ensure_one()
        start = self.create_date
        history = self._sla_history(start, now)
        first_stage = next(
            (event[2][0] for event in history if event[1] == "stage"), self.stage_id
        )
        self._sla_start_clocks(
            start,
            paused_tickets=self if first_stage.sla_pause else self.browse(),
            tr=tr,
        )
        for at, kind, payload in history:
            if kind == "reply":
                self._sla_on_public_reply(at, tr=tr)
            else:
                self._sla_stage_transition(*payload, at, tr=tr)
        self.sla_clock_ids._check_warnings(now, tr=tr)
        self.sla_clock_ids._check_breach(now, tr=tr)

    def _sla_history(self, start, end):
        """[(instant, "reply" | "stage", None | (stage before, stage after))]
        of the ticket between `start` and `end`, oldest first."""
        self.ensure_one()
        messages = (
            self.env["mail.message"]
            .sudo()
            .search(
                [
                    ("model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("date", ">=", start),
                    ("date", "<=", end),
                ],
                order="date, id",
            )
        )
        stages = (
            self.env["helpdesk.ticket.stage"].sudo().with_context(active_test=False)
        )
        events = []
        for message in messages:
            for tracking in message.sudo().tracking_value_ids.filtered(
                lambda t: t.field_id.name == "stage_id"
            ):
                events.append(
                    (
                        message.date,
                        "stage",
                        (
                            stages.browse(tracking.old_value_integer),
                            stages.browse(tracking.new_value_integer),
                        ),
                    )
                )
            if self._sla_is_public_reply(message):
                events.append((message.date, "reply", None))
        return events

    @_transitions
    def _sla_stage_transition(self, before, after, at, *, tr=None):
        """What moving from stage `before` to `after` at `at` does to the
        ticket's clocks."""
        self.ensure_one()
        open_clocks = self.sudo().sla_clock_ids.filtered(lambda c: not c.stopped_at)
        if after.closed and not before.closed:
            if after.sla_cancel:
                open_clocks._cancel(at, tr=tr)
            else:
                open_clocks._stop(at, tr=tr)
        elif before.closed and not after.closed:
            self._sla_start_clocks(at, metrics=("resolution",), tr=tr)
        elif after.sla_pause and not before.sla_pause:
            open_clocks._pause(at, tr=tr)
        elif before.sla_pause and not after.sla_pause:
            open_clocks._resume(at, tr=tr)

    @_transitions
    def _sla_on_stage_change(self, stages_before, now, *, tr=None):
        for ticket in self:
            before, after = stages_before[ticket.id], ticket.stage_id
            if before != after:
                ticket._sla_stage_transition(before, after, now, tr=tr)

    # ------------------------------------------------------------------
    # responses
    # ------------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        res = super()._message_post_after_hook(message, msg_vals)
        if self._sla_is_public_reply(message):
            self._sla_on_public_reply(self._sla_now())
        return res

    @_transitions
    def _sla_on_public_reply(self, at, *, tr=None):
        self.sudo().sla_clock_ids.filtered(
            lambda c: c.metric == "response" and not c.stopped_at
        )._stop(at, tr=tr)

    @api.model
    def _sla_is_public_reply(self, message):
        """See models/public_reply.py: the one rule, with its SQL twin."""
        return is_public_reply(message)


def _and(domain):
    return ["&"] * (len(domain) - 1) + domain
