from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form

from .common import FEE, CreditCase, sept

OCTOBER = date(2026, 10, 1)


class TestCreditEvaluation(CreditCase):
    def test_compliance_band_uptime_credit_and_description(self):
        # 19 of 20 tickets within SLA: 95.0%, in 95-99% (lower bound included).
        for day in range(1, 20):
            self.handled("Gold", sept(day))
        self.handled("Gold", sept(21), late=True)
        # 2 h unplanned on a 99.9% contract in a 30-day month: 43.2 min
        # allowed, 76.8 min over at 5% an hour = 6.4% of the fee.
        self.incident(self.gold_contract, sept(22, 3), 120)
        self.evaluate(self.gold_contract)
        credit = self.credit(self.gold_contract)
        self.assertRecordValues(
            credit,
            [
                {
                    "tickets": 20,
                    "tickets_within": 19,
                    "compliance_rate": 95.0,
                    "band_label": "95-99%",
                    "compliance_credit_percent": 5.0,
                    "downtime_minutes": 120.0,
                    "allowed_minutes": 43.2,
                    "excess_minutes": 76.8,
                    "uptime_credit_percent": 6.4,
                    "credit_percent": 11.4,
                    "fee": FEE,
                    "amount": 114.0,
                    "state": "computed",
                    "grace": False,
                }
            ],
        )
        self.assertAlmostEqual(credit.uptime_percent, 99.7222, places=4)
        for text in (
            "September 2026",
            "95.00%",
            "95-99%",
            "99.722%",
            "76.8 min over at 5% per hour: 6.4%",
            "11.4% of the",
        ):
            self.assertIn(text, credit.description)

    def test_ticket_month_is_its_breach_or_its_resolution(self):
        # Breached on 1 September while still open (opened 31 August late):
        # a September ticket, breached.
        self.handled("Gold", datetime(2026, 8, 31, 20, 0), late=True)
        # Opened in September, resolved on 1 October: an October ticket.
        ticket = self.open_ticket("Gold", "1", sept(30, 21, 0))
        self.move(ticket, self.stage_done, datetime(2026, 10, 1, 0, 30))
        self.handled("Gold", sept(10))
        self.evaluate(self.gold_contract)
        credit = self.credit(self.gold_contract)
        self.assertEqual((credit.tickets, credit.tickets_within), (2, 1))
        self.evaluate(self.gold_contract, OCTOBER)
        october = self.credit(self.gold_contract, OCTOBER)
        self.assertEqual((october.tickets, october.tickets_within), (1, 1))

    def test_announced_maintenance_is_excluded_late_notice_counts(self):
        gold = self.gold_contract
        # 72 h notice: excluded (within the 4 h allowance).
        self.incident(
            gold, sept(5, 1), 180, planned=True, notice_at=sept(2, 1), name="Upgrade"
        )
        self.evaluate(gold)
        credit = self.credit(gold)
        self.assertEqual(credit.downtime_minutes, 0.0)
        self.assertEqual(credit.excluded_minutes, 180.0)
        self.assertEqual(credit.amount, 0.0)
        # 24 h notice: counted in full, 180 - 43.2 = 136.8 min over at 5%/h.
        self.incident(
            gold, sept(12, 1), 180, planned=True, notice_at=sept(11, 1), name="Patch"
        )
        self.evaluate(gold)
        self.assertEqual(credit.downtime_minutes, 180.0)
        self.assertEqual(credit.uptime_credit_percent, 11.4)
        self.assertEqual(credit.amount, 114.0)

    def test_total_is_capped(self):
        self.gold_contract.sla_credit_cap_percent = 10.0
        for day in range(1, 5):
            self.handled("Gold", sept(day))
        self.handled("Gold", sept(8), late=True)  # 80%: 20%
        self.evaluate(self.gold_contract)
        credit = self.credit(self.gold_contract)
        self.assertEqual(credit.compliance_credit_percent, 20.0)
        self.assertTrue(credit.capped)
        self.assertEqual(credit.credit_percent, 10.0)
        self.assertEqual(credit.amount, 100.0)
        self.assertIn("capped at 10%", credit.description)

    def test_grace_period_and_measurement_only_are_never_invoiced(self):
        silver, bronze = self.contracts["Silver"], self.contracts["Bronze"]
        silver.sla_penalty_date = date(2026, 12, 1)
        bronze.sla_measurement_only = True
        for name in ("Silver", "Bronze"):
            self.handled(name, sept(3), late=True)
        self.evaluate(silver | bronze)
        for contract, reason in (
            (silver, "grace period"),
            (bronze, "measurement-only"),
        ):
            credit = self.credit(contract)
            self.assertTrue(credit.grace)
            self.assertIn(reason, credit.grace_reason)
            self.assertEqual(credit.amount, 200.0)  # what would have been
            with self.assertRaisesRegex(UserError, "never invoiced"):
                credit.action_approve()
        invoices = self.invoice_on(OCTOBER)
        self.assertTrue(invoices)
        self.assertFalse(invoices.invoice_line_ids.filtered("sla_credit_id"))

    def test_rerun_changes_nothing_and_closed_credit_is_locked(self):
        self.handled("Gold", sept(3), late=True)
        # Figures with more decimals than the credit stores: 2 of 3 tickets
        # within SLA, 10 min down.
        self.handled("Gold", sept(4))
        self.handled("Gold", sept(5))
        self.incident(self.gold_contract, sept(9, 3), 10)
        self.evaluate(self.gold_contract)
        credit = self.credit(self.gold_contract)
        computed_at = credit.computed_at
        self.evaluate(self.gold_contract, now=datetime(2026, 10, 20))
        self.assertEqual(self.credit(self.gold_contract), credit)
        self.assertEqual(credit.computed_at, computed_at)
        credit.action_approve()
        self.handled("Gold", sept(6))
        self.evaluate(self.gold_contract)
        self.assertEqual(credit.tickets, 3)
        self.assertEqual(credit.amount, 200.0)

    def test_right_to_terminate_flags_the_contract_once(self):
        gold = self.gold_contract
        self.handled("Gold", sept(3), late=True)
        self.evaluate(gold)
        self.evaluate(gold)
        self.assertTrue(self.credit(gold).right_to_terminate)
        self.assertTrue(gold.sla_right_to_terminate)
        activities = gold.activity_ids.filtered(
            lambda a: "Right to terminate" in a.summary
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.account_manager)

    def test_one_bad_contract_does_not_stop_the_others(self):
        silver, gold = self.contracts["Silver"], self.gold_contract
        # Overlapping bands slipped in behind the form's back.
        self.env.cr.execute(
            """
            INSERT INTO sla_credit_band
                   (contract_id, lower_percent, upper_percent, credit_percent)
            VALUES (%s, 0, 60, 10), (%s, 50, 100, 0)
            """,
            [silver.id, silver.id],
        )
        self.env["sla.credit.band"].invalidate_model()
        self.handled("Gold", sept(3))
        self.handled("Silver", sept(3))
        with self.assertLogs(
            "odoo.addons.sla_credits.models.sla_credit_evaluation", "WARNING"
        ):
            self.evaluate(silver | gold)
        self.assertFalse(self.credit(silver))
        self.assertIn("0-60% and 50-100% overlap", silver.sla_credit_error)
        self.assertEqual(self.credit(gold).tickets, 1)
        self.assertFalse(gold.sla_credit_error)

    def test_monthly_job_records_why_a_contract_has_no_credit(self):
        silver, gold = self.contracts["Silver"], self.gold_contract
        # A gap in the Silver tier's bands, written before bands were checked.
        band = self.env.ref("sla_credits.sla_credit_band_silver_90")
        self.env.cr.execute(
            "UPDATE sla_credit_band SET upper_percent = 94 WHERE id = %s", [band.id]
        )
        band.invalidate_recordset()
        self.handled("Gold", sept(3))
        self.handled("Silver", sept(3))
        reason = (
            "The credit bands of Silver are not valid: Compliance bands: a gap "
            "between 94% and 95%."
        )

        def job(day):
            with freeze_time(day):
                self.evaluation._cron_evaluate()

        def activities():
            return silver.activity_ids.filtered(
                lambda a: a.summary == "Service credits not computed"
            )

        job("2026-10-01 01:00")
        self.assertFalse(self.credit(silver))
        self.assertEqual(silver.sla_credit_error, reason)
        # the job evaluates every month since the SLA started (January), and
        # names the first one it could not
        self.assertEqual(silver.sla_credit_error_period, date(2026, 1, 1))
        self.assertEqual(len(activities()), 1)
        self.assertEqual(activities().user_id, self.account_manager)
        self.assertIn("January 2026", str(activities().note))
        self.assertIn("a gap between 94% and 95%", str(activities().note))
        # the contracts of other tiers are evaluated all the same
        self.assertEqual(self.credit(gold).tickets, 1)
        self.assertFalse(gold.sla_credit_error)
        # once per reason, not once per run
        job("2026-10-01 02:00")
        job("2026-11-01 01:00")
        self.assertEqual(len(activities()), 1)
        self.assertEqual(silver.sla_credit_error_period, date(2026, 1, 1))
        # fixed: the next evaluation computes the credit and clears the reason
        with Form(self.env.ref("sla_contract.sla_tier_silver")) as tier:
            with tier.credit_band_ids.edit(2) as row:  # 90-94%
                row.upper_percent = 95.0
        job("2026-11-01 03:00")
        self.assertFalse(silver.sla_credit_error)
        self.assertTrue(self.credit(silver, date(2026, 10, 1)))

    def test_credit_error_goes_to_the_team_leader_without_account_manager(self):
        silver = self.contracts["Silver"]
        leader = self.env["res.users"].create({"name": "Leader", "login": "leader"})
        team = self.env["helpdesk.ticket.team"].create(
            {"name": "Silver team", "user_id": leader.id}
        )
        silver.write({"sla_account_manager_id": False, "sla_team_id": team.id})
        silver.user_id = False
        self.env.cr.execute(
            "DELETE FROM sla_credit_band WHERE id = %s",
            [self.env.ref("sla_credits.sla_credit_band_silver_99").id],
        )
        self.evaluate(silver)
        activity = silver.activity_ids.filtered(
            lambda a: a.summary == "Service credits not computed"
        )
        self.assertEqual(activity.user_id, leader)
        self.assertIn("rates from 99% to 100% are not covered", silver.sla_credit_error)

    def test_auto_approval_setting(self):
        self.env.company.sla_credit_auto_approve = True
        self.handled("Gold", sept(3), late=True)
        self.evaluate(self.gold_contract)
        self.assertEqual(self.credit(self.gold_contract).state, "approved")

    def test_bands_refused_through_the_form(self):
        with self.assertRaisesRegex(Exception, "gap between 94% and 95%"):
            with Form(self.gold) as tier:
                with tier.credit_band_ids.edit(2) as band:  # 90-95%
                    band.upper_percent = 94.0
        contract_form = Form(self.contracts["Bronze"])
        with contract_form.sla_credit_band_ids.new() as band:
            band.lower_percent = 0
            band.upper_percent = 50
            band.credit_percent = 30
        with self.assertRaisesRegex(Exception, "not covered"):
            contract_form.save()

    def test_contract_band_override_wins(self):
        bronze = self.contracts["Bronze"]
        with Form(bronze) as form:
            for lower, upper, credit in ((0, 90, 25), (90, 100, 0)):
                with form.sla_credit_band_ids.new() as band:
                    band.lower_percent = lower
                    band.upper_percent = upper
                    band.credit_percent = credit
        for day in (1, 2, 3, 4, 7, 8, 9, 10, 11):
            self.handled("Bronze", sept(day))
        self.handled("Bronze", sept(14), late=True)  # 90%: top band
        self.evaluate(bronze)
        self.assertEqual(self.credit(bronze).amount, 0.0)

    def test_upstream_services_warn_when_the_guarantee_is_out_of_reach(self):
        gold = self.gold_contract  # guarantees 99.9%
        with Form(gold) as form:
            for name, availability in (("Cloud", 99.95), ("DNS", 99.99)):
                with form.sla_upstream_ids.new() as upstream:
                    upstream.name = name
                    upstream.availability = availability
        self.assertAlmostEqual(gold.sla_composite_availability, 99.94, places=3)
        self.assertFalse(gold.sla_guarantee_warning)
        with Form(gold) as form:
            with form.sla_upstream_ids.new() as upstream:
                upstream.name = "Payment gateway"
                upstream.availability = 99.9
        self.assertIn("only guarantee what you control", gold.sla_guarantee_warning)

    def test_compute_now_button(self):
        self.handled("Gold", sept(3))
        with freeze_time("2026-10-02"):
            action = self.gold_contract.action_sla_compute_credits()
            wizard = Form(
                self.env[action["res_model"]].with_context(**action["context"])
            )
            self.assertEqual((wizard.month, wizard.year), ("9", 2026))
            result = wizard.save().action_compute()
        credit = self.env["sla.credit"].search(result["domain"])
        self.assertEqual(credit.contract_id, self.gold_contract)
        self.assertEqual(credit.tickets, 1)

    def test_service_review_shows_uptime_csat_incidents_and_credits(self):
        from lxml import html

        self.handled("Gold", sept(3))
        self.handled("Gold", sept(4), late=True)
        self.incident(self.gold_contract, sept(22, 3), 120, name="Database failover")
        self.evaluate(self.gold_contract)
        self.env.flush_all()
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "sla_contract.report_sla_service_review",
            self.gold_contract.ids,
            data={"start": "2026-09-01", "kind": "month"},
        )
        page = html.fromstring(content)
        kpis = {
            row.xpath("./td")[0].text_content().strip(): [
                cell.text_content().strip() for cell in row.xpath("./td")[1:]
            ]
            for row in page.xpath("//table[hasclass('sla-review-kpis')]/tbody/tr")
        }
        self.assertEqual(kpis["Uptime"][:3], ["99.72%", "at least 99.9%", "missed"])
        self.assertEqual(kpis["CSAT"][0], "-")
        text = page.text_content()
        self.assertIn("Database failover", text)
        credits_rows = page.xpath("//table[hasclass('sla-review-credits')]/tbody/tr")
        self.assertEqual(len(credits_rows), 1)
        self.assertIn("264.00", credits_rows[0].text_content())  # 20% + 6.4%
