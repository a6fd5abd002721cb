from datetime import date

from odoo.tests import tagged

from .common import P1, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday


@tagged("post_install", "-at_install")
class TestEscalationRate(EscalationCase):
    def rate(self, *tickets):
        self.env.flush_all()
        [[count, rate, fired]] = self.env["sla.escalation.ticket.report"]._read_group(
            [("ticket_id", "in", [t.id for t in tickets])],
            [],
            ["__count", "escalated:avg", "escalations:sum"],
        )
        return count, rate, fired

    def test_an_agent_alert_is_not_an_escalation_a_senior_is(self):
        # Bronze P1: 4 business hours to respond; 50% alerts the agent at
        # 11:00, 75% reassigns to a senior at 12:00.
        reminded = self.open_ticket("Bronze", P1, OPENED)
        escalated = self.open_ticket("Bronze", P1, OPENED)
        quiet = self.open_ticket("Bronze", P1, OPENED)
        self.reply(quiet, local(2027, 1, 18, 9, 30))
        self.run_job(local(2027, 1, 18, 11, 0))
        self.reply(reminded, local(2027, 1, 18, 11, 30))
        self.run_job(local(2027, 1, 18, 12, 0))
        self.assertIn("response_50", self.fired(reminded))
        self.assertIn("response_75", self.fired(escalated))
        self.assertEqual(self.rate(reminded), (1, 0.0, 0))
        self.assertEqual(self.rate(escalated), (1, 100.0, 1))
        count, rate, _fired = self.rate(reminded, escalated, quiet)
        self.assertEqual(count, 3)
        self.assertAlmostEqual(rate, 100 / 3)

    def test_service_review_carries_the_escalation_rate(self):
        escalated = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(local(2027, 1, 18, 12, 0))
        self.move(escalated, self.stage_done, local(2027, 1, 18, 12, 30))
        self.env.flush_all()
        contract = self.contracts["Bronze"]
        values = contract._sla_review_values(date(2027, 1, 1), date(2027, 2, 1))
        kpi = next(k for k in values["kpis"] if k["name"] == "Escalation rate")
        self.assertEqual((kpi["value"], kpi["met"]), ("100.0%", False))

    def test_agreement_prints_the_escalation_matrix(self):
        from lxml import html

        contract = self.contracts["Bronze"]
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "sla_contract.report_sla_agreement", contract.ids
        )
        rows = html.fromstring(content).xpath(
            "//table[hasclass('sla-agreement-escalation')]/tbody/tr"
        )
        matrix = [" ".join(row.text_content().split()) for row in rows]
        self.assertIn("75% of the Response time a senior agent", matrix)
        self.assertEqual(len(matrix), 7)
