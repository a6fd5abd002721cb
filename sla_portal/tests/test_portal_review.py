import json
from unittest.mock import patch

from lxml import html

from odoo import fields
from odoo.addons.base.models.ir_actions_report import IrActionsReport
from odoo.tests import tagged

from .common import SlaPortalCase

REVIEW = "sla_contract.report_sla_service_review"


@tagged("post_install", "-at_install")
class TestPortalReview(SlaPortalCase):
    """Alpha's last month holds, besides its applied credit, a correction
    nobody approved yet, a waived one and one of the grace period: the
    customer's review shows what his portal page shows, the staff's review
    everything."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls.contracts["alpha"]
        cls.applied = cls.credits["alpha"]
        cls.breach = cls.tickets["alpha"].sla_clock_ids.breach_ids[:1]
        cls.breach.write(
            {
                "cause": "resource",
                "cause_details": "Two agents were off sick.",
                "corrective_action": "Hire a third agent.",
            }
        )
        credit_model = cls.env["sla.credit"]
        corrected = cls.applied
        hidden = {}
        for key, amount, vals in (
            ("computed", 2076.00, {}),
            ("waived", 1234.56, {"decision": "waived"}),
            ("grace", 987.65, {"grace": True}),
        ):
            corrected = credit_model.create(
                {
                    "contract_id": cls.contract.id,
                    "currency_id": cls.applied.currency_id.id,
                    "period_start": cls.applied.period_start,
                    "period_end": cls.applied.period_end,
                    "kind": "adjustment",
                    "corrects_id": corrected.id,
                    "amount": amount,
                    "description": f"{key} correction",
                    **vals,
                }
            )
            hidden[key] = corrected
        cls.hidden = hidden
        cls.start = fields.Date.to_string(cls.last_month)

    def credit_rows(self, content):
        page = html.fromstring(content)
        return [
            " ".join(row.text_content().split())
            for row in page.xpath(
                "//table[contains(@class, 'sla-review-credits')]/tbody/tr"
            )
        ]

    def assert_customer_review(self, content):
        rows = self.credit_rows(content)
        self.assertEqual(len(rows), 1, rows)
        self.assertIn("200.00", rows[0])
        text = html.fromstring(content).text_content()
        for amount in ("2,076.00", "1,234.56", "987.65"):
            self.assertNotIn(amount, text)
        for word in ("Computed", "Waived", "would have been"):
            self.assertNotIn(word, text)
        # the breach is there, never its root-cause analysis
        self.assertEqual(
            len(
                html.fromstring(content).xpath(
                    "//table[contains(@class, 'sla-review-breaches')]/tbody/tr"
                )
            ),
            2,
        )
        for secret in ("Root cause", "Two agents", "Hire a third", "Resource"):
            self.assertNotIn(secret, text)

    def test_customer_review_shows_the_credits_his_page_shows(self):
        self.authenticate("portal_alpha", "portal_alpha")
        # Under tests, Odoo renders a PDF report as its HTML
        # (ir.actions.report._pre_render_qweb_pdf): the route's own output.
        review = self.url_open(f"/my/sla/{self.contract.id}/review")
        self.assertEqual(review.status_code, 200)
        self.assert_customer_review(review.content)
        page = self.url_open(f"/my/sla/{self.contract.id}").text
        self.assertIn("200.00", page)
        self.assertNotIn("2,076.00", page)
        # and what he reads over JSON-RPC: one rule, three places
        seen = self.make_jsonrpc_request(
            "/web/dataset/call_kw/sla.credit/search_read",
            {
                "model": "sla.credit",
                "method": "search_read",
                "args": [[("contract_id", "=", self.contract.id)]],
                "kwargs": {"fields": ["amount"]},
            },
        )
        self.assertEqual([c["id"] for c in seen], self.applied.ids)

    def test_customer_review_without_wkhtmltopdf(self):
        self.authenticate("portal_alpha", "portal_alpha")
        with patch.object(
            IrActionsReport, "get_wkhtmltopdf_state", return_value="install"
        ):
            review = self.url_open(f"/my/sla/{self.contract.id}/review")
        self.assertTrue(review.headers["Content-Type"].startswith("text/html"))
        self.assert_customer_review(review.content)

    def test_staff_review_shows_every_credit_with_its_state(self):
        self.env.flush_all()
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            REVIEW, self.contract.ids, data={"start": self.start, "kind": "month"}
        )
        rows = self.credit_rows(content)
        self.assertEqual(len(rows), 4, rows)
        for amount, state in (
            ("200.00", "Applied"),
            ("2,076.00", "Computed"),
            ("1,234.56", "Waived"),
            ("987.65", "would have been"),
        ):
            self.assertTrue(
                any(amount in row and state in row for row in rows), (amount, rows)
            )
        text = html.fromstring(content).text_content()
        self.assertIn("Root cause", text)
        self.assertIn("Hire a third agent.", text)

    def test_customer_gets_his_version_from_the_report_route_too(self):
        # Odoo's /report route serves any report of a record he may read,
        # with the options he sends: asking for the staff's version must not
        # give it to him.
        self.authenticate("portal_alpha", "portal_alpha")
        options = json.dumps(
            {"start": self.start, "kind": "month", "audience": "internal"}
        )
        response = self.url_open(
            f"/report/html/{REVIEW}/{self.contract.id}?options={options}"
        )
        if response.status_code == 200:
            self.assert_customer_review(response.content)
        else:
            self.assertIn(response.status_code, (403, 404))
