from datetime import datetime, timedelta

from lxml import html

from .common import SlaCase

P3 = "1"


def sept(day, hour=10):
    return datetime(2026, 9, day, hour, 0)


class TestServiceReview(SlaCase):
    def closed(self, at, late=False):
        ticket = self.open_ticket("Gold", P3, at)
        self.move(
            ticket, self.stage_done, at + timedelta(days=10 if late else 0, minutes=1)
        )
        return ticket

    def render(self, contract, start, kind="month"):
        self.env.flush_all()
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "sla_contract.report_sla_service_review",
            contract.ids,
            data={"start": start, "kind": kind},
        )
        return html.fromstring(content)

    def cells(self, page, table):
        return [
            [cell.text_content().strip() for cell in row.xpath("./td")]
            for row in page.xpath(f"//table[contains(@class, '{table}')]/tbody/tr")
        ]

    def test_monthly_review_numbers(self):
        gold = self.contracts["Gold"]
        self.closed(sept(3))
        self.closed(sept(4))
        late = self.closed(sept(7), late=True)
        page = self.render(gold, "2026-09-01")
        text = page.text_content()
        self.assertIn("September 2026", text)
        self.assertEqual(
            page.xpath("//span[hasclass('sla-review-tickets')]")[0].text_content(), "3"
        )
        kpis = {row[0]: row[1:] for row in self.cells(page, "sla-review-kpis")}
        self.assertEqual(kpis["SLA compliance rate"][:2], ["66.66%", "above 95%"])
        self.assertEqual(kpis["SLA compliance rate"][2], "missed")
        commitments = {
            row[0]: row for row in self.cells(page, "sla-review-commitments")
        }
        labels = dict(
            self.env["sla.priority"]
            ._fields["ticket_priority"]
            ._description_selection(self.env)
        )
        p3 = commitments[labels[P3]]
        # P3 on Gold: 4 h to respond, 1 day (18 support hours) to resolve,
        # stated as sold
        self.assertEqual((p3[1], p3[3]), ("4 hours", "1 day"))
        self.assertEqual((p3[5], p3[6]), ("3", "66.66%"))
        breaches = self.cells(page, "sla-review-breaches")
        self.assertEqual(len(breaches), 2)  # the late ticket's two clocks
        self.assertTrue(all(late.display_name in row[1] for row in breaches))
        chart = page.xpath("//img[@alt='Compliance chart']/@src")[0]
        self.assertTrue(chart.startswith("data:image/svg+xml;base64,"))

    def test_quarter_review_and_empty_month(self):
        gold = self.contracts["Gold"]
        self.closed(sept(3))
        page = self.render(gold, "2026-08-15", kind="quarter")
        self.assertIn("2026 Q3", page.text_content())
        kpis = {row[0]: row[1] for row in self.cells(page, "sla-review-kpis")}
        self.assertEqual(kpis["SLA compliance rate"], "100.00%")
        page = self.render(gold, "2026-10-01")
        self.assertIn("No breach in the period.", page.text_content())
        kpis = {row[0]: row[1] for row in self.cells(page, "sla-review-kpis")}
        self.assertEqual(kpis["SLA compliance rate"], "-")
