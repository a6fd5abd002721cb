import importlib.util
from datetime import date
from pathlib import Path

from lxml import html

from odoo import Command

from .common import SlaCase
from .pdf_text import PLACEHOLDERS, squeeze

AGREEMENT = "sla_contract.report_sla_agreement"
MIGRATION = (
    Path(__file__).parents[1] / "migrations" / "18.0.1.3.0" / "post-migration.py"
)


def load_migration():
    spec = importlib.util.spec_from_file_location("sla_term_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestAgreementWording(SlaCase):
    """The agreement states what the contract says: its lines without OCA's
    invoicing markers, its term, and support hours with public holidays only
    when the calendar has some."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Holidays on no calendar count for every calendar of the company:
        # the cases below start from none.
        cls.env["resource.calendar.leaves"].search(
            [("resource_id", "=", False)]
        ).unlink()
        cls.product = cls.env["product.product"].create(
            {"name": "Managed support", "type": "service", "list_price": 900.0}
        )

    def priority_labels(self):
        return dict(
            self.env["sla.priority"]
            ._fields["ticket_priority"]
            ._description_selection(self.env)
        )

    def render(self, contract):
        self.env.flush_all()
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            AGREEMENT, contract.ids
        )
        return squeeze(html.fromstring(content).text_content())

    def add_line(self, contract, name, start, end=False):
        contract.write(
            {
                "line_recurrence": True,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "name": name,
                            "quantity": 1,
                            "price_unit": 900.0,
                            "recurring_rule_type": "monthly",
                            "date_start": start,
                            "date_end": end,
                        }
                    )
                ],
            }
        )

    def test_round_the_clock_without_holidays_is_every_day_of_the_year(self):
        platinum = self.contracts["Platinum"]
        text = self.render(platinum)
        self.assertIn(
            "Support hours: around the clock, every day of the year (SLA 24/7/365).",
            text,
        )
        self.assertNotIn("holiday", text.lower())
        self.holiday(platinum.sla_tier_id.calendar_id, date(2026, 12, 25))
        self.assertIn(
            "Support hours: around the clock, every day (SLA 24/7/365), except "
            "public holidays.",
            self.render(platinum),
        )

    def test_business_hours_mention_holidays_only_when_there_are(self):
        bronze = self.contracts["Bronze"]
        text = self.render(bronze)
        self.assertIn(
            "Support hours: SLA Business hours (Mon-Fri 09:00-17:00), "
            "Europe/Brussels time.",
            text,
        )
        self.assertNotIn("holiday", text.lower())
        self.holiday(self.business_hours, date(2026, 12, 25))
        self.assertIn(
            "Europe/Brussels time, except public holidays.", self.render(bronze)
        )

    def test_pricing_fills_or_drops_the_invoicing_markers(self):
        gold = self.contracts["Gold"]
        self.add_line(gold, "Support from #START# to #END#", date(2026, 1, 1))
        self.add_line(
            gold,
            "Onboarding #START# - #END# (#INVOICEMONTHNAME#)",
            date(2026, 1, 1),
            date(2026, 3, 31),
        )
        text = self.render(gold)
        self.assertIn("Support from January 1, 2026", text)
        self.assertIn("Onboarding January 1, 2026 - March 31, 2026", text)
        self.assertIsNone(PLACEHOLDERS.search(text), PLACEHOLDERS.findall(text))
        self.assertNotIn("#", text)

    def test_the_term_is_stated_not_referred_to(self):
        gold = self.contracts["Gold"]
        self.add_line(gold, "Support", date(2026, 1, 1))
        text = self.render(gold)
        self.assertIn(
            "7. Term and renewal From January 1, 2026, with no end date: the "
            "agreement runs until it is terminated.",
            text,
        )
        self.assertNotIn("stated below", text)
        self.assertIn("Either party may end the agreement with 60 days' written", text)
        gold.contract_line_ids.date_end = date(2026, 12, 31)
        gold.date_end = date(2026, 12, 31)
        self.assertIn(
            "From January 1, 2026 to December 31, 2026 (12 months), renewed for "
            "the same term unless it is terminated.",
            self.render(gold),
        )

    def test_targets_and_their_days_as_sold(self):
        text = self.render(self.contracts["Bronze"])
        # Bronze: P4 resolved within 5 support days of 8 hours
        self.assertIn(f"{self.priority_labels()['0']} ", text)
        self.assertIn("A day is a day of support hours (8 h).", text)
        self.assertNotIn("h 00 min", text)

    def test_upgrade_rewords_the_shipped_term_text_only(self):
        """A database upgraded from 18.0.1.2.0 kept the shipped "stated below"
        text (tier data is not updated): the upgrade rewords it on tiers and
        contracts, and leaves a text somebody wrote alone."""
        migration = load_migration()
        gold, bronze = self.contracts["Gold"], self.contracts["Bronze"]
        gold.sla_tier_id.agreement_term = migration.OLD_TERM
        gold.sla_agreement_term = migration.OLD_TERM
        bronze.sla_agreement_term = "<p>Three years, then yearly.</p>"
        self.env.flush_all()
        migration.migrate(self.env.cr, "18.0.1.2.0")
        self.env.invalidate_all()
        self.assertNotIn("stated below", gold.sla_tier_id.agreement_term)
        self.assertIn("60 days' written notice", gold.sla_tier_id.agreement_term)
        self.assertNotIn("stated below", gold.sla_agreement_term)
        self.assertIn("Either party may end the agreement", gold.sla_agreement_term)
        self.assertEqual(bronze.sla_agreement_term, "<p>Three years, then yearly.</p>")

    def test_priorities_are_named_by_the_one_vocabulary(self):
        """The agreement, the review and the portal name a priority by the
        ticket priority's label (TICKET_PRIORITIES), P1 first: a definition
        renamed on its record does not give documents a vocabulary of their
        own."""
        gold = self.contracts["Gold"]
        critical = self.env["sla.priority"].search([("ticket_priority", "=", "3")])
        critical.name = "Everything on fire"
        labels = self.priority_labels()
        rows = gold._sla_commitments()
        self.assertEqual([row["priority"] for row in rows], [labels[v] for v in "3210"])
        text = self.render(gold)
        self.assertNotIn("Everything on fire", text)
        self.assertIn(f"{labels['3']} {critical.definition}", text)
