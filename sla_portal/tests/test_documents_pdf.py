import re

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.addons.sla_contract.engine import sla_math
from odoo.addons.sla_contract.models.contract_contract_review import period_bounds
from odoo.addons.sla_contract.tests.pdf_text import (
    PLACEHOLDERS,
    SECONDS,
    page_of,
    pdf_text,
    render_pdf,
    squeeze,
)
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import format_date

REVIEW = "sla_contract.report_sla_service_review"
AGREEMENT = "sla_contract.report_sla_agreement"
CHART_HEADING = "Compliance over the last 12 periods"
PERCENT = re.compile(r"\d+(?:\.\d+)?%")
# Each review section's heading, and what opens its content.
SECTIONS = [
    ("Commitments and actuals", ["Priority Response target"]),
    ("Key performance indicators", ["KPI This period Target"]),
    ("Breaches", ["When Ticket Target", "No breach in the period."]),
    ("Uptime and incidents", ["Start End Service", "No downtime recorded"]),
    ("Service credits", ["Month Kind", "No credit", "No service credit"]),
]
AGREEMENT_SECTIONS = [
    "1. Scope of services",
    "2. SLA definitions",
    "3. Escalation procedures",
    "4. Reporting",
    "5. Penalty and bonus",
    "6. Change management",
    "7. Term and renewal",
    "8. Pricing",
    "9. Responsibilities",
    "10. Governance",
]


@tagged("post_install", "-at_install")
class TestCustomerDocuments(HttpCase):
    """Every demo contract's service review (last month and last quarter) and
    service agreement, printed by wkhtmltopdf and read back as text: the
    company on page 1, no placeholder, every figure labelled and printed at
    the precision of its target, the chart on the page of its heading."""

    def assert_clean(self, document, where):
        text = "\n".join(document.text)
        self.assertIsNone(
            PLACEHOLDERS.search(text), (where, PLACEHOLDERS.findall(text))
        )
        self.assertIsNone(SECONDS.search(text), (where, SECONDS.findall(text)))
        self.assertIn(
            self.company_name, squeeze(document.text[0]), f"{where}: letterhead"
        )

    def review_lines(self, document):
        return [squeeze(line) for page in document.text for line in page.splitlines()]

    def check_review(self, contract, kind, start):
        start, end = period_bounds(start, kind)
        values = contract._sla_review_values(start, end, kind)
        where = f"{contract.name} {kind} {values['period']}"
        document = pdf_text(
            render_pdf(
                self.env,
                REVIEW,
                contract.ids,
                data={"start": fields.Date.to_string(start), "kind": kind},
            )
        )
        self.assert_clean(document, where)
        # a sane page count: no blank page, no more pages than its tables need
        self.assertTrue(all(squeeze(page) for page in document.text), where)
        rows = len(values["breaches"]) + len(values.get("incidents") or [])
        self.assertLessEqual(document.pages, 3 + rows // 10, (where, rows))
        lines = self.review_lines(document)
        whole = squeeze("\n".join(document.text))
        self.assertIn(f"Service review: {contract.name}", whole, where)
        self.assertIn(f"Period: {values['period']}", whole, where)

        # Each heading is on the page of what it heads: the chart with its
        # labels, each table with its column titles.
        last = end - relativedelta(months=3 if kind == "quarter" else 1)
        last_label = (
            f"Q{(last.month - 1) // 3 + 1} {last:%y}"
            if kind == "quarter"
            else format_date(self.env, last, date_format="MMM yy")
        )
        heading = page_of(document, CHART_HEADING)
        self.assertEqual(len(heading), 1, (where, heading))
        self.assertEqual(page_of(document, "target 95%"), heading, where)
        self.assertEqual(page_of(document, last_label), heading, (where, last_label))
        for title, first in SECTIONS:
            pages = page_of(document, title)
            self.assertEqual(len(pages), 1, (where, title, pages))
            self.assertTrue(
                any(set(page_of(document, text)) & set(pages) for text in first),
                (where, title),
            )
        # every figure the chart prints is a labelled percentage, or "-"
        chart = lines[lines.index(CHART_HEADING) + 1 :]
        chart = chart[: next(i for i, line in enumerate(chart) if last_label in line)]
        for line in chart:
            for token in line.replace("target ", "").split():
                self.assertTrue(token == "-" or PERCENT.fullmatch(token), (where, line))

        # Every KPI is printed on its own labelled line, as computed, and
        # never rounded across its target.
        for kpi in values["kpis"]:
            line = next(
                (row for row in lines if row.startswith(kpi["name"] + " ")), None
            )
            self.assertTrue(line, (where, kpi["name"]))
            self.assertIn(f"{kpi['name']} {kpi['value']} {kpi['target']}", line)
            figure = kpi.get("figure")
            if figure is None or not kpi["value"].endswith("%"):
                continue
            printed = float(kpi["value"][:-1])
            self.assertLessEqual(printed, figure + 1e-9, (where, kpi))
            if kpi["name"] == "Uptime":
                guarantee = contract.sla_tier_id.uptime_guarantee
                places = sla_math.rate_places(guarantee)
                self.assertEqual(
                    kpi["value"], f"{sla_math.format_rate(figure, places)}%"
                )
                if guarantee:
                    self.assertEqual(printed >= guarantee, figure >= guarantee, where)
            else:
                self.assertEqual(kpi["value"], f"{sla_math.format_rate(figure)}%")
        return document

    def check_agreement(self, contract):
        where = f"{contract.name} agreement"
        document = pdf_text(render_pdf(self.env, AGREEMENT, contract.ids))
        self.assert_clean(document, where)
        self.assertTrue(all(squeeze(page) for page in document.text), where)
        prices = len(contract._sla_agreement_values()["prices"])
        self.assertLessEqual(document.pages, 4 + prices // 10, where)
        text = squeeze("\n".join(document.text))
        self.assertNotIn("#", text, where)
        self.assertNotIn("stated below", text, where)
        for title in AGREEMENT_SECTIONS:
            self.assertEqual(len(page_of(document, title)), 1, (where, title))
        for row in contract._sla_commitments():
            self.assertIn(
                f"{row['priority']} {row['definition']} {row['response']} "
                f"{row['resolution']}",
                text,
                where,
            )
        calendar = contract.sla_calendar_id or contract.sla_tier_id.calendar_id
        hours = re.search(r"Support hours: (.*?\.) 2\. SLA definitions", text)
        self.assertTrue(hours, where)
        leaves = calendar._sla_work_calendar_key(contract.company_id.id)[2]
        since = contract.date_start
        holidays = any(end.date() >= since for _start, end in leaves)
        self.assertEqual(
            "holidays" in hours.group(1), holidays, (where, hours.group(1))
        )
        if calendar.sla_hours_per_week >= 168 and not holidays:
            self.assertEqual(
                hours.group(1),
                f"around the clock, every day of the year ({calendar.name}).",
            )

    def test_every_demo_contracts_documents(self):
        # The test database holds the demo data only: every SLA contract in
        # it is a demo contract, however the demo made it.
        demo_contracts = self.env["contract.contract"].search(
            [("sla_tier_id", "!=", False)]
        )
        self.assertTrue(demo_contracts)
        today = fields.Date.today()
        last_month = period_bounds(today, "month")[0] - relativedelta(months=1)
        last_quarter = period_bounds(today, "quarter")[0] - relativedelta(months=3)
        for contract in demo_contracts:
            self.company_name = contract.company_id.name
            with self.subTest(contract=contract.name):
                self.check_review(contract, "month", last_month)
                self.check_review(contract, "quarter", last_quarter)
                self.check_agreement(contract)
