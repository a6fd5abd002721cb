from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import Form

from .common import FEE, P3, CreditCase, sept


class TestTierWhatif(CreditCase):
    """The what-if replays real histories: on the tier sold, it must find
    what the live clocks found."""

    def ticket(self, at):
        ticket = self.open_ticket("Gold", P3, at)
        # Created in a transaction of its own, as in production: its later
        # stage moves are tracked.
        with freeze_time(at):
            self.env.cr.precommit.run()
        # created as in production, at its own instant
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s", [at, ticket.id]
        )
        ticket.invalidate_recordset(["create_date"])
        return ticket

    def move(self, ticket, stage, at):
        with freeze_time(at):
            ticket.with_context(tracking_disable=False).stage_id = stage
            self.env.cr.precommit.run()

    def reply(self, ticket, at):
        with freeze_time(at):
            ticket.with_user(self.agent).message_post(
                body="Looking into it.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def test_replay_on_the_sold_tier_matches_the_live_clocks(self):
        tickets = self.env["helpdesk.ticket"]
        # 1. closed a minute later: within SLA
        tickets |= (first := self.ticket(sept(3)))
        self.move(first, self.stage_done, sept(3, 10, 1))
        # 2. closed ten days later: breached
        tickets |= (late := self.ticket(sept(4)))
        self.move(late, self.stage_done, sept(14))
        # 3. answered, then two days waiting on the customer: the pause saves it
        tickets |= (paused := self.ticket(sept(8)))
        self.reply(paused, sept(8, 10, 30))
        self.move(paused, self.stage_waiting, sept(8, 11))
        self.move(paused, self.stage_progress, sept(10, 11))
        self.move(paused, self.stage_done, sept(10, 12))
        # 4. answered after 6 hours (4 h to respond), closed the same day
        tickets |= (slow := self.ticket(sept(15)))
        self.reply(slow, sept(15, 16))
        self.move(slow, self.stage_done, sept(15, 17))
        self.env.flush_all()
        [[live]] = self.env["sla.ticket.report"]._read_group(
            [("ticket_id", "in", tickets.ids)], [], ["compliance:avg"]
        )
        self.assertEqual(live, 50.0)

        with freeze_time("2026-10-10"):
            form = Form(self.env["sla.tier.whatif"])
            form.partner_id = self.customers["Gold"]
            form.contract_id = self.gold_contract
            self.assertEqual(form.fee, FEE)
            form.date_from = date(2026, 9, 1)
            form.date_to = date(2026, 9, 30)
            whatif = form.save()
            clocks_before = self.env["sla.clock"].search_count([])
            whatif.action_compute()
        self.assertEqual(self.env["sla.clock"].search_count([]), clocks_before)
        self.assertEqual(whatif.ticket_count, 4)
        lines = {line.tier_id: line for line in whatif.line_ids}
        gold = lines[self.gold]
        self.assertTrue(gold.current)
        self.assertEqual((gold.tickets, gold.within, gold.breached), (4, 2, 2))
        self.assertEqual(gold.compliance, live)
        self.assertEqual(gold.credits, 200.0)  # 50%: 20% of the 1,000 fee
        # Bronze answers in 8 business hours, resolves in 3 business days:
        # the slow answer is on time, ten days is still late.
        bronze = lines[self.bronze]
        self.assertEqual((bronze.within, bronze.breached), (3, 1))
        self.assertEqual(bronze.credits, 200.0)  # 75%: below 85%

    def test_an_open_ticket_counts_once_it_breaches(self):
        opened = self.ticket(datetime(2026, 9, 28, 10, 0))
        self.assertTrue(opened)
        with freeze_time("2026-10-10"):
            whatif = self.env["sla.tier.whatif"].create(
                {
                    "partner_id": self.customers["Gold"].id,
                    "date_from": date(2026, 9, 1),
                    "date_to": date(2026, 9, 30),
                }
            )
            whatif.action_compute()
        gold = whatif.line_ids.filtered(lambda line: line.tier_id == self.gold)
        self.assertEqual((gold.tickets, gold.breached), (1, 1))
        self.assertEqual(
            whatif.line_ids.filtered("current"), self.env["sla.tier.whatif.line"]
        )

    def test_a_helpdesk_manager_replays_on_the_contract_support_hours(self):
        """Run from the form as the manager it is for; the tier sold runs on
        the contract's own support hours and says so, the others on theirs."""
        self.gold_contract.sla_calendar_id = self.business_hours
        # Saturday 10:00 in Brussels, answered five hours later: late on
        # Gold's 18/7 support hours (4 hours to respond), not started yet on
        # the contract's office hours, where the live clocks ran.
        ticket = self.ticket(datetime(2026, 9, 5, 8, 0))
        self.reply(ticket, datetime(2026, 9, 5, 13, 0))
        self.move(ticket, self.stage_done, datetime(2026, 9, 5, 13, 10))
        self.assertEqual(ticket.sla_clock_ids.cycle_id.outcome, "met")
        manager = self.account_manager
        with freeze_time("2026-10-10"):
            form = Form(self.env["sla.tier.whatif"].with_user(manager))
            form.partner_id = self.customers["Gold"]
            form.contract_id = self.gold_contract
            form.date_from = date(2026, 9, 1)
            form.date_to = date(2026, 9, 30)
            whatif = form.save()
            whatif.action_compute()
        sold = whatif.line_ids.filtered("current")
        self.assertEqual(sold.tier_id, self.gold)
        self.assertEqual(sold.calendar_id, self.business_hours)
        self.assertEqual((sold.tickets, sold.within, sold.compliance), (1, 1, 100.0))
        silver = whatif.line_ids.filtered(lambda line: line.tier_id == self.silver)
        self.assertEqual(silver.calendar_id, self.silver.calendar_id)
        self.assertFalse(whatif.note)
