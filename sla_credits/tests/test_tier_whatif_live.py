"""The tier what-if against the live clocks, on generated ticket histories.

Forty histories (a seeded generator: creation instant, priority, first
stage, then public replies by comment and e-mail, internal notes, customer
messages, moves to in progress, waiting on the customer, done, cancelled,
and reopenings, at instants over four weeks of business hours, nights,
weekends and a company holiday) are played on real tickets at their
instants, with the breach job run between them. The same histories are then
replayed by the what-if for the tier sold: every cycle must get the outcome,
the instant and the day the live `sla.cycle` got, every month the same
compliance, and the period the compliance the SLA Analysis shows.
"""

import random
from collections import Counter
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import models
from odoo.addons.sla_contract.engine import replay as replay_engine
from odoo.addons.sla_contract.engine.cycle_math import report_day
from odoo.addons.sla_contract.tests.common import local

from .common import P1, P2, P3, P4, CreditCase

SEED = 16
HISTORIES = 40
START = datetime(2026, 9, 21, 0, 0)  # a Monday
OPENING_DAYS = 18
NOW = datetime(2026, 10, 30, 12, 0)
# Friday 2 October 2026 is a holiday of the tickets' company
HOLIDAY = date(2026, 10, 2)


class TestWhatifAgreesWithLiveClocks(CreditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.stage_cancelled = ref("helpdesk_mgmt.helpdesk_ticket_stage_cancelled")
        cls.customer = cls.customers["Silver"]
        cls.contract = cls.contracts["Silver"]
        # The contract's own support hours: office hours, where the Silver
        # tier runs on extended hours.
        cls.contract.sla_calendar_id = cls.business_hours
        company = cls.env.company
        other = cls.env["res.company"].create({"name": "Elsewhere Ltd"})
        Leaves = cls.env["resource.calendar.leaves"]
        Leaves.create(
            {
                "name": "Company holiday",
                "calendar_id": False,
                "company_id": company.id,
                "date_from": local(2026, 10, 2, 0, 0),
                "date_to": local(2026, 10, 2, 23, 59, 59),
            }
        )
        # another company's holiday, which the tickets must work through
        cls.their_holiday = Leaves.with_company(other).create(
            {
                "name": "Their holiday",
                "calendar_id": False,
                "company_id": other.id,
                "date_from": local(2026, 9, 29, 0, 0),
                "date_to": local(2026, 9, 29, 23, 59, 59),
            }
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Silver contact", "parent_id": cls.customer.id}
        )

    # ------------------------------------------------------------ histories

    def histories(self):
        """[(created, priority, first stage, [(instant, action)])]."""
        rng = random.Random(SEED)
        stages = {
            "new": self.stage_new,
            "progress": self.stage_progress,
            "waiting": self.stage_waiting,
            "done": self.stage_done,
            "cancelled": self.stage_cancelled,
        }
        result = []
        for _index in range(HISTORIES):
            created = START + timedelta(minutes=rng.randrange(OPENING_DAYS * 1440))
            priority = rng.choice((P1, P2, P3, P4))
            first = rng.choice(
                ("new", "new", "new", "progress", "waiting", "waiting", "done")
            )
            stage, at, actions = first, created, []
            for _step in range(rng.randint(1, 9)):
                at += timedelta(
                    minutes=rng.choice(
                        (
                            rng.randint(1, 90),
                            rng.randint(60, 600),
                            rng.randint(600, 4320),
                        )
                    )
                )
                closed = stages[stage].closed
                if closed:
                    choices = ("progress", "waiting", "new", "reopen", "other closed")
                else:
                    choices = (
                        "comment",
                        "comment",
                        "email",
                        "note",
                        "customer",
                        "progress",
                        "waiting",
                        "waiting",
                        "done",
                        "done",
                        "cancelled",
                    )
                action = rng.choice(choices)
                if action == "reopen":
                    action = "progress"
                elif action == "other closed":
                    action = "cancelled" if stage == "done" else "done"
                if action == stage:
                    continue
                if action in stages:
                    stage = action
                    actions.append((at, stages[action]))
                else:
                    actions.append((at, action))
            result.append((created, priority, stages[first], actions))
        # Answered on the day after a late opening: on another company's
        # holiday the clock runs, on the tickets' company's it stands still.
        for opened, answered in (
            (local(2026, 9, 28, 16, 0), local(2026, 9, 29, 10, 30)),
            (local(2026, 10, 1, 16, 0), local(2026, 10, 2, 12, 0)),
        ):
            actions = [
                (answered, "comment"),
                (answered + timedelta(hours=1), self.stage_done),
            ]
            result.append((opened, P1, self.stage_new, actions))
        return result

    # ----------------------------------------------------------- live play

    def create_ticket(self, at, priority, stage):
        with freeze_time(at):
            ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": "Generated issue",
                    "description": "It is broken.",
                    "partner_id": self.contact.id,
                    "priority": priority,
                    "team_id": self.team.id,
                    "user_id": self.agent.id,
                    "stage_id": stage.id,
                }
            )
            self.env.cr.precommit.run()
        # create_date is the transaction's start: as in production, the
        # ticket's own instant
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s", [at, ticket.id]
        )
        ticket.invalidate_recordset(["create_date"])
        return ticket

    def act(self, ticket, at, action):
        with freeze_time(at):
            if isinstance(action, models.BaseModel):
                ticket.with_context(tracking_disable=False).stage_id = action
            elif action in ("comment", "email"):
                ticket.with_user(self.agent).message_post(
                    body="Looking into it.",
                    message_type=action,
                    subtype_xmlid="mail.mt_comment",
                )
            elif action == "note":
                ticket.with_user(self.agent).message_post(
                    body="Internal: waiting for the vendor.",
                    message_type="comment",
                    subtype_xmlid="mail.mt_note",
                )
            else:  # the customer writes: no response
                ticket.message_post(
                    body="Any news?",
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                    author_id=self.contact.id,
                )
            self.env.cr.precommit.run()

    def breach_job(self, at):
        with freeze_time(at):
            self.env["sla.clock"]._cron_mark_breaches()

    def play(self):
        """Every history at its instants, all tickets along one time line,
        the breach job run half a minute after some steps (never at a
        deadline, which falls on a whole minute) and at the end."""
        rng = random.Random(SEED + 1)
        steps = []
        for index, (created, priority, first, actions) in enumerate(self.histories()):
            steps.append((created, index, "create", (priority, first)))
            for at, action in actions:
                steps.append((at, index, "act", action))
                if rng.random() < 0.4:
                    steps.append((at + timedelta(seconds=30), -1, "job", None))
        tickets = {}
        for at, index, kind, payload in sorted(steps, key=lambda s: (s[0], s[1])):
            if kind == "create":
                tickets[index] = self.create_ticket(at, *payload)
            elif kind == "act":
                self.act(tickets[index], at, payload)
            else:
                self.breach_job(at)
        self.breach_job(NOW)
        self.env.flush_all()
        return self.env["helpdesk.ticket"].union(*(tickets[i] for i in sorted(tickets)))

    # -------------------------------------------------------------- checks

    def whatif(self, date_from, date_to):
        with freeze_time(NOW):
            whatif = self.env["sla.tier.whatif"].create(
                {
                    "partner_id": self.customer.id,
                    "contract_id": self.contract.id,
                    "date_from": date_from,
                    "date_to": date_to,
                    "fee": 1000.0,
                }
            )
        return whatif

    def live_cycles(self, tickets):
        cycles = self.env["sla.cycle"].search([("ticket_id", "in", tickets.ids)])
        return {
            (c.ticket_id.id, c.cycle): (
                c.outcome,
                c.counted_at or None,
                c.report_date or None,
                c.contract_id.id or None,
            )
            for c in cycles
        }

    def live_months(self, tickets, date_from, date_to):
        groups = self.env["sla.ticket.report"]._read_group(
            [
                ("ticket_id", "in", tickets.ids),
                ("report_date", ">=", date_from),
                ("report_date", "<=", date_to),
                ("outcome", "in", ("met", "breached")),
            ],
            ["report_date:month"],
            ["__count", "compliance:avg"],
        )
        return {
            month.date().replace(day=1) if hasattr(month, "date") else month: (
                count,
                round(count * rate / 100.0),
            )
            for month, count, rate in groups
        }

    def live_compliance(self, tickets, date_from, date_to):
        [[rate]] = self.env["sla.ticket.report"]._read_group(
            [
                ("ticket_id", "in", tickets.ids),
                ("report_date", ">=", date_from),
                ("report_date", "<=", date_to),
            ],
            [],
            ["compliance:avg"],
        )
        return rate

    def test_every_cycle_replays_as_the_live_clocks_decided_it(self):
        self.assertTrue(self.stage_cancelled.sla_cancel)
        self.assertNotEqual(self.their_holiday.company_id, self.env.company)
        tickets = self.play()
        live = self.live_cycles(tickets)
        # the histories reach every case the replay mirrors
        outcomes = Counter(outcome for outcome, *_rest in live.values())
        self.assertGreaterEqual(
            set(outcomes), {"met", "breached", "cancelled", "open"}, outcomes
        )
        self.assertTrue(any(number > 1 for _ticket, number in live), "no reopening")
        pauses = self.env["sla.clock.pause"].search(
            [("clock_id.ticket_id", "in", tickets.ids)]
        )
        # created, or reopened, waiting on the customer
        self.assertTrue(pauses.filtered(lambda p: p.start_at == p.clock_id.start_at))
        # closed while waiting
        self.assertTrue(pauses.filtered(lambda p: p.stop_at == p.clock_id.stopped_at))
        emails = self.env["mail.message"].search(
            [
                ("model", "=", "helpdesk.ticket"),
                ("res_id", "in", tickets.ids),
                ("message_type", "=", "email"),
            ]
        )
        self.assertTrue(
            tickets.sla_clock_ids.filtered(
                lambda c: (
                    c.metric == "response" and c.stopped_at in emails.mapped("date")
                )
            ),
            "no response by e-mail",
        )
        self.assertTrue(
            tickets.sla_clock_ids.filtered(
                lambda c: c.start_at.date() < HOLIDAY < (c.stopped_at or NOW).date()
            ),
            "no clock ran over the holiday",
        )

        whatif = self.whatif(date(2026, 9, 1), date(2026, 10, 31))
        with freeze_time(NOW):
            replayed, replayed_tickets = whatif._replay_tiers()
        self.assertEqual({t["id"] for t in replayed_tickets}, set(tickets.ids))
        calendar, cycles, problem = replayed[self.silver]
        self.assertFalse(problem)
        self.assertEqual(calendar, self.business_hours)
        mine = {
            key: (
                cycle.verdict.outcome,
                cycle.verdict.counted_at,
                report_day(cycle.verdict),
                cycle.verdict.contract_id,
            )
            for key, cycle in cycles.items()
        }
        numbers = {ticket.id: ticket.number for ticket in tickets}
        for key in sorted(set(live) | set(mine)):
            self.assertEqual(
                mine.get(key),
                live.get(key),
                f"ticket {numbers[key[0]]} cycle {key[1]}",
            )

        for date_from, date_to in (
            (date(2026, 9, 1), date(2026, 10, 31)),
            (date(2026, 9, 25), date(2026, 10, 6)),
        ):
            whatif = self.whatif(date_from, date_to)
            with freeze_time(NOW):
                replayed, _tickets = whatif._replay_tiers()
                whatif.action_compute()
            months = replay_engine.monthly(
                replayed[self.silver][1].values(), date_from, date_to
            )
            self.assertEqual(
                {month: tuple(counts) for month, counts in months.items()},
                self.live_months(tickets, date_from, date_to),
            )
            sold = whatif.line_ids.filtered("current")
            self.assertEqual(sold.tier_id, self.silver)
            self.assertEqual(sold.calendar_id, self.business_hours)
            # the line keeps two decimals
            self.assertEqual(
                sold.compliance,
                round(self.live_compliance(tickets, date_from, date_to), 2),
            )
            self.assertEqual(sold.tickets, sum(counts[0] for counts in months.values()))
            self.assertFalse(whatif.note)
            # the tiers not sold run on their own support hours
            gold = whatif.line_ids.filtered(lambda line: line.tier_id == self.gold)
            self.assertEqual(gold.calendar_id, self.gold.calendar_id)


