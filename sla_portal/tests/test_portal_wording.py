import re
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import html

from odoo import Command, fields
from odoo.addons.sla_contract.tests.pdf_text import (
    SECONDS,
    pdf_text,
    render_pdf,
    squeeze,
)
from odoo.tests import tagged

from .common import SlaPortalCase


@tagged("post_install", "-at_install")
class TestPortalWording(SlaPortalCase):
    """What a customer reads in his portal: targets as his contract states
    them, a missed target never "by 0 min", times to the minute, figures at
    the precision of their target, and one entry per contract on /my."""

    def page_text(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return squeeze(html.fromstring(response.content).text_content())

    def test_targets_read_in_the_units_the_contract_was_sold_in(self):
        # Gold: P3 resolved within 1 day, P4 within 3 days (of 18 support
        # hours each), never the 18 h 00 min and 54 h 00 min they count as
        self.authenticate("portal_alpha", "portal_alpha")
        contract = self.contracts["alpha"]
        page = self.page_text(f"/my/sla/{contract.id}")
        self.assertIn("First response within 1 hour Resolution within 4 hours", page)
        self.assertIn("Resolution within 1 day", page)
        self.assertIn("Resolution within 3 days", page)
        self.assertIn("A day is a day of support hours (18 h).", page)
        self.assertNotIn("54 h 00 min", page)
        self.assertNotIn("18 h 00 min", page)
        # his service review states them the same way
        review = html.fromstring(self.url_open(f"/my/sla/{contract.id}/review").content)
        rows = [
            [cell.text_content().strip() for cell in row.xpath("./td")]
            for row in review.xpath(
                "//table[contains(@class, 'sla-review-commitments')]/tbody/tr"
            )
        ]
        self.assertEqual(
            [(row[1], row[3]) for row in rows],
            [
                ("1 hour", "4 hours"),
                ("2 hours", "8 hours"),
                ("4 hours", "1 day"),
                ("8 hours", "3 days"),
            ],
        )

    def test_a_target_missed_by_seconds_never_reads_zero_minutes(self):
        contract = self.contracts["alpha"]
        opened = datetime.combine(
            self.last_month + timedelta(days=9), time(9, 0)
        )  # 10:00 in Brussels: Gold's 18/7 support hours
        with freeze_time(opened):
            ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": "Checkout down",
                    "description": "Down.",
                    "partner_id": self.users["alpha"].partner_id.id,
                    "priority": "3",  # P1: a response within 1 hour
                }
            )
        response = ticket.sla_clock_ids.filtered(lambda c: c.metric == "response")
        with freeze_time(response.deadline + timedelta(seconds=20)):
            ticket.stage_id = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        self.assertEqual(response.state, "breached")
        self.assertLess(response.breach_ids.overdue_minutes, 1)
        self.authenticate("portal_alpha", "portal_alpha")
        page = self.page_text(f"/my/sla/{contract.id}")
        self.assertIn("Response target missed by less than a minute", page)
        self.assertNotIn("by 0 min", page)
        # the other breaches still say by how much
        self.assertRegex(page, r"target missed by \d+ h \d{2} min")

    def test_times_are_printed_to_the_minute(self):
        self.authenticate("portal_alpha", "portal_alpha")
        contract = self.contracts["alpha"]
        ticket = self.tickets["alpha"][:1]
        for url in (
            f"/my/sla/{contract.id}",
            "/my/tickets",
            f"/my/ticket/{ticket.id}",
        ):
            page = self.page_text(url)
            self.assertRegex(page, r"\b\d{1,2}:\d{2}\b", url)
            self.assertIsNone(SECONDS.search(page), (url, SECONDS.findall(page)))

    def test_uptime_printed_at_the_precision_of_the_guarantee(self):
        # 99.9496% against at least 99.95% missed the guarantee: it reads
        # 99.949%, never 99.950% (rounded) nor 99.94% (short of a decimal)
        contract = self.contracts["alpha"]
        contract.sla_tier_id.uptime_guarantee = 99.95
        credit = self.credits["alpha"]
        credit.write({"uptime_percent": 99.9496, "uptime_guarantee": 99.95})
        entry = next(
            month
            for month in contract._sla_portal_page(fields.Date.today(), "UTC")["months"]
            if month["month"] == credit.period_start
        )
        self.assertEqual(entry["uptime_text"], "99.949%")
        self.authenticate("portal_alpha", "portal_alpha")
        page = html.fromstring(self.url_open(f"/my/sla/{contract.id}").content)
        rows = {
            squeeze(row.xpath("./td")[0].text_content()): squeeze(
                row.xpath("./td")[3].text_content()
            )
            for row in page.xpath(
                "//table[contains(@class, 'o_sla_portal_months')]/tbody/tr"
            )
        }
        self.assertEqual(rows[entry["label"]], "99.949%")
        self.assertIn(
            "Uptime: at least 99.95% each month.", squeeze(page.text_content())
        )
        # the service review says the same, with the guarantee's precision
        start = credit.period_start
        values = contract._sla_review_values(
            start, start + relativedelta(months=1), "month"
        )
        uptime = next(kpi for kpi in values["kpis"] if kpi["name"] == "Uptime")
        self.assertEqual(uptime["value"], "99.949%")
        self.assertIs(uptime["met"], False)
        self.assertAlmostEqual(uptime["figure"], 99.9496)
        # and so does the PDF, in its KPI table and its credits table
        document = pdf_text(
            render_pdf(
                self.env,
                "sla_contract.report_sla_service_review",
                contract.ids,
                data={"start": fields.Date.to_string(start), "kind": "month"},
            )
        )
        text = squeeze("\n".join(document.text))
        self.assertIn("Uptime 99.949% at least 99.95% missed", text)
        self.assertIn(f"{credit.period_label} Service credit", text)
        self.assertEqual(text.count("99.949%"), 2)
        # no other figure near the guarantee: neither 99.9% nor 99.95% as a
        # measure (the guarantee itself is printed as it was agreed)
        measured = text.replace("at least 99.95%", "")
        self.assertNotRegex(measured, r"99\.9[45]?%|99\.95\d*%")

    def test_uptime_of_the_month_so_far_never_rounds_up_to_the_guarantee(self):
        contract = self.contracts["alpha"]
        contract.sla_tier_id.uptime_guarantee = 99.95
        today = fields.Date.today()
        first = datetime.combine(today.replace(day=1), time.min)
        now = first + timedelta(days=29)  # 41,760 minutes of the month
        self.env["sla.incident"].create(
            {
                "name": "Outage",
                "contract_id": contract.id,
                "start_at": first + timedelta(days=2),
                "end_at": first + timedelta(days=2, minutes=21),
            }
        )
        with freeze_time(now):
            summary = contract._sla_portal_summaries(now.date())[contract.id]
        # 100 x (1 - 21 / 41,760) = 99.94971...: "%.2f" read 99.95%
        self.assertEqual(summary["uptime_text"], "99.949%")
        self.assertEqual(summary["uptime_colour"], "danger")

    def test_one_portal_entry_per_contract(self):
        alpha = self.contracts["alpha"]
        self.authenticate("portal_alpha", "portal_alpha")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["contract_count", "sla_contract_count"]}
        )
        # his only contract is an SLA contract: "SLA & service", not
        # "Contracts" as well
        self.assertEqual(counters, {"contract_count": 0, "sla_contract_count": 1})
        listed = self.page_text("/my/contracts")
        self.assertNotIn(alpha.name, listed)
        # its own page (lines, invoices) is reached from its SLA page, and
        # leads back to "SLA & service"
        sla_page = html.fromstring(self.url_open(f"/my/sla/{alpha.id}").content)
        self.assertEqual(
            sla_page.xpath("//a[hasclass('o_sla_contract_details')]/@href"),
            [alpha.access_url],
        )
        own = html.fromstring(self.url_open(alpha.access_url).content)
        crumbs = [
            squeeze(li.text_content())
            for li in own.xpath("//ol[hasclass('o_portal_submenu')]/li")
        ]
        self.assertIn("SLA & service", crumbs)
        self.assertNotIn("Contracts", crumbs)

        # a contract without a service level is under "Contracts"
        other = self.env["contract.contract"].create(
            {
                "name": "Office cleaning",
                "partner_id": self.customers["alpha"].id,
                "contract_type": "sale",
                "line_recurrence": True,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "name": "Cleaning",
                            "quantity": 1,
                            "price_unit": 100.0,
                            "recurring_rule_type": "monthly",
                            "date_start": fields.Date.today(),
                        }
                    )
                ],
            }
        )
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["contract_count", "sla_contract_count"]}
        )
        self.assertEqual(counters, {"contract_count": 1, "sla_contract_count": 1})
        listed = self.page_text("/my/contracts")
        self.assertIn(other.name, listed)
        self.assertNotIn(alpha.name, listed)
        self.assertNotIn(other.name, self.page_text("/my/sla"))
        self.assertTrue(re.search(r"\bContracts\b", listed))
