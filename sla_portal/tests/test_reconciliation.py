"""The reconciliation suite: three months of generated service, then every
figure compared wherever it shows (sla.reconcile).

A seeded generator plays, on the shipped tiers' contracts, tickets answered
by comment and by e-mail, paused, reopened, re-prioritised, cancelled, moved
to another contract and to another company, downtime with and without
maintenance notice, monthly credits approved, waived and invoiced, and a late
correction of a closed month after a change of terms. Compliance, credit,
uptime, escalation rate and breaches must then agree everywhere they appear.
"""

import random
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.addons.sla_credits.tests.common import CreditCase
from odoo.tests import tagged

SEED = 20261203
MONTHS = (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))
TICKETS_PER_MONTH = 5
PRIORITIES = ("0", "1", "2", "3")
SCENARIOS = (
    "on_time",
    "late_reply",
    "emailed",
    "paused",
    "late_close",
    "reopened",
    "reprioritised",
    "cancelled",
)


@tagged("post_install", "-at_install")
class TestReconciliation(CreditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.stage_cancel = cls.env["helpdesk.ticket.stage"].search(
            [("sla_cancel", "=", True)], limit=1
        )
        cls.other_company = cls.env["res.company"].create({"name": "SLA Elsewhere"})
        cls.contracts["Silver"].sla_penalty_date = date(2026, 10, 1)
        cls.contracts["Bronze"].sla_measurement_only = True
        cls.upgraded = cls.env["contract.contract"].create(
            {
                "name": "Gold customer, upgraded",
                "partner_id": cls.customers["Gold"].id,
                "contract_type": "sale",
                "date_start": date(2026, 1, 1),
                "sla_tier_id": ref("sla_contract.sla_tier_platinum").id,
                "sla_date_start": date(2026, 1, 1),
                "sla_penalty_date": date(2026, 1, 1),
            }
        )

    # ------------------------------------------------------------------ plan

    def business_instant(self, rng, month):
        day = month + timedelta(days=rng.randrange(0, 26))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return datetime(
            day.year, day.month, day.day, rng.randrange(7, 15), rng.randrange(60)
        )

    def plan(self, rng, tier, month, index):
        """(opened at, priority, [(instant, action, argument)]) of a ticket."""
        start = self.business_instant(rng, month)
        scenario = SCENARIOS[(index + rng.randrange(len(SCENARIOS))) % len(SCENARIOS)]
        step = iter(sorted(rng.sample(range(5, 6000), 6)))

        def at():
            return start + timedelta(minutes=next(step))

        reply = ("reply", "email" if scenario == "emailed" else "comment")
        events = []
        if scenario == "late_reply":
            events += [(start + timedelta(days=3), *reply)]
        else:
            events += [(at(), *reply)]
        if scenario == "paused":
            events += [
                (at(), "stage", self.stage_waiting),
                (at(), "stage", self.stage_progress),
            ]
        if scenario == "reprioritised":
            events += [(at(), "priority", rng.choice(PRIORITIES))]
        if scenario == "cancelled":
            events += [(at(), "stage", self.stage_cancel)]
            return start, rng.choice(PRIORITIES), events
        close = start + timedelta(days=9) if scenario == "late_close" else at()
        events += [(close, "stage", self.stage_done)]
        if scenario == "reopened":
            events += [
                (close + timedelta(hours=2), "stage", self.stage_progress),
                (close + timedelta(hours=5), "stage", self.stage_done),
            ]
        return start, rng.choice(PRIORITIES), events

    # ------------------------------------------------------------------ play

    def jobs(self, at):
        with freeze_time(at):
            self.env["sla.clock"]._cron_mark_breaches()
            self.env["sla.clock"]._cron_sla_escalate()
            self.env["sla.escalation.event"]._cron_sla_post_messages()

    def play(self, ticket, at, action, argument):
        self.jobs(at)
        with freeze_time(at):
            if action == "reply":
                ticket.with_user(self.agent).message_post(
                    body="An answer.",
                    message_type=argument,
                    subtype_xmlid="mail.mt_comment",
                )
            elif action == "stage":
                # tracked at `at`, as a commit would write it: the what-if
                # replays the chatter
                ticket.with_context(tracking_disable=False).stage_id = argument
                self.env.cr.precommit.run()
            elif action == "priority":
                ticket.priority = argument
            elif action == "contract":
                ticket.sla_contract_id = argument
            elif action == "company":
                ticket.company_id = argument

    def ours(self):
        return self.env["contract.contract"].browse(
            [c.id for c in self.contracts.values()] + [self.upgraded.id]
        )

    def close_month(self, month, rng, at):
        """Early in the next month: the evaluation, decisions, invoices."""
        self.evaluate(self.ours(), month, now=at)
        pending = self.env["sla.credit"].search(
            [
                ("contract_id", "in", self.ours().ids),
                ("period_start", "<=", month),
                ("state", "=", "computed"),
            ]
        )
        for credit in pending.filtered(lambda c: not c.grace and c.amount):
            with freeze_time(at):
                if rng.random() < 0.2:
                    credit.action_waive("Goodwill")
                else:
                    credit.action_approve()
        self.invoice_on(at.date() + timedelta(days=1))

    def special_plays(self, rng):
        """A ticket moved to another contract, one to another company."""
        gold_moved = self.business_instant(rng, MONTHS[1])
        moved = self.business_instant(rng, MONTHS[1])
        return [
            (
                "Gold",
                gold_moved,
                "3",
                [
                    (gold_moved + timedelta(days=1), "reply", "comment"),
                    (
                        gold_moved + timedelta(days=1, hours=1),
                        "contract",
                        self.upgraded,
                    ),
                    (gold_moved + timedelta(days=1, hours=2), "stage", self.stage_done),
                ],
            ),
            (
                "Platinum",
                moved,
                "2",
                [
                    (moved + timedelta(minutes=30), "company", self.other_company),
                    (moved + timedelta(hours=2), "stage", self.stage_done),
                ],
            ),
        ]

    def timeline(self, rng):
        """[(instant, kind, payload)]: tickets opened, month closings,
        incidents and a late correction of a closed month."""
        plays = []
        for month in MONTHS:
            for tier in ("Bronze", "Silver", "Gold", "Platinum"):
                for index in range(TICKETS_PER_MONTH):
                    plays.append((tier, *self.plan(rng, tier, month, index)))
        plays += self.special_plays(rng)
        timeline = [
            (opened, "open", (tier, priority, events))
            for tier, opened, priority, events in plays
        ]
        for month in MONTHS:
            closing = (month + timedelta(days=32)).replace(day=1)
            timeline.append(
                (
                    datetime.combine(closing, datetime.min.time()) + timedelta(hours=1),
                    "close",
                    month,
                )
            )
            for tier in ("Gold", "Platinum", "Silver"):
                start = self.business_instant(rng, month)
                timeline.append(
                    (
                        start,
                        "incident",
                        (tier, rng.randrange(20, 300), rng.random() < 0.3),
                    )
                )
        # a late outage of a closed month, after a change of terms
        timeline.append((datetime(2026, 11, 20, 9), "late_correction", None))
        return sorted(timeline, key=lambda item: item[0])

    def open_at(self, at, tier, priority):
        self.jobs(at)
        ticket = self.open_ticket(tier, priority, at)
        # the transaction's start otherwise, as the what-if reads it
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s",
            [at, ticket.id],
        )
        ticket.invalidate_recordset(["create_date"])
        return ticket

    def late_correction(self, at):
        closed = self.env["sla.credit"].search(
            [
                ("contract_id", "in", self.ours().ids),
                ("kind", "=", "credit"),
                ("state", "in", ("approved", "applied")),
                ("contract_id.sla_tier_id.uptime_guarantee", ">", 0),
            ],
            order="period_start, id",
            limit=1,
        )
        self.assertTrue(closed, "the generator closed no month to correct")
        with freeze_time(at):
            closed.contract_id.sla_uptime_per_started_hour = True
            self.incident(
                closed.contract_id,
                datetime.combine(closed.period_start, datetime.min.time())
                + timedelta(days=23, hours=2),
                120,
            )

    def run_timeline(self, rng):
        """Play the timeline in order; returns the tickets opened."""
        tickets = {}
        queue = self.timeline(rng)
        while queue:
            at, kind, payload = queue.pop(0)
            if kind == "open":
                tier, priority, events = payload
                ticket = self.open_at(at, tier, priority)
                tickets[ticket.id] = ticket
                queue += [(when, "event", (ticket, *event)) for when, *event in events]
                queue.sort(key=lambda item: item[0])
            elif kind == "event":
                self.play(payload[0], at, *payload[1:])
            elif kind == "incident":
                tier, minutes, noticed = payload
                notice = {"planned": True, "notice_at": at - timedelta(hours=80)}
                self.incident(
                    self.contracts[tier], at, minutes, **(notice if noticed else {})
                )
            elif kind == "close":
                self.jobs(at)
                self.close_month(payload, rng, at)
            elif kind == "late_correction":
                self.late_correction(at)
        return tickets

    def test_every_figure_agrees_everywhere(self):
        rng = random.Random(SEED)
        tickets = self.run_timeline(rng)
        self.jobs(datetime(2026, 12, 10))
        self.env.flush_all()
        with freeze_time(datetime(2026, 12, 15)):
            mismatches = self.env["sla.reconcile"]._sla_mismatches(
                self.ours(), today=date(2026, 12, 15)
            )
        self.assertEqual(mismatches, [])
        # the generator covered what it claims to
        cycles = self.env["sla.cycle"].search([("ticket_id", "in", list(tickets))])
        self.assertEqual(
            set(cycles.mapped("outcome")), {"met", "breached", "cancelled"}
        )
        self.assertTrue(cycles.filtered(lambda c: c.cycle > 1))
        self.assertTrue(
            self.env["sla.credit"].search(
                [("contract_id", "in", self.ours().ids), ("kind", "=", "adjustment")]
            )
        )
        self.assertTrue(
            self.env["account.move.line"].search([("sla_credit_id", "!=", False)])
        )