class TestWhatifSaysWhatItCannotReplay(CreditCase):
    """Tickets measured live on terms their history does not hold are named
    on screen, with their count; none, no note."""

    def ticket(self, at, **vals):
        ticket = self.open_ticket("Gold", P3, at, **vals)
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s", [at, ticket.id]
        )
        ticket.invalidate_recordset(["create_date"])
        return ticket

    def reply(self, ticket, at):
        with freeze_time(at):
            ticket.with_user(self.agent).message_post(
                body="On it.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )

    def compute(self):
        with freeze_time(datetime(2026, 10, 10)):
            whatif = self.env["sla.tier.whatif"].create(
                {
                    "partner_id": self.customers["Gold"].id,
                    "contract_id": self.gold_contract.id,
                    "date_from": date(2026, 9, 1),
                    "date_to": date(2026, 9, 30),
                }
            )
            whatif.action_compute()
        return whatif

    def test_changes_the_history_does_not_hold_are_counted_on_screen(self):
        plain = self.ticket(datetime(2026, 9, 1, 9, 0))
        self.reply(plain, datetime(2026, 9, 1, 9, 30))
        self.assertFalse(self.compute().note)
        # the priority raised after the response was met
        raised = self.ticket(datetime(2026, 9, 2, 9, 0))
        self.reply(raised, datetime(2026, 9, 2, 9, 30))
        with freeze_time(datetime(2026, 9, 2, 10, 0)):
            raised.priority = P1
        # measured first on another contract of the customer
        other = self.env["contract.contract"].create(
            {
                "name": "Gold support, second site",
                "partner_id": self.customers["Gold"].id,
                "contract_type": "sale",
                "date_start": date(2026, 1, 1),
                "sla_tier_id": self.silver.id,
                "sla_date_start": date(2026, 1, 1),
            }
        )
        moved = self.ticket(datetime(2026, 9, 3, 9, 0), sla_contract_id=other.id)
        self.reply(moved, datetime(2026, 9, 3, 9, 30))
        with freeze_time(datetime(2026, 9, 3, 10, 0)):
            moved.sla_contract_id = self.gold_contract
        # the Gold response target of P3 edited after the response was met
        edited = self.ticket(
            datetime(2026, 9, 4, 9, 0), sla_contract_id=self.gold_contract.id
        )
        self.reply(edited, datetime(2026, 9, 4, 9, 30))
        with freeze_time(datetime(2026, 9, 4, 10, 0)):
            self.gold._target_for(P3).write(
                {"response_value": 3, "response_unit": "hours"}
            )
        note = self.compute().note
        self.assertIn("1 ticket(s) changed priority", note)
        self.assertIn("1 ticket(s) were measured on another contract", note)
        # the first and the last answered on 4 hours, today's target is 3
        self.assertIn("2 ticket(s) were measured on targets", note)
