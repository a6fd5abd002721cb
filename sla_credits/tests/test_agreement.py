from lxml import html

from odoo.tests import Form

from .common import CreditCase


class TestServiceAgreement(CreditCase):
    """The agreement prints the terms the system enforces, and the contract's
    own wording for the rest."""

    def render(self, contract):
        self.env.flush_all()
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "sla_contract.report_sla_agreement", contract.ids
        )
        return html.fromstring(content)

    def rows(self, page, table):
        return [
            [cell.text_content().strip() for cell in row.xpath("./td")]
            for row in page.xpath(f"//table[hasclass('{table}')]/tbody/tr")
        ]

    def test_the_ten_sections_filled_from_the_configuration(self):
        gold = self.gold_contract
        with Form(gold) as form:
            form.sla_maintenance_allowance_hours = 6
            form.sla_agreement_changes = "<p>Changes through the customer board.</p>"
        page = self.render(gold)
        text = " ".join(page.text_content().split())
        headings = [h.text_content() for h in page.xpath("//h4")]
        self.assertEqual(
            [h.split(". ", 1)[1] for h in headings],
            [
                "Scope of services",
                "SLA definitions",
                "Escalation procedures",
                "Reporting",
                "Penalty and bonus",
                "Change management",
                "Term and renewal",
                "Pricing",
                "Responsibilities",
                "Governance",
            ],
        )
        labels = dict(
            self.env["sla.priority"]
            ._fields["ticket_priority"]
            ._description_selection(self.env)
        )
        targets = {row[0]: row for row in self.rows(page, "sla-agreement-targets")}
        # P1 ("3") and P4 ("0"), named by the one priority vocabulary
        self.assertEqual(targets[labels["3"]][2:], ["1 hour", "4 hours"])
        # as sold, and what a day is on the tier's 18/7 support hours
        self.assertEqual(targets[labels["0"]][2:], ["8 hours", "3 days"])
        self.assertIn("A day is a day of support hours (18 h).", text)
        self.assertIn("Uptime commitment: at least 99.9% per calendar month", text)
        self.assertIn("measured to 2 decimals", text)
        bands = self.rows(page, "sla-agreement-bands")
        self.assertEqual(bands[0][:2], ["99%+", "none"])
        self.assertEqual(bands[-1], ["0-85%", "20%", "right to terminate"])
        self.assertIn("5% of the monthly fee per hour", text)
        self.assertIn("up to 6 h a month", text)
        self.assertIn("Changes through the customer board.", text)
        pricing = self.rows(page, "sla-agreement-pricing")
        self.assertEqual(pricing[0][0], "Managed support")
        self.assertIn("1,000.00", pricing[0][2])

    def test_a_new_contract_starts_from_its_tiers_template(self):
        self.gold.agreement_scope = "<p>Support of the trading platform.</p>"
        with Form(self.env["contract.contract"]) as form:
            form.name = "New Gold customer"
            form.partner_id = self.customers["Gold"]
            form.sla_tier_id = self.gold
            form.sla_date_start = form.date_start
        contract = form.record
        self.assertIn("trading platform", contract.sla_agreement_scope)
        self.assertIn(
            "Support of the trading platform.", self.render(contract).text_content()
        )
