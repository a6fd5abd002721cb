import random
from datetime import timedelta

from odoo import api, fields, models

# (days ago, priority, scenario) per customer; scenarios replay a ticket's
# life at past instants so the demo shows met, breached, paused and open
# clocks measured exactly as live tickets are.
SCENARIOS = [
    "met",
    "met",
    "met",
    "breached_response",
    "breached_resolution",
    "reopened",
    "met",
    "breached_response",
    "paused",
    "open_on_track",
    "open_at_risk",
    "open_breached",
]
# Share of the response target open tickets have used when the demo is
# created, so that the queue shows every urgency whatever the hour: at
# risk is between the tier's 75% and the deadline.
OPEN_SHARES = {"open_at_risk": 0.8, "open_breached": 1.3}


class SlaDemoData(models.AbstractModel):
    """Demo data generator, called from demo/sla_demo.xml."""

    _name = "sla.demo.data"
    _description = "SLA Demo Data"

    @api.model
    def _sla_demo_populate(self, partner_xmlids, team_xmlid, per_customer=12):
        """Demo tickets spread over the last 90 days for each customer."""
        rng = random.Random(18)
        now = fields.Datetime.now().replace(microsecond=0)
        team = self.env.ref(team_xmlid)
        agent = self.env.ref("base.user_admin")
        stages = {
            "progress": self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress"),
            "waiting": self.env.ref(
                "sla_contract.helpdesk_ticket_stage_waiting_customer"
            ),
            "done": self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done"),
        }
        for xmlid in partner_xmlids:
            partner = self.env.ref(xmlid)
            for index in range(per_customer):
                scenario = SCENARIOS[index % len(SCENARIOS)]
                priority = rng.choice(["0", "1", "1", "2", "2", "3"])
                if scenario in OPEN_SHARES:
                    start = self._sla_demo_start(
                        partner, team, priority, now, OPEN_SHARES[scenario]
                    )
                elif scenario == "open_on_track":
                    start = now - timedelta(minutes=rng.randint(2, 5))
                elif scenario == "paused":
                    start = now - timedelta(hours=rng.randint(1, 30))
                else:
                    start = now - timedelta(
                        days=rng.randint(3, 88), hours=rng.randint(0, 23)
                    )
                demo = {
                    "partner": partner,
                    "team": team,
                    "agent": agent,
                    "stages": stages,
                    "now": now,
                    "index": index,
                }
                self._sla_demo_ticket(demo, start, priority, scenario)
        Clock = self.env["sla.clock"]
        Clock.with_context(sla_now=now)._cron_mark_breaches()
        Clock.search([("stopped_at", "=", False)])._check_warnings(now)
        self._sla_demo_analyse_breaches()

    @api.model
    def _sla_demo_start(self, partner, team, priority, now, share):
        """When a ticket must have started for its response clock to have
        used `share` of its target at `now`, in the support hours of the
        customer's contract (nights and weekends do not count)."""
        company = team.company_id or self.env.company
        contract = (
            self.env["contract.contract"]
            ._sla_contracts_for_partners(
                [partner.commercial_partner_id.id], now.date(), company.id
            )
            .get(partner.commercial_partner_id.id)
        )
        rules = contract.sla_tier_id._sla_rules()
        wanted = share * rules["targets"][priority][0]
        engine = contract.sla_calendar_id._sla_work_calendar(company.id)
        # Business minutes used shrink as the start moves later: bisect.
        early, late = now - timedelta(days=120), now
        while late - early > timedelta(seconds=30):
            middle = early + (late - early) / 2
            if engine.minutes_between(middle, now) > wanted:
                early = middle
            else:
                late = middle
        return late.replace(microsecond=0)

    def _sla_demo_ticket(self, demo, start, priority, scenario):
        partner, team, agent = demo["partner"], demo["team"], demo["agent"]
        stages, now, index = demo["stages"], demo["now"], demo["index"]
        titles = [
            "Production API returns 502",
            "Order import stuck",
            "Invoice PDF layout",
            "Slow dashboard",
            "Cannot reset password",
            "Webhook retries failing",
            "Report export times out",
            "Sync with warehouse delayed",
            "Label printer misaligned",
            "Login page typo",
            "Data export request",
        ]
        ticket = (
            self.env["helpdesk.ticket"]
            .with_context(sla_now=start, mail_notrack=True)
            .create(
                {
                    "name": titles[index % len(titles)],
                    "description": "<p>Reported by the customer's IT lead.</p>",
                    "partner_id": partner.id,
                    "team_id": team.id,
                    "user_id": agent.id,
                    "priority": priority,
                }
            )
        )
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s",
            [start, ticket.id],
        )
        response = ticket.sla_clock_ids.filtered(lambda c: c.metric == "response")
        resolution = ticket.sla_clock_ids.filtered(lambda c: c.metric == "resolution")
        if not response:
            return
        if scenario.startswith("open"):
            if scenario == "open_at_risk":
                self._sla_demo_at(ticket, now, "progress", stages)
            return
        late = scenario == "breached_response"
        reply_at = (
            (response.deadline + timedelta(hours=2)) if late else response.slo_deadline
        )
        reply_at = min(reply_at, now)
        ticket.with_context(sla_now=reply_at).message_post(
            author_id=agent.partner_id.id,
            body=self.env._("Thanks, we are looking into it."),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        if scenario == "paused":
            self._sla_demo_at(
                ticket, min(reply_at + timedelta(minutes=20), now), "waiting", stages
            )
            return
        late = scenario == "breached_resolution"
        close_at = (
            resolution.deadline + timedelta(hours=5) if late else resolution.at_risk_at
        )
        close_at = min(max(close_at, reply_at + timedelta(minutes=5)), now)
        self._sla_demo_at(ticket, close_at, "done", stages)
        if scenario == "reopened":
            reopen_at = min(close_at + timedelta(days=1), now)
            self._sla_demo_at(ticket, reopen_at, "progress", stages)
            new = ticket.sla_clock_ids.filtered(
                lambda c: c.metric == "resolution" and not c.stopped_at
            )
            if new.deadline and new.slo_deadline < now:
                self._sla_demo_at(ticket, new.slo_deadline, "done", stages)

    def _sla_demo_at(self, ticket, when, stage, stages):
        ticket.with_context(sla_now=when, mail_notrack=True).stage_id = stages[stage]

    @api.model
    def _sla_demo_analyse_breaches(self):
        answers = [
            (
                "resource",
                "Only one engineer on shift during a demand spike.",
                "Add an on-call second line for Monday mornings.",
            ),
            (
                "process",
                "The ticket sat in the shared queue without an owner.",
                "Auto-assign P1/P2 tickets to the duty engineer.",
            ),
            (
                "technical",
                "Root cause sat in an upstream provider outage.",
                "Document the dependency and add a status-page monitor.",
            ),
        ]
        breaches = self.env["sla.breach"].search([], order="breached_at", limit=6)
        for breach, (cause, what, change) in zip(breaches, answers * 2, strict=False):
            breach.write(
                {
                    "what_happened": what,
                    "cause": cause,
                    "escalation_outcome": "not_triggered",
                    "customer_impact": "Users worked around the issue for a day.",
                    "corrective_action": change,
                    "state": "analysed",
                }
            )
