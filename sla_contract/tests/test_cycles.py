"""One truth per ticket cycle: outcome, month, contract and penalties are
decided once (engine/cycle_math.py), stored on sla.cycle, and read by the
SLA Analysis as by every other figure."""

from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tools import SQL

from ..models.public_reply import is_public_reply, public_reply_sql
from ..models.sla_clock import Transitions
from .common import SlaCase

P1, P3 = "3", "1"
MONDAY = datetime(2027, 3, 1, 8, 0)  # 09:00 in Brussels


class TestCycles(SlaCase):
    def run_breach_job(self, at):
        with freeze_time(at):
            self.env["sla.clock"]._cron_mark_breaches()

    def report(self, tickets):
        self.env.flush_all()
        return self.env["sla.ticket.report"].search([("ticket_id", "in", tickets.ids)])

    def test_a_cycle_breached_on_one_contract_and_met_on_another_counts_once(self):
        customer = self.customers["Gold"]
        gold = self.contracts["Gold"]
        platinum = self.env["contract.contract"].create(
            {
                "name": "Gold customer, upgraded",
                "partner_id": customer.id,
                "contract_type": "sale",
                "date_start": date(2026, 1, 1),
                "sla_tier_id": self.platinum.id,
                "sla_date_start": date(2026, 1, 1),
            }
        )
        ticket = self.open_ticket("Gold", P1, MONDAY, sla_contract_id=gold.id)
        response = self.clock(ticket, "response")
        late = response.deadline + timedelta(minutes=1)
        # answered late under Gold: a stopped clock is final
        with freeze_time(late):
            ticket.with_user(self.agent).message_post(
                body="Looking.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.assertEqual((response.state, response.contract_id), ("breached", gold))
        with freeze_time(late):
            ticket.sla_contract_id = platinum
        resolution = self.clock(ticket, "resolution")
        self.assertEqual(resolution.contract_id, platinum)
        closed_at = late + timedelta(minutes=5)
        self.assertLess(closed_at, resolution.deadline)
        self.move(ticket, self.stage_done, closed_at)
        self.assertEqual(resolution.state, "met")

        cycle = ticket.sla_clock_ids.cycle_id
        self.assertEqual(len(cycle), 1)
        self.assertEqual(
            (cycle.outcome, cycle.contract_id, cycle.counted_at),
            ("breached", gold, response.breached_at),
        )
        [row] = self.report(ticket)
        self.assertEqual((row.contract_id, row.outcome), (gold, "breached"))

    def test_penalties_follow_the_month_a_cycle_counts_in(self):
        silver = self.contracts["Silver"]
        silver.sla_penalty_date = date(2027, 3, 1)
        # Opened on the last afternoon before penalties, answered late the
        # next morning: a March breach, charged in March.
        late_evening = datetime(2027, 2, 26, 19, 30)  # Friday 20:30 Brussels
        ticket = self.open_ticket("Silver", P1, late_evening)
        response = self.clock(ticket, "response")
        self.assertGreaterEqual(response.deadline, datetime(2027, 3, 1))
        self.run_breach_job(response.deadline + timedelta(minutes=1))
        cycle = response.cycle_id
        self.assertEqual(cycle.report_date.month, 3)
        self.assertFalse(cycle.measurement_only)
        self.assertFalse(response.measurement_only)
        self.assertFalse(response.breach_ids.measurement_only)
        # Breached in February: measured only.
        early = self.open_ticket("Silver", P1, datetime(2027, 2, 22, 8, 0))
        early_response = self.clock(early, "response")
        self.run_breach_job(early_response.deadline + timedelta(minutes=1))
        self.assertEqual(early_response.cycle_id.report_date.month, 2)
        self.assertTrue(early_response.cycle_id.measurement_only)
        # Penalties moved a month later: March is measured only as well.
        silver.sla_penalty_date = date(2027, 4, 1)
        self.assertTrue(cycle.measurement_only)
        self.assertTrue(response.breach_ids.measurement_only)

    def test_a_ticket_moved_to_another_company_takes_its_clocks(self):
        other = self.env["res.company"].create({"name": "SLA Other Co"})
        # the customer's SLA there too, so that the ticket keeps an SLA
        self.env["contract.contract"].create(
            {
                "name": "Bronze support, other company",
                "partner_id": self.customers["Bronze"].id,
                "contract_type": "sale",
                "company_id": other.id,
                "date_start": date(2026, 1, 1),
                "sla_tier_id": self.bronze.id,
                "sla_date_start": date(2026, 1, 1),
            }
        )
        ticket = self.open_ticket("Bronze", P3, MONDAY)
        response = self.clock(ticket, "response")
        self.run_breach_job(response.deadline + timedelta(minutes=1))
        with freeze_time(response.deadline + timedelta(hours=1)):
            ticket.company_id = other
        self.assertEqual(ticket.sla_clock_ids.mapped("company_id"), other)
        self.assertEqual(ticket.sla_clock_ids.cycle_id.mapped("company_id"), other)
        self.assertEqual(response.state, "breached")
        self.assertEqual(response.breach_ids.mapped("company_id"), other)

    def test_one_write_over_many_tickets_is_one_batch_of_transitions(self):
        tickets = self.open_ticket("Gold", P3, MONDAY) | self.open_ticket(
            "Gold", P3, MONDAY
        )
        tickets |= self.open_ticket("Bronze", P3, MONDAY)
        calls = []
        Clock = type(self.env["sla.clock"])
        original = Clock._sla_on_transition

        def spy(clocks, events):
            calls.append({event: set(c.ticket_id.ids) for event, c in events.items()})
            return original(clocks, events)

        with (
            patch.object(Clock, "_sla_on_transition", spy),
            freeze_time(MONDAY + timedelta(hours=1)),
        ):
            tickets.write({"stage_id": self.stage_done.id, "priority": P1})
        self.assertEqual(len(calls), 1)
        self.assertEqual(
            calls[0]["met"] | calls[0].get("breached", set()), set(tickets.ids)
        )

    def test_transitions_keep_order_and_count_each_clock_once(self):
        clocks = self.open_ticket("Gold", P3, MONDAY).sla_clock_ids
        tr = Transitions(self.env)
        tr.add("met", clocks)
        tr.add("met", clocks[0])
        tr.add("met", clocks)
        self.assertEqual(list(tr.events["met"]), clocks.ids)


class TestPublicReply(SlaCase):
    """The Python rule that stops response clocks and the SQL the reports
    count first contacts with are one rule: checked against each other on
    every kind of message."""

    def test_python_and_sql_agree(self):
        ticket = self.open_ticket("Gold", P3, MONDAY)
        portal = self.env["res.users"].create(
            {
                "name": "Portal customer",
                "login": "cycle_portal",
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        archived = self.env["res.users"].create(
            {
                "name": "Former agent",
                "login": "cycle_former",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        archived.active = False
        comment = self.env.ref("mail.mt_comment")
        note = self.env.ref("mail.mt_note")
        Message = self.env["mail.message"].sudo()
        cases = {}
        for author_name, author in (
            ("agent", self.agent.partner_id),
            ("archived agent", archived.partner_id),
            ("customer", portal.partner_id),
            ("no user", self.customers["Gold"]),
        ):
            for kind in ("comment", "email", "notification", "user_notification"):
                for subtype in (comment, note, self.env["mail.message.subtype"]):
                    message = Message.create(
                        {
                            "model": "helpdesk.ticket",
                            "res_id": ticket.id,
                            "body": "Reply",
                            "message_type": kind,
                            "subtype_id": subtype.id,
                            "author_id": author.id,
                            "reply_to": "support@example.com",
                            "email_from": "someone@example.com",
                        }
                    )
                    cases[message.id] = (author_name, kind, subtype.name)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT m.id FROM mail_message m"
                " JOIN mail_message_subtype s ON s.id = m.subtype_id"
                " WHERE m.id IN %s AND %s",
                tuple(cases),
                public_reply_sql("m", "s"),
            )
        )
        by_sql = {row[0] for row in self.env.cr.fetchall()}
        by_python = {mid for mid in cases if is_public_reply(Message.browse(mid))}
        self.assertEqual({cases[m] for m in by_sql}, {cases[m] for m in by_python})
        self.assertEqual(
            {cases[m] for m in by_python},
            {
                (who, kind, "Discussions")
                for who in ("agent", "archived agent")
                for kind in ("comment", "email")
            },
        )

    def test_an_emailed_reply_is_a_first_contact(self):
        ticket = self.open_ticket("Gold", P3, MONDAY)
        with freeze_time(MONDAY + timedelta(minutes=5)):
            ticket.with_user(self.agent).message_post(
                body="Replied from my mailbox.",
                message_type="email",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(self.clock(ticket, "response").state, "met")
        self.move(ticket, self.stage_done, MONDAY + timedelta(minutes=30))
        self.env.flush_all()
        [row] = self.env["sla.ticket.report"].search([("ticket_id", "=", ticket.id)])
        self.assertEqual(row.first_contact, 100.0)
        self.assertEqual(row.outcome, "met")


class TestOneScheduler(SlaCase):
    def test_a_new_ticket_is_scheduled_by_the_clocks_own_rule(self):
        # Whatever `_schedule_values` decides is what a new ticket gets, and
        # what a re-schedule writes: one rule for both.
        Clock = type(self.env["sla.clock"])
        original = Clock._schedule_values

        def shifted(clocks, *args, **kwargs):
            values = original(clocks, *args, **kwargs)
            return {key: at + timedelta(minutes=7) for key, at in values.items()}

        with patch.object(Clock, "_schedule_values", shifted):
            ticket = self.open_ticket("Platinum", P1, MONDAY)
            response = self.clock(ticket, "response")
            created = response.deadline
            response._schedule()
        # Platinum P1: 15 minutes round the clock
        self.assertEqual(created, MONDAY + timedelta(minutes=15 + 7))
        self.assertEqual(response.deadline, created)
