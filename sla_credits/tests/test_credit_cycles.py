"""Credits count what sla.cycle decided, the rule every figure reads: one
cycle once, for one contract, in one month, bearing penalties by the same
rule as its month's credit."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time

from .common import P1, SEPTEMBER, CreditCase, sept

OCTOBER = date(2026, 10, 1)


class TestCreditCycles(CreditCase):
    def performance(self, contract):
        return {
            row.month: row
            for row in self.env["sla.contract.performance"].search(
                [("contract_id", "=", contract.id)]
            )
        }

    def test_a_cycle_breached_on_one_contract_and_met_on_another_is_credited_once(
        self,
    ):
        gold = self.gold_contract
        upgraded = self.env["contract.contract"].create(
            {
                "name": "Gold customer, upgraded",
                "partner_id": self.customers["Gold"].id,
                "contract_type": "sale",
                "date_start": date(2026, 1, 1),
                "sla_tier_id": self.platinum.id,
                "sla_date_start": date(2026, 1, 1),
                "sla_penalty_date": date(2026, 1, 1),
            }
        )
        ticket = self.open_ticket("Gold", P1, sept(7, 8), sla_contract_id=gold.id)
        response = self.clock(ticket, "response")
        late = response.deadline + timedelta(minutes=1)
        with freeze_time(late):
            ticket.with_user(self.agent).message_post(
                body="Looking.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            ticket.sla_contract_id = upgraded
        self.move(ticket, self.stage_done, late + timedelta(minutes=5))
        self.assertEqual(self.clock(ticket, "resolution").state, "met")
        self.evaluate(gold | upgraded)
        credit = self.credit(gold)
        self.assertEqual((credit.tickets, credit.tickets_within), (1, 0))
        self.assertFalse(self.credit(upgraded).tickets)
        # the SLA Analysis says the same
        self.env.flush_all()
        rows = self.env["sla.ticket.report"].search([("ticket_id", "=", ticket.id)])
        self.assertEqual(rows.contract_id, gold)

    def test_a_cycle_started_in_grace_and_breached_after_bears_penalties(self):
        silver = self.contracts["Silver"]
        silver.sla_penalty_date = OCTOBER
        # Opened on the evening of 30 September, answered late on 1 October.
        ticket = self.open_ticket("Silver", P1, datetime(2026, 9, 30, 19, 0))
        response = self.clock(ticket, "response")
        self.assertGreaterEqual(response.deadline, datetime(2026, 10, 1))
        self.move(ticket, self.stage_done, response.deadline + timedelta(hours=1))
        in_september = self.handled("Silver", sept(10), late=True)
        self.evaluate(silver, SEPTEMBER)
        self.evaluate(silver, OCTOBER)
        october, september = self.credit(silver, OCTOBER), self.credit(silver)
        self.assertFalse(october.grace)
        self.assertEqual((october.tickets, october.tickets_within), (1, 0))
        self.assertFalse(response.cycle_id.measurement_only)
        self.assertFalse(response.breach_ids.measurement_only)
        self.assertTrue(september.grace)
        self.assertTrue(in_september.sla_clock_ids.cycle_id.measurement_only)

    def test_a_month_without_tickets_is_no_zero_in_performance(self):
        gold = self.gold_contract
        for day in (2, 3, 4, 7):
            self.handled("Gold", sept(day))
        self.evaluate(gold, SEPTEMBER)
        self.evaluate(gold, OCTOBER)
        self.assertFalse(self.credit(gold, OCTOBER).has_rate)
        self.env.flush_all()
        months = self.performance(gold)
        self.assertEqual(months[SEPTEMBER].compliance, 100.0)
        self.assertFalse(months[OCTOBER].tickets)
        [[compliance]] = self.env["sla.contract.performance"]._read_group(
            [("contract_id", "=", gold.id)], [], ["compliance:avg"]
        )
        self.assertEqual(compliance, 100.0)

    def test_a_closed_month_keeps_what_its_cycles_counted_as(self):
        gold = self.gold_contract
        september = self.handled("Gold", sept(3), late=True)
        self.evaluate(gold, SEPTEMBER)
        self.credit(gold).action_approve()
        october = self.open_ticket("Gold", P1, datetime(2026, 10, 5, 8))
        with freeze_time(datetime(2026, 10, 6)):
            gold.sla_penalty_date = date(2026, 12, 1)
        self.assertFalse(september.sla_clock_ids.cycle_id.measurement_only)
        self.assertTrue(october.sla_clock_ids.cycle_id.measurement_only)
