from datetime import date

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form

from .common import CreditCase, sept

OCTOBER = date(2026, 10, 1)
NOVEMBER = date(2026, 11, 1)


class TestCreditInvoicing(CreditCase):
    def gold_credit_approved(self):
        self.handled("Gold", sept(3))
        self.handled("Gold", sept(4), late=True)  # 50%: 20%
        self.evaluate(self.gold_contract)
        credit = self.credit(self.gold_contract)
        credit.action_approve()
        self.assertEqual(credit.state, "approved")
        return credit

    def credit_lines(self, invoices):
        return invoices.invoice_line_ids.filtered("sla_credit_id")

    def test_approved_credit_lands_on_the_next_invoice_once(self):
        credit = self.gold_credit_approved()
        invoices = self.invoice_on(OCTOBER)
        gold_invoice = invoices.filtered(
            lambda m: m.invoice_origin == self.gold_contract.name
        )
        line = self.credit_lines(gold_invoice)
        self.assertEqual(len(line), 1)
        self.assertEqual(line.price_unit, -200.0)
        self.assertEqual(
            line.product_id, self.env.ref("sla_credits.product_service_credit")
        )
        self.assertIn("September 2026", line.name)
        self.assertIn("50.00%", line.name)
        self.assertIn("band 0-85%", line.name)
        self.assertIn("uptime 100.000%", line.name)
        self.assertEqual(gold_invoice.amount_untaxed, 800.0)
        fee_line = gold_invoice.invoice_line_ids - line
        self.assertEqual(line.tax_ids, fee_line.tax_ids)
        self.assertEqual(credit.state, "applied")
        self.assertEqual(credit.invoice_id, gold_invoice)
        # The evaluation and the invoicing run again: nothing is added.
        self.evaluate(self.gold_contract)
        self.assertEqual(self.invoice_on(OCTOBER), invoices)
        with freeze_time(NOVEMBER):
            november = self.gold_contract.recurring_create_invoice()
        self.assertTrue(november)
        self.assertFalse(self.credit_lines(november))
        self.assertEqual(len(self.credit_lines(self.invoice_on(NOVEMBER))), 1)

    def test_cancelled_invoice_gives_the_credit_back(self):
        credit = self.gold_credit_approved()
        invoice = self.credit_lines(self.invoice_on(OCTOBER)).move_id
        invoice.action_post()
        invoice.button_draft()
        invoice.button_cancel()
        self.assertEqual(credit.state, "approved")
        with freeze_time(NOVEMBER):
            november = self.gold_contract.recurring_create_invoice()
        self.assertEqual(self.credit_lines(november).sla_credit_id, credit)
        self.assertEqual(credit.state, "applied")
        self.assertEqual(credit.invoice_id, november)
        with self.assertRaisesRegex(UserError, "already on invoice"):
            invoice.button_draft()

    def test_deleted_draft_invoice_gives_the_credit_back(self):
        credit = self.gold_credit_approved()
        self.credit_lines(self.invoice_on(OCTOBER)).move_id.unlink()
        self.assertEqual(credit.state, "approved")

    def test_money_is_never_applied_twice_even_by_hand(self):
        credit = self.gold_credit_approved()
        invoice = self.credit_lines(self.invoice_on(OCTOBER)).move_id
        with self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            invoice.write(
                {
                    "invoice_line_ids": [
                        (0, 0, credit._prepare_invoice_line(sequence=99))
                    ]
                }
            )
            invoice.flush_recordset()

    def test_waived_credit_is_never_invoiced(self):
        self.handled("Gold", sept(4), late=True)
        self.evaluate(self.gold_contract)
        credit = self.credit(self.gold_contract)
        action = credit.action_open_waive_wizard()
        wizard = self.env[action["res_model"]].with_context(**action["context"])
        wizard.create(
            {"reason": "Outage caused by the customer's change"}
        ).action_waive()
        self.assertEqual(credit.state, "waived")
        self.assertFalse(self.credit_lines(self.invoice_on(OCTOBER)))
        with self.assertRaisesRegex(UserError, "already waived"):
            credit.action_approve()

    def test_late_correction_becomes_an_adjustment_next_month(self):
        credit = self.gold_credit_approved()
        self.invoice_on(OCTOBER)
        # Found after September was invoiced: 2 h of downtime in September.
        self.incident(self.gold_contract, sept(20, 3), 120)
        self.evaluate(self.gold_contract, OCTOBER)
        self.assertEqual(credit.amount, 200.0)
        self.assertEqual(credit.downtime_minutes, 0.0)
        adjustment = self.credit(self.gold_contract, OCTOBER, "adjustment")
        self.assertEqual(adjustment.corrects_id, credit)
        self.assertEqual(adjustment.amount, 64.0)  # 6.4% of the fee
        self.assertIn(
            "correction of the September 2026 service credit", adjustment.description
        )
        # Run again: the same adjustment, not a second one.
        self.evaluate(self.gold_contract, OCTOBER)
        self.assertEqual(
            self.credit(self.gold_contract, OCTOBER, "adjustment"), adjustment
        )
        adjustment.action_approve()
        self.evaluate(self.gold_contract, NOVEMBER)
        self.assertFalse(self.credit(self.gold_contract, NOVEMBER, "adjustment"))
        with freeze_time(NOVEMBER):
            november = self.gold_contract.recurring_create_invoice()
        lines = self.credit_lines(november)
        self.assertEqual(lines.sla_credit_id, adjustment)
        self.assertEqual(lines.price_unit, -64.0)
        self.assertIn("Adjustment", lines.name)


