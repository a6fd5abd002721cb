"""A French-speaking customer reads his SLA in French: his portal contract
page, his copy of the service review (as a PDF) and his invoice's credit
line, with dates and numbers written the French way. A German customer gets
German."""

import shutil
import subprocess
import tempfile
import unittest
from unittest.mock import patch

from babel.dates import format_date as babel_date
from lxml import html

from odoo import fields
from odoo.addons.base.models.ir_actions_report import IrActionsReport
from odoo.tests import tagged

from .common import SlaPortalCase

REVIEW = "sla_contract.report_sla_service_review"
# wkhtmltopdf without patched Qt draws web fonts as outlines, which
# pdftotext cannot read back: the test's PDF uses a system font instead.
SYSTEM_FONT = '<style>* { font-family: "DejaVu Sans" !important; }</style>'
_run_wkhtmltopdf = IrActionsReport._run_wkhtmltopdf


def _with_system_font(self, bodies, *args, **kwargs):
    # str(): Markup.replace would escape the style element
    bodies = [
        str(body).replace("</head>", SYSTEM_FONT + "</head>", 1) for body in bodies
    ]
    return _run_wkhtmltopdf(self, bodies, *args, **kwargs)


# Sentences of our templates and code, as the English customer reads them.
ENGLISH_PAGE = (
    "What we promised",
    "How we did",
    "First response within",
    "Resolution within",
    "Support hours, in your time zone",
    "each month.",
    "Service credits",
    "On invoice",
    "On your next invoice",
    "target missed by",
    "Last month's service review",
    "Last quarter's",
    "Service completely unavailable, no workaround",
    "Service credit ",
    "tickets within SLA",
)
FRENCH_PAGE = (
    "Nos engagements",
    "Nos résultats",
    "Première réponse sous",
    "Résolution sous",
    "Heures d'assistance, dans votre fuseau horaire",
    "chaque mois.",
    "Avoirs de service",
    "Sur la facture",
    "objectif manqué de",
    "Revue de service du mois dernier",
    "Service totalement indisponible, aucun contournement",
    "Critique",
    "Avoir de service ",
    "tickets sur 2 dans le SLA",
)
ENGLISH_REVIEW = (
    "Service review:",
    "Period:",
    "Customer:",
    "Commitments and actuals",
    "Key performance indicators",
    "Compliance over the last 12 periods",
    "Average response time",
    "SLA compliance rate",
    "Uptime and incidents",
    "above 95%",
    "missed",
)
FRENCH_REVIEW = (
    "Revue de service :",
    "Période :",
    "Client :",
    "Engagements et résultats",
    "Indicateurs clés de performance",
    "Conformité sur les 12 dernières périodes",
    "Délai moyen de réponse",
    "Taux de conformité SLA",
    "Disponibilité et incidents",
    "au-dessus de 95 %",
    "manqué",
)


def _text(content):
    return " ".join(html.fromstring(content).text_content().split())


