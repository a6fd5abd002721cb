import json
from datetime import date, datetime, timedelta
from urllib.parse import quote

from lxml import html
from werkzeug.urls import url_parse

from odoo.tests import HttpCase, tagged

from .common import SlaCase
from .pdf_text import page_of, pdf_text, render_pdf, squeeze

P3 = "1"
REVIEW = "sla_contract.report_sla_service_review"


def sept(day, hour=10):
    return datetime(2026, 9, day, hour, 0)


def web_client_report_url(action, report_type):
    """The URL Odoo 18's web client builds for a report action
    (web/static/src/webclient/actions/reports/utils.js, getReportUrl)."""
    url = f"/report/{report_type}/{action['report_name']}"
    context = action.get("context") or {}
    if action.get("data"):
        options = quote(json.dumps(action["data"]), safe="")
        url += f"?options={options}&context={quote(json.dumps(context), safe='')}"
    elif context.get("active_ids"):
        url += "/" + ",".join(str(i) for i in context["active_ids"])
    return url


@tagged("post_install", "-at_install")
class TestServiceReviewPrint(SlaCase, HttpCase):
    """Action > Service Review, as the web client runs it: the report URL it
    builds from the wizard's action must print the chosen contracts."""

    def closed(self, at, late=False):
        ticket = self.open_ticket("Gold", P3, at)
        self.move(
            ticket, self.stage_done, at + timedelta(days=10 if late else 0, minutes=1)
        )
        return ticket

    def test_action_service_review_prints_the_chosen_month(self):
        gold = self.contracts["Gold"]
        self.closed(sept(3))
        self.closed(sept(4))
        self.closed(sept(7), late=True)
        wizard = (
            self.env["sla.service.review.wizard"]
            .with_context(active_model="contract.contract", active_ids=gold.ids)
            .create(
                {"contract_ids": gold.ids, "kind": "month", "date": date(2026, 9, 15)}
            )
        )
        action = wizard.action_print()
        if action["type"] == "ir.actions.act_window":
            # the document layout configurator, then the report
            action = action["context"]["report_action"]
        self.assertEqual(action["type"], "ir.actions.report")
        # the web client closes the dialog once the PDF is downloaded
        self.assertTrue(action["close_on_report_download"])
        url = web_client_report_url(action, "pdf")
        self.assertNotIn(f"/{gold.id}?", url)  # ids never travel in the path

        # The route the web client downloads from (under tests Odoo answers
        # with the report's HTML instead of running wkhtmltopdf).
        self.authenticate("admin", "admin")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        text = squeeze(html.fromstring(response.content).text_content())
        self.assertIn("Service review: Gold support", text)
        self.assertIn("September 2026", text)
        self.assertIn("66.66%", text)

        # The same request as the controller reads it, printed to PDF.
        query = url_parse(url).decode_query(cls=dict)
        data = json.loads(query["options"])
        data["context"] = json.loads(query["context"])
        pdf = render_pdf(
            self.env(context=dict(self.env.context, **data["context"])),
            REVIEW,
            None,
            data=data,
        )
        document = pdf_text(pdf)
        self.assertGreater(document.pages, 1)
        whole = squeeze("\n".join(document.text))
        self.assertIn("Service review: Gold support", whole)
        self.assertIn("Period: September 2026", whole)
        self.assertIn("SLA compliance rate 66.66% above 95% missed", whole)
        self.assertEqual(page_of(document, "Gold support")[:1], [0])

    def test_print_menu_still_prints_the_last_full_month(self):
        gold = self.contracts["Gold"]
        action = self.env.ref(
            "sla_contract.action_report_sla_service_review"
        ).report_action(gold, config=False)
        url = web_client_report_url(action, "html")
        self.assertTrue(url.endswith(f"/{gold.id}"))
        self.authenticate("admin", "admin")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        text = squeeze(html.fromstring(response.content).text_content())
        self.assertIn("Service review: Gold support", text)