class TestCreditRights(CreditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        users = cls.env["res.users"].with_context(no_reset_password=True)

        def user(login, *groups):
            return users.create(
                {
                    "name": login,
                    "login": login,
                    "groups_id": [(6, 0, [cls.env.ref(g).id for g in groups])],
                }
            )

        cls.team_agent = user("credit_agent", "helpdesk_mgmt.group_helpdesk_user_team")
        cls.accountant = user("credit_accountant", "account.group_account_invoice")
        cls.employee = user("credit_employee", "base.group_user")

    def test_agents_read_credits_approvers_approve_accountants_see_invoices(self):
        self.handled("Gold", sept(4), late=True)
        self.evaluate(self.gold_contract)
        credit = self.credit(self.gold_contract)
        as_agent = credit.with_user(self.team_agent)
        self.assertEqual(as_agent.amount, 200.0)
        with self.assertRaisesRegex(UserError, "Only credit approvers"):
            as_agent.action_approve()
        with self.assertRaises(AccessError):
            self.credit(self.gold_contract).with_user(self.employee).read(["amount"])
        credit.with_user(self.account_manager).action_approve()
        self.assertEqual(credit.decided_by_id, self.account_manager)
        self.invoice_on(OCTOBER)
        credit.invalidate_recordset()
        self.assertTrue(credit.with_user(self.accountant).invoice_id)
        with self.assertRaises(AccessError):
            credit.with_user(self.team_agent).read(["invoice_id"])

    def test_agent_records_an_incident_through_the_form(self):
        from odoo.tests import Form

        service = self.env["sla.monitored.service"].create(
            {"name": "API", "contract_id": self.gold_contract.id, "alert_value": "api"}
        )
        agent = self.team_agent
        with Form(self.env["sla.incident"].with_user(agent)) as form:
            form.name = "API down"
            form.service_id = service.with_user(agent)
            self.assertEqual(form.contract_id, self.gold_contract)
            form.start_at = sept(9, 8)
            form.end_at = sept(9, 9)
        incident = self.env["sla.incident"].search([("name", "=", "API down")])
        self.assertEqual(incident.duration_minutes, 60.0)
        self.assertEqual(incident.source, "manual")


class TestQuarterBonus(CreditCase):
    def test_a_perfect_quarter_earns_every_bonus(self):
        tickets = self.env["helpdesk.ticket"]
        for month in (7, 8, 9):
            for day in (6, 7, 8):
                tickets |= self.handled("Platinum", sept(day).replace(month=month))
        rating_model = self.env["ir.model"]._get_id("helpdesk.ticket")
        ratings = self.env["rating.rating"].create(
            [
                {
                    "res_model_id": rating_model,
                    "res_id": ticket.id,
                    "rating": 5.0,
                    "consumed": True,
                }
                for ticket in tickets
            ]
        )
        ratings.flush_recordset()
        self.env.cr.execute(
            "UPDATE rating_rating SET write_date = %s WHERE id = ANY(%s)",
            [sept(10), ratings.ids],
        )
        platinum = self.contracts["Platinum"]
        platinum.date_end = date(2027, 1, 31)
        self.evaluate(platinum)
        bonus = self.env["sla.bonus"].search([("contract_id", "=", platinum.id)])
        self.assertRecordValues(
            bonus,
            [
                {
                    "quarter_start": date(2026, 7, 1),
                    "responses": 9,
                    "responses_within_half": 9,
                    "breaches": 0,
                    "csat": 5.0,
                    "csat_count": 9,
                    "rate_increase_percent": 5.0,
                    "rate_hold": True,
                    "recognition": True,
                    "reduced_reporting": True,
                }
            ],
        )
        activity = platinum.activity_ids.filtered(lambda a: "Bonus" in a.summary)
        self.assertEqual(activity.user_id, self.account_manager)
        self.assertEqual(activity.date_deadline, date(2027, 1, 1))
        self.evaluate(platinum)
        self.assertEqual(
            len(platinum.activity_ids.filtered(lambda a: "Bonus" in a.summary)), 1
        )

    def test_one_breach_loses_the_rate_hold_and_the_increase(self):
        self.handled("Platinum", sept(7))
        self.handled("Platinum", sept(8), late=True)
        self.evaluate(self.contracts["Platinum"])
        bonus = self.env["sla.bonus"].search(
            [("contract_id", "=", self.contracts["Platinum"].id)]
        )
        # one ticket late on both clocks: one breached ticket, as every
        # figure counts it
        self.assertEqual(bonus.breaches, 1)
        self.assertFalse(bonus.rate_hold)
        self.assertEqual(bonus.rate_increase_percent, 0.0)
        self.assertEqual(bonus.summary, "No bonus earned this quarter.")


class TestClosedMonthCorrections(CreditCase):
    def closed_september(self):
        self.handled("Gold", sept(3))
        self.handled("Gold", sept(4), late=True)  # 50%: 20% of 1,000
        self.evaluate(self.gold_contract)
        credit = self.credit(self.gold_contract)
        credit.action_approve()
        return credit

    def test_new_terms_do_not_correct_a_closed_month(self):
        credit = self.closed_september()
        self.gold_contract.contract_line_ids.price_unit = 2000.0
        with Form(self.gold) as tier:
            with tier.credit_band_ids.edit(4) as band:  # below 85%
                band.credit_percent = 50.0
        self.evaluate(self.gold_contract, OCTOBER)
        self.assertFalse(self.credit(self.gold_contract, OCTOBER, "adjustment"))
        self.assertEqual(credit.amount, 200.0)

    def test_a_waived_correction_undone_costs_the_customer_nothing(self):
        self.closed_september()
        outage = self.incident(self.gold_contract, sept(20, 3), 120)
        self.evaluate(self.gold_contract, OCTOBER)
        adjustment = self.credit(self.gold_contract, OCTOBER, "adjustment")
        self.assertEqual(adjustment.amount, 64.0)
        adjustment.action_waive("Outage caused by the customer's firewall change")
        # Offered once: the same correction is not offered again.
        self.evaluate(self.gold_contract, NOVEMBER)
        self.assertFalse(self.credit(self.gold_contract, NOVEMBER, "adjustment"))
        # The outage was entered by mistake: nothing was paid, nothing is due.
        outage.unlink()
        self.evaluate(self.gold_contract, NOVEMBER)
        self.assertFalse(self.credit(self.gold_contract, NOVEMBER, "adjustment"))

    def test_compute_now_refuses_a_month_not_over(self):
        with freeze_time("2026-10-20"):
            wizard = self.env["sla.credit.compute.wizard"].create(
                {"month": "10", "year": 2026}
            )
            with self.assertRaisesRegex(UserError, "not over yet"):
                wizard.action_compute()


class TestEndedContract(CreditCase):
    def test_an_ended_contracts_last_credit_goes_on_a_credit_note(self):
        gold = self.gold_contract
        gold.contract_line_ids.date_end = date(2026, 9, 30)
        self.assertFalse(gold._sla_has_next_invoice())
        self.handled("Gold", sept(4), late=True)  # 0%: 20% of 1,000
        self.evaluate(gold)
        credit = self.credit(gold)
        credit.action_approve()
        self.assertEqual(credit.state, "applied")
        refund = credit.invoice_id
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.partner_id, gold.invoice_partner_id)
        self.assertEqual(refund.amount_untaxed, 200.0)
        self.assertIn("September 2026", refund.invoice_line_ids.name)
        # approved twice is refused, and no second note appears
        with self.assertRaisesRegex(UserError, "already applied"):
            credit.action_approve()
        self.assertEqual(
            self.env["account.move"].search_count(
                [("move_type", "=", "out_refund"), ("invoice_origin", "=", gold.name)]
            ),
            1,
        )

    def test_an_invoice_reversed_in_full_gives_the_credit_back(self):
        self.handled("Gold", sept(4), late=True)
        self.evaluate(self.gold_contract)
        credit = self.credit(self.gold_contract)
        credit.action_approve()
        invoice = self.invoice_on(OCTOBER).filtered(
            lambda m: m.invoice_origin == self.gold_contract.name
        )
        invoice.action_post()
        self.assertEqual(credit.state, "applied")
        invoice._reverse_moves(cancel=True)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(credit.state, "approved")
        with freeze_time(NOVEMBER):
            november = self.gold_contract.recurring_create_invoice()
        self.assertEqual(november.invoice_line_ids.sla_credit_id, credit)