@tagged("post_install", "-at_install")
class TestPortalInTheCustomersLanguage(SlaPortalCase):
    customer_langs = {"alpha": "fr_FR", "beta": "de_DE"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls.contracts["alpha"]

    def assert_french(self, text, english, french):
        left = [sentence for sentence in english if sentence in text]
        self.assertFalse(left, f"English left for a French customer: {left}")
        missing = [sentence for sentence in french if sentence not in text]
        self.assertFalse(missing, f"French missing: {missing}\n{text}")

    def test_contract_page_in_french(self):
        self.authenticate("portal_alpha", "portal_alpha")
        response = self.url_open(f"/my/sla/{self.contract.id}")
        self.assertEqual(response.status_code, 200)
        text = _text(response.content)
        self.assert_french(text, ENGLISH_PAGE, FRENCH_PAGE)
        # one ticket of two late last month: 50,00 %, written the French way
        self.assertIn("50,00%", text)
        self.assertNotIn("50.00", text)
        # the support hours' days and the months, in French
        self.assertIn("lun.", text)
        self.assertNotIn("Mon ", text)
        month = babel_date(self.last_month, "MMM y", locale="fr_FR")
        self.assertIn(month, text)
        # the contracts list too: no English left in its badges
        text = _text(self.url_open("/my/sla").content)
        self.assertIn("Conformité de ce mois", text)
        self.assertNotIn("This month's compliance", text)

    def test_credit_line_of_the_invoice_in_french(self):
        line = self.invoices["alpha"].invoice_line_ids.filtered("sla_credit_id")
        self.assertTrue(line)
        month = babel_date(self.last_month, "MMMM y", locale="fr_FR")
        self.assertIn(f"Avoir de service {self.contract.name}, {month} :", line.name)
        self.assertIn("conformité 50,00% (1 tickets sur 2 dans le SLA)", line.name)
        for english in ("Service credit", "compliance", "uptime", "of the", "fee"):
            self.assertNotIn(english, line.name)

    def test_service_review_in_french(self):
        # the customer's copy, from his portal (HTML under tests)
        self.authenticate("portal_alpha", "portal_alpha")
        response = self.url_open(f"/my/sla/{self.contract.id}/review")
        self.assertEqual(response.status_code, 200)
        text = _text(response.content)
        self.assert_french(text, ENGLISH_REVIEW, FRENCH_REVIEW)
        self.assertIn(babel_date(self.last_month, "MMMM y", locale="fr_FR"), text)
        self.assertIn("50,00%", text)

    @unittest.skipUnless(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    def test_service_review_pdf_in_french_whoever_prints_it(self):
        """Printed by an English-speaking account manager, the review is
        the customer's document: in his language."""
        report = self.env["ir.actions.report"].with_context(
            lang="en_US", force_report_rendering=True
        )
        if report.get_wkhtmltopdf_state() != "ok":
            self.skipTest("wkhtmltopdf cannot run here")
        self.env.flush_all()
        with patch.object(IrActionsReport, "_run_wkhtmltopdf", _with_system_font):
            pdf, kind = report._render_qweb_pdf(
                REVIEW,
                self.contract.ids,
                data={
                    "start": fields.Date.to_string(self.last_month),
                    "kind": "month",
                    "audience": "customer",
                },
            )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(pdf)
            handle.flush()
            text = subprocess.run(
                ["pdftotext", "-layout", handle.name, "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        text = " ".join(text.split())
        self.assert_french(text, ENGLISH_REVIEW, FRENCH_REVIEW)
        self.assertIn(babel_date(self.last_month, "MMMM y", locale="fr_FR"), text)

    def test_service_agreement_in_french_whoever_prints_it(self):
        content, _type = (
            self.env["ir.actions.report"]
            .with_context(lang="en_US")
            ._render_qweb_html("sla_contract.report_sla_agreement", self.contract.ids)
        )
        text = _text(content)
        self.assert_french(
            text,
            (
                "Service agreement:",
                "Support hours:",
                "public holidays",
                "around the clock",
                "First response within",
                "Uptime commitment:",
                "decimals and never rounded up",
                "A day is a day of support hours",
                "Escalated to",
                "Each calendar month, compliance is the share",
                "right to terminate",
                "Review meetings:",
                "Service completely unavailable, no workaround",
            ),
            (
                "Accord de niveau de service :",
                "Heures d'assistance :",
                "heure de Europe/Brussels.",
                "Première réponse sous",
                "Engagement de disponibilité : au moins 99,9% par mois civil",
                "mesurée à 2 décimales et jamais arrondie au-dessus.",
                "Un jour est un jour d'heures d'assistance (18 h).",
                "1 heure",
                "3 jours",
                "sans date de fin : l'accord court jusqu'à sa résiliation.",
                "Escaladé vers",
                "Chaque mois civil, la conformité est la part",
                "droit de résiliation",
                # the contract's own sections, copied from the tier in French
                "ouvrant droit à résiliation",
                "Réunions de revue :",
                "Service totalement indisponible, aucun contournement",
                "la direction du support",
            ),
        )

    def test_german_smoke(self):
        self.authenticate("portal_beta", "portal_beta")
        text = _text(self.url_open(f"/my/sla/{self.contracts['beta'].id}").content)
        for german in ("Unsere Zusagen", "Erste Antwort innerhalb von", "Silber"):
            self.assertIn(german, text)
        for english in ("What we promised", "First response within", "How we did"):
            self.assertNotIn(english, text)
        review = _text(
            self.url_open(f"/my/sla/{self.contracts['beta'].id}/review").content
        )
        self.assertIn("Leistungskennzahlen", review)
        self.assertNotIn("Key performance indicators", review)
