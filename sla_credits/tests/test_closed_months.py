import importlib.util
from datetime import date, datetime
from pathlib import Path
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount

from .common import FEE, P3, SEPTEMBER, CreditCase, sept

MARCH = date(2026, 3, 1)  # 31 days: 44,640 minutes
APRIL = date(2026, 4, 1)
OCTOBER = date(2026, 10, 1)
EVALUATION_LOG = "odoo.addons.sla_credits.models.sla_credit_evaluation"
MIGRATION = (
    Path(__file__).parents[1] / "migrations" / "18.0.1.2.0" / "post-migration.py"
)
# The shipped tier's table, as a credit keeps it: from the lowest rate up.
STANDARD_BANDS = [
    {"lower": 0.0, "upper": 85.0, "credit_percent": 20.0, "right_to_terminate": True},
    {"lower": 85.0, "upper": 90.0, "credit_percent": 15.0, "right_to_terminate": False},
    {"lower": 90.0, "upper": 95.0, "credit_percent": 10.0, "right_to_terminate": False},
    {"lower": 95.0, "upper": 99.0, "credit_percent": 5.0, "right_to_terminate": False},
    {"lower": 99.0, "upper": 100.0, "credit_percent": 0.0, "right_to_terminate": False},
]


def march(day, hour=10):
    return datetime(2026, 3, day, hour, 0)


class TestClosedMonthKeepsItsTerms(CreditCase):
    """The issue's example: a March credit of 50.00 (95% compliance on a
    99.9% Gold contract, 5% of 1,000) is approved; in April the contract's
    terms change; then a 2 h March outage is entered late.

    Under March's terms the outage costs: 31 days are 44,640 minutes, of
    which 99.9% allows 44.64; 120 - 44.64 = 75.36 minutes over, at 5% of the
    fee an hour pro rata = 6.28%, 62.80. The March credit is now 5% + 6.28%
    = 112.80, 62.80 more than was booked. On April's terms it would be 10%
    per started hour (two started hours: 100.00) or 8% + 6.28% (92.80)."""

    def closed_march(self):
        gold = self.gold_contract
        for day in range(1, 20):
            self.handled("Gold", march(day))
        self.handled("Gold", march(21), late=True)  # 19 of 20: 95.0%
        self.evaluate(gold, MARCH)
        credit = self.credit(gold, MARCH)
        self.assertEqual((credit.tickets, credit.tickets_within), (20, 19))
        self.assertEqual(credit.amount, 50.0)
        credit.action_approve()
        return credit

    def late_march_outage(self):
        self.incident(self.gold_contract, march(20, 3), 120)
        self.evaluate(self.gold_contract, APRIL)
        return self.credit(self.gold_contract, APRIL, "adjustment")

    def money(self, amount):
        return format_amount(self.env, amount, self.gold_contract.currency_id)

    def assertPricedOnMarchTerms(self, credit, adjustment):
        self.assertEqual(adjustment.corrects_id, credit)
        self.assertEqual(adjustment.amount, 62.80)
        self.assertIn(
            f"closed at {self.money(50.0)}. Compliance 95.00% -> 95.00%, "
            f"downtime 0.0 -> 120.0 min; the credit is now {self.money(112.80)}: "
            f"a difference of {self.money(62.80)}.",
            adjustment.description,
        )
        # the adjustment says which terms it was priced on: March's
        self.assertRecordValues(
            adjustment,
            [
                {
                    "fee": FEE,
                    "cap_percent": 100.0,
                    "uptime_guarantee": 99.9,
                    "per_started_hour": False,
                    "band_table": STANDARD_BANDS,
                    "compliance_credit_percent": 5.0,
                    "uptime_credit_percent": 6.28,
                    "excess_minutes": 75.36,
                }
            ],
        )

    def test_a_credit_keeps_the_terms_it_was_priced_on(self):
        credit = self.closed_march()
        self.assertRecordValues(
            credit,
            [
                {
                    "tier_id": self.gold.id,
                    "fee": FEE,
                    "cap_percent": 100.0,
                    "uptime_guarantee": 99.9,
                    "notice_hours": 48.0,
                    "maintenance_allowance_hours": 4.0,
                    "per_started_hour": False,
                    "band_table": STANDARD_BANDS,
                }
            ],
        )
        self.assertEqual(
            credit.band_table_text.splitlines(),
            [
                "99%+: 0%",
                "95-99%: 5%",
                "90-95%: 10%",
                "85-90%: 15%",
                "0-85%: 20%, right to terminate",
            ],
        )
        # on the credit's form, in its Terms group
        arch = self.env["sla.credit"].get_view(view_type="form")["arch"]
        terms = arch[arch.index('name="terms"') :]
        for name in (
            "tier_id",
            "fee",
            "cap_percent",
            "uptime_guarantee",
            "notice_hours",
            "maintenance_allowance_hours",
            "per_started_hour",
            "band_table_text",
        ):
            self.assertIn(f'name="{name}"', terms)

    def test_per_started_hour_from_april_does_not_reprice_march(self):
        credit = self.closed_march()
        self.gold_contract.sla_uptime_per_started_hour = True
        adjustment = self.late_march_outage()
        self.assertPricedOnMarchTerms(credit, adjustment)
        self.assertEqual(credit.amount, 50.0)

    def test_a_band_override_from_april_does_not_reprice_march(self):
        credit = self.closed_march()
        self.gold_contract.sla_credit_band_ids = [
            Command.create(
                {
                    "lower_percent": lower,
                    "upper_percent": upper,
                    "credit_percent": percent,
                    "right_to_terminate": lower == 0,
                }
            )
            for lower, upper, percent in (
                (99, 100, 0),
                (95, 99, 8),
                (90, 95, 12),
                (85, 90, 16),
                (0, 85, 25),
            )
        ]
        adjustment = self.late_march_outage()
        self.assertPricedOnMarchTerms(credit, adjustment)

    def test_a_price_change_does_not_change_what_the_text_adds_up_to(self):
        credit = self.closed_march()
        self.gold_contract.contract_line_ids.price_unit = 2000.0
        adjustment = self.late_march_outage()
        self.assertPricedOnMarchTerms(credit, adjustment)
        # April itself is priced on April's fee
        self.assertEqual(self.credit(self.gold_contract, APRIL).fee, 2000.0)

    def test_a_cap_and_guarantee_change_do_not_reprice_march(self):
        credit = self.closed_march()
        self.gold_contract.sla_credit_cap_percent = 8.0
        self.gold_contract.sla_tier_id = self.platinum  # 99.95%, 10% an hour
        adjustment = self.late_march_outage()
        self.assertPricedOnMarchTerms(credit, adjustment)


