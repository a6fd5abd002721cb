"""The demo's year of history, as installed: what an evaluator sees first.

Runs on a database with the suite's demo data (skipped without it).
"""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.addons.sla_contract.tools import demo_plan
from odoo.tests import TransactionCase, tagged

TIERS = ("bronze", "silver", "gold", "platinum")


@tagged("post_install", "-at_install")
class TestDemoHistory(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.contracts = {
            key: ref(f"sla_contract.demo_contract_{key}", raise_if_not_found=False)
            for key in TIERS
        }

    def setUp(self):
        super().setUp()
        self.written = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("sla_contract.demo_history")
        )
        if not all(self.contracts.values()):
            self.skipTest("the database has no demo data")
        self.assertTrue(self.written, "the demo's history was not written")
        self.tickets = self.env["helpdesk.ticket"].search(
            [("team_id", "=", self.env.ref("sla_contract.demo_team_support").id)]
        )

    def test_a_year_of_tickets_every_month_every_tier(self):
        self.assertGreater(len(self.tickets), 1800)
        self.assertLess(len(self.tickets), 2400)
        written = fields.Datetime.to_datetime(self.written)
        start = demo_plan.history_start(written)
        months = {
            (ticket.create_date.year, ticket.create_date.month, ticket.sla_contract_id)
            for ticket in self.tickets
        }
        month = start
        while month < written.date().replace(day=1):
            for contract in self.contracts.values():
                self.assertIn((month.year, month.month, contract), months)
            month += relativedelta(months=1)

    def test_closing_and_stage_changes_carry_their_instants(self):
        """No ticket of the year was closed, or moved, at the installation."""
        written = fields.Datetime.to_datetime(self.written)
        closed = self.tickets.filtered("closed_date")
        self.assertGreater(len(closed), 1500)
        self.assertTrue(all(t.closed_date < written for t in closed))
        self.assertTrue(all(t.create_date < written for t in self.tickets))
        moves = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", "helpdesk.ticket"),
                ("mail_message_id.res_id", "in", self.tickets.ids),
                ("field_id.name", "=", "stage_id"),
            ]
        )
        self.assertGreater(len(moves), 3000)
        dates = moves.mail_message_id.mapped("date")
        self.assertLess(max(dates), written)
        self.assertLess(min(dates), written - relativedelta(months=11))

    def test_whatif_agrees_with_live_clocks_for_the_tier_sold(self):
        contract = self.contracts["gold"]
        mismatches = self.env["sla.reconcile"]._sla_mismatches(
            self.env["contract.contract"].browse(
                [c.id for c in self.contracts.values()]
            )
        )
        self.assertEqual(
            [(m.contract, m.month, m.figure, m.place) for m in mismatches], []
        )
        # and the what-if did replay the year (not skipped as not replayable)
        months = self.env["sla.reconcile"]._sla_months(contract)[contract.id]
        wizard = self.env["sla.tier.whatif"].create(
            {
                "partner_id": contract.partner_id.id,
                "contract_id": contract.id,
                "company_id": contract.company_id.id,
                "date_from": months[0],
                "date_to": months[-1] + relativedelta(months=1, days=-1),
            }
        )
        replayed, tickets = wizard._replay_tiers()
        self.assertFalse(wizard._not_replayable_note(tickets))
        self.assertIn(contract.sla_tier_id, replayed)
        self.assertGreater(len(months), 11)

    def test_every_contract_invoiced_up_to_the_current_period(self):
        this_month = fields.Date.context_today(self.env.user).replace(day=1)
        for key, contract in self.contracts.items():
            invoices = self.env["account.move"].search(
                [
                    ("invoice_line_ids.contract_line_id.contract_id", "=", contract.id),
                    ("state", "=", "posted"),
                ]
            )
            self.assertGreaterEqual(len(invoices), 12, key)
            self.assertEqual(max(invoices.mapped("invoice_date")), this_month, key)
            self.assertGreater(contract.recurring_next_date, this_month, key)

    def test_credits_approved_waived_and_invoiced(self):
        demo_credits = self.env["sla.credit"].search(
            [("contract_id", "in", [c.id for c in self.contracts.values()])]
        )
        states = set(demo_credits.mapped("state"))
        self.assertIn("applied", states)
        self.assertIn("waived", states)
        self.assertTrue(demo_credits.filtered("grace"))

    def test_ratings_feed_csat(self):
        ratings = self.env["rating.rating"].search(
            [
                ("res_model", "=", "helpdesk.ticket"),
                ("res_id", "in", self.tickets.ids),
                ("consumed", "=", True),
            ]
        )
        self.assertGreater(len(ratings), 800)
        self.assertGreater(
            len({(r.write_date.year, r.write_date.month) for r in ratings}), 11
        )
        self.assertTrue(self.env["sla.bonus"].search([]))

    def test_incidents_and_maintenance(self):
        incidents = self.env["sla.incident"].search(
            [("contract_id", "in", [c.id for c in self.contracts.values()])]
        )
        self.assertTrue(incidents.filtered("planned"))
        self.assertGreater(len(incidents.filtered(lambda i: not i.planned)), 5)

    def test_escalations_fired_at_their_time(self):
        if "sla.escalation.event" not in self.env:
            self.skipTest("sla_escalation is not installed")
        events = self.env["sla.escalation.event"].search(
            [("ticket_id", "in", self.tickets.ids)]
        )
        self.assertGreater(len(events), 100)
        late = events.filtered(lambda e: (e.fired_at - e.due_at).total_seconds() > 60)
        self.assertFalse(late, late[:5].mapped(lambda e: (e.due_at, e.fired_at)))

    def test_breaches_analysed(self):
        breaches = self.env["sla.breach"].search(
            [("ticket_id", "in", self.tickets.ids)]
        )
        self.assertGreater(len(breaches), 20)
        self.assertTrue(breaches.filtered(lambda b: b.state == "analysed"))