class TestCreditRates(CreditCase):
    def test_printed_rates_are_cut_never_rounded_across_a_band(self):
        # 296 of 299 tickets within SLA: 98.997%, in the 95-99% band.
        partner = self.customers["Gold"]
        values = {
            "name": "Gold issue",
            "description": "It is broken.",
            "partner_id": partner.id,
            "priority": P3,
            "team_id": self.team.id,
            "user_id": self.agent.id,
        }
        with freeze_time(sept(2)):
            tickets = self.env["helpdesk.ticket"].create([values] * 299)
        with freeze_time(sept(2, 10, 1)):
            tickets[:296].stage_id = self.stage_done
        with freeze_time(sept(12)):
            tickets[296:].stage_id = self.stage_done
        self.evaluate(self.gold_contract)
        credit = self.credit(self.gold_contract)
        self.assertEqual((credit.tickets, credit.tickets_within), (299, 296))
        self.assertEqual(credit.band_label, "95-99%")
        credit.action_approve()
        invoice = self.invoice_on(OCTOBER).filtered(
            lambda m: m.invoice_origin == self.gold_contract.name
        )
        line = invoice.invoice_line_ids.filtered("sla_credit_id")
        self.assertIn(
            "compliance 98.99% (296 of 299 tickets within SLA), band 95-99%: 5%",
            line.name,
        )
        self.assertNotIn("99.00%", line.name)
        # the credit's form and list show it as printed, next to its band
        self.assertEqual(credit.compliance_rate, 98.99)
        # the correction's text, and the adjustment's own line
        self.incident(self.gold_contract, sept(20, 3), 120)
        self.evaluate(self.gold_contract, OCTOBER)
        adjustment = self.credit(self.gold_contract, OCTOBER, "adjustment")
        self.assertIn("Compliance 98.99% -> 98.99%", adjustment.description)
        self.assertNotIn("99.00%", adjustment.description)


class TestRefundsInTheMonthlyRun(CreditCase):
    """Auto-approved credits of ended contracts go on a credit note during
    the monthly job: one contract's credit note failing must not undo the
    month for the others."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.sla_credit_auto_approve = True
        cls.silver_contract = cls.contracts["Silver"]
        # Both ended with September: no invoice will carry their credits.
        (cls.gold_contract | cls.silver_contract).contract_line_ids.date_end = date(
            2026, 9, 30
        )

    def job(self, when="2026-10-01 01:00"):
        with freeze_time(when):
            self.evaluation._cron_evaluate()

    def test_one_failing_credit_note_leaves_the_others(self):
        gold, silver = self.gold_contract, self.silver_contract
        self.assertFalse(gold._sla_has_next_invoice())
        self.assertFalse(silver._sla_has_next_invoice())
        self.handled("Gold", sept(4), late=True)  # 0%: 20% of 1,000
        self.handled("Silver", sept(4), late=True)
        contract_class = type(silver)
        original = contract_class._sla_refund_credits

        def refund(contract, credit_recs):
            if contract == silver:
                raise UserError(
                    self.env._("The customer's payment terms are archived.")
                )
            return original(contract, credit_recs)

        with (
            patch.object(contract_class, "_sla_refund_credits", refund),
            self.assertLogs(EVALUATION_LOG, "WARNING"),
        ):
            self.job()
        gold_credit = self.credit(gold)
        self.assertEqual(gold_credit.state, "applied")
        self.assertEqual(gold_credit.invoice_id.move_type, "out_refund")
        self.assertEqual(gold_credit.invoice_id.amount_untaxed, 200.0)
        self.assertFalse(gold.sla_credit_error)
        silver_credit = self.credit(silver)
        self.assertEqual(silver_credit.amount, 200.0)
        self.assertEqual(silver_credit.state, "computed")
        self.assertIn("could not be made", silver.sla_credit_error)
        self.assertIn("payment terms are archived", silver.sla_credit_error)
        self.assertEqual(silver.sla_credit_error_period, SEPTEMBER)
        activity = silver.activity_ids.filtered(
            lambda a: a.summary == "Service credits not computed"
        )
        self.assertEqual(activity.user_id, self.account_manager)
        self.assertFalse(
            self.env["account.move"].search(
                [("move_type", "=", "out_refund"), ("invoice_origin", "=", silver.name)]
            )
        )
        # fixed: the next run approves the credit and makes its credit note
        self.job("2026-10-01 02:00")
        self.assertEqual(silver_credit.state, "applied")
        self.assertEqual(silver_credit.invoice_id.amount_untaxed, 200.0)
        self.assertFalse(silver.sla_credit_error)
        self.assertEqual(gold_credit.invoice_id.amount_untaxed, 200.0)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("move_type", "=", "out_refund"), ("invoice_origin", "=", gold.name)]
            ),
            1,
        )

    def test_a_company_without_sales_journal_is_shown_with_its_reason(self):
        unbooked = self.env["res.company"].create(
            {"name": "Unbooked Ltd", "sla_credit_auto_approve": True}
        )
        self.assertFalse(
            self.env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", unbooked.id)]
            )
        )
        customer = self.env["res.partner"].create(
            {"name": "Unbooked Customer", "is_company": True}
        )
        contract = self.env["contract.contract"].create(
            {
                "name": "Unbooked support",
                "partner_id": customer.id,
                "company_id": unbooked.id,
                "contract_type": "sale",
                "date_start": SEPTEMBER,
                "sla_tier_id": self.gold.id,
                "sla_date_start": SEPTEMBER,
                "sla_penalty_date": SEPTEMBER,
                "sla_account_manager_id": self.account_manager.id,
                "line_recurrence": True,
                "contract_line_ids": [
                    Command.create(
                        {
                            "name": "Managed support",
                            "quantity": 1,
                            "price_unit": FEE,
                            "recurring_rule_type": "monthly",
                            "date_start": SEPTEMBER,
                            "date_end": date(2026, 9, 30),
                            "last_date_invoiced": date(2026, 9, 30),
                        }
                    )
                ],
            }
        )
        self.assertFalse(contract._sla_has_next_invoice())
        # 2 h down in a 30-day month on 99.9%: 6.4% of the fee
        self.incident(contract, sept(22, 3), 120)
        self.handled("Gold", sept(4), late=True)
        both = self.env["sla.credit.compute.wizard"].with_context(
            allowed_company_ids=[self.env.company.id, unbooked.id]
        )
        with self.assertLogs(EVALUATION_LOG, "WARNING"):
            action = both.create(
                {
                    "month": "9",
                    "year": 2026,
                    "contract_ids": [Command.set((contract | self.gold_contract).ids)],
                }
            ).action_compute()
        wizard = both.browse(action["res_id"])
        self.assertEqual(wizard.state, "done")
        self.assertIn("Unbooked support", wizard.result)
        self.assertIn("Unbooked Ltd has no sales journal", wizard.result)
        self.assertNotIn("No contract with an SLA", wizard.result)
        self.assertIn("has no sales journal", contract.sla_credit_error)
        self.assertEqual(contract.sla_credit_error_period, SEPTEMBER)
        credit = self.credit(contract)
        self.assertEqual((credit.amount, credit.state), (64.0, "computed"))
        # the gold contract of the company that has books got its credit note
        self.assertEqual(self.credit(self.gold_contract).state, "applied")
        # the account manager's list of contracts without credits shows it
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sla_credits.contract_contract_sla_credit_error_action"
        )
        self.assertIn("search_default_sla_credit_error", action["context"])
        listed = (
            self.env["contract.contract"]
            .with_context(allowed_company_ids=[self.env.company.id, unbooked.id])
            .search([("sla_credit_error", "!=", False)])
        )
        self.assertIn(contract, listed)
        self.assertNotIn(self.gold_contract, listed)
        # the monthly job says the same, and keeps the reason
        with self.assertLogs(EVALUATION_LOG, "WARNING"):
            self.job()
        self.assertIn("has no sales journal", contract.sla_credit_error)


class TestMissedMonthlyRuns(CreditCase):
    def job(self, when):
        with freeze_time(when):
            self.evaluation._cron_evaluate()

    def credits(self, contract):
        return self.env["sla.credit"].search(
            [("contract_id", "=", contract.id), ("kind", "=", "credit")],
            order="period_start",
        )

    def test_the_march_run_evaluates_january_and_february(self):
        gold = self.gold_contract
        self.handled("Gold", datetime(2026, 1, 12, 10), late=True)
        self.handled("Gold", datetime(2026, 2, 9, 10), late=True)
        self.handled("Gold", datetime(2026, 2, 10, 10))
        # the server was down on 1 February: no run
        self.job("2026-03-01 01:00")
        january, february = self.credits(gold)
        self.assertEqual(january.period_start, date(2026, 1, 1))
        self.assertEqual((january.tickets, january.amount), (1, 200.0))
        self.assertEqual(february.period_start, date(2026, 2, 1))
        self.assertEqual((february.tickets, february.tickets_within), (2, 1))
        self.assertEqual(february.amount, 200.0)
        # run twice: nothing new, nothing rewritten
        stamps = self.credits(gold).mapped("computed_at")
        self.job("2026-03-01 02:00")
        self.assertEqual(self.credits(gold), january | february)
        self.assertEqual(self.credits(gold).mapped("computed_at"), stamps)
        # no run in April or May either: June's takes March to May, and
        # leaves January, before the latest credit, alone
        self.handled("Gold", datetime(2026, 1, 13, 10), late=True)
        self.job("2026-06-01 01:00")
        self.assertEqual(
            self.credits(gold).mapped("period_start"),
            [date(2026, month, 1) for month in range(1, 6)],
        )
        self.assertEqual(january.tickets, 1)

    def test_a_missed_run_is_caught_up_twelve_months_back_at_most(self):
        contract = self.env["contract.contract"].create(
            {
                "name": "Long-standing support",
                "partner_id": self.customers["Gold"].id,
                "contract_type": "sale",
                "date_start": date(2024, 6, 1),
                "sla_tier_id": self.gold.id,
                "sla_date_start": date(2024, 6, 1),
            }
        )
        self.job("2026-03-01 01:00")
        self.assertEqual(
            self.credits(contract).mapped("period_start"),
            [date(2025, month, 1) for month in range(3, 13)]
            + [date(2026, 1, 1), date(2026, 2, 1)],
        )

    def test_a_month_that_fails_is_rolled_back_and_tried_again(self):
        gold = self.gold_contract
        self.handled("Gold", datetime(2026, 1, 12, 10), late=True)
        self.handled("Gold", datetime(2026, 2, 9, 10), late=True)
        evaluation_class = type(self.evaluation)
        original = evaluation_class._evaluate_period

        def evaluate_period(evaluation, contracts, period, now):
            result = original(evaluation, contracts, period, now)
            if period == date(2026, 2, 1):
                raise RuntimeError("The disk is full.")
            return result

        with (
            patch.object(evaluation_class, "_evaluate_period", evaluate_period),
            self.assertLogs(EVALUATION_LOG, "ERROR"),
        ):
            self.job("2026-04-01 01:00")
        # January stays; February is rolled back, and March waits for it
        self.assertEqual(self.credits(gold).mapped("period_start"), [date(2026, 1, 1)])
        self.assertIn("unexpected error", gold.sla_credit_error)
        self.assertEqual(gold.sla_credit_error_period, date(2026, 2, 1))
        self.job("2026-04-01 02:00")
        self.assertEqual(
            self.credits(gold).mapped("period_start"),
            [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)],
        )
        self.assertEqual(self.credit(gold, date(2026, 2, 1)).amount, 200.0)
        self.assertFalse(gold.sla_credit_error)


class TestTermsMigration(CreditCase):
    def test_upgrade_gives_existing_credits_their_terms(self):
        bronze = self.contracts["Bronze"]
        bronze.write(
            {
                "sla_uptime_per_started_hour": True,
                "sla_notice_hours": 72.0,
                "sla_credit_band_ids": [
                    Command.create(
                        {"lower_percent": 0, "upper_percent": 90, "credit_percent": 25}
                    ),
                    Command.create(
                        {"lower_percent": 90, "upper_percent": 100, "credit_percent": 0}
                    ),
                ],
            }
        )
        self.handled("Gold", sept(4), late=True)
        self.handled("Bronze", sept(4), late=True)
        self.evaluate(self.gold_contract | bronze)
        gold_credit = self.credit(self.gold_contract)
        bronze_credit = self.credit(bronze)
        # as a credit made before 18.0.1.2.0: no terms, a rate rounded
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE sla_credit
               SET band_table = NULL, uptime_guarantee = NULL, notice_hours = NULL,
                   maintenance_allowance_hours = NULL, per_started_hour = NULL
             WHERE id = ANY(%s)
            """,
            [[gold_credit.id, bronze_credit.id]],
        )
        self.env.cr.execute(
            """
            UPDATE sla_credit
               SET tickets = 299, tickets_within = 296, compliance_rate = 99.0
             WHERE id = %s
            """,
            [gold_credit.id],
        )
        self.env.invalidate_all()
        spec = importlib.util.spec_from_file_location("sla_credits_terms", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertRecordValues(
            gold_credit | bronze_credit,
            [
                {
                    "band_table": STANDARD_BANDS,
                    "uptime_guarantee": 99.9,
                    "notice_hours": 48.0,
                    "maintenance_allowance_hours": 4.0,
                    "per_started_hour": False,
                    "compliance_rate": 98.99,
                },
                {
                    "band_table": [
                        {
                            "lower": 0.0,
                            "upper": 90.0,
                            "credit_percent": 25.0,
                            "right_to_terminate": False,
                        },
                        {
                            "lower": 90.0,
                            "upper": 100.0,
                            "credit_percent": 0.0,
                            "right_to_terminate": False,
                        },
                    ],
                    "uptime_guarantee": self.bronze.uptime_guarantee,
                    "notice_hours": 72.0,
                    "maintenance_allowance_hours": 4.0,
                    "per_started_hour": True,
                    "compliance_rate": 0.0,
                },
            ],
        )
