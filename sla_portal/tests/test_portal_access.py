from odoo import http
from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import SlaPortalCase


@tagged("post_install", "-at_install")
class TestPortalAccess(SlaPortalCase):
    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def test_customer_sees_his_contract_figures_and_credit(self):
        self.authenticate("portal_alpha", "portal_alpha")
        page = self.url_open("/my/sla")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Alpha gold support", page.text)
        self.assertNotIn("Beta silver support", page.text)
        contract = self.contracts["alpha"]
        page = self.url_open(f"/my/sla/{contract.id}")
        self.assertEqual(page.status_code, 200)
        # one of two tickets within SLA last month: 50%, and its 20% credit
        self.assertIn("50.00%", page.text)
        self.assertIn("200.00", page.text)
        self.assertIn(self.invoices["alpha"].name, page.text)
        self.assertIn("America/New_York", page.text)
        self.assertIn("<svg", page.text)  # the chart, drawn, not escaped
        self.assertNotIn("&lt;svg", page.text)
        # internal root causes and the internal SLO never reach the customer
        self.assertNotIn("SLO", page.text)
        review = self.url_open(f"/my/sla/{contract.id}/review")
        self.assertEqual(review.status_code, 200)
        self.assertTrue(
            review.headers["Content-Type"].startswith(("application/pdf", "text/html"))
        )

    @mute_logger("odoo.http")
    def test_another_customer_gets_404_everywhere(self):
        self.authenticate("portal_alpha", "portal_alpha")
        other = self.contracts["beta"]
        for url in (
            f"/my/sla/{other.id}",
            f"/my/sla/{other.id}/review",
            f"/my/sla/{other.id}/review?kind=quarter",
            "/my/sla/999999999",
        ):
            self.assertEqual(self.url_open(url).status_code, 404, url)
        # OCA contract's and Odoo's own pages send him home, without the data
        invoice = self.invoices["beta"]
        page = self.url_open(f"/my/invoices/{invoice.id}")
        self.assertNotIn(invoice.name, page.text)
        ticket = self.tickets["beta"][:1]
        page = self.url_open(f"/my/ticket/{ticket.id}")
        self.assertNotIn(ticket.name, page.text)
        page = self.url_open(f"/my/contracts/{other.id}")
        self.assertNotIn(other.name, page.text)

    def test_another_customer_is_denied_over_json_rpc(self):
        self.authenticate("portal_alpha", "portal_alpha")
        credits_seen = self.call("sla.credit", "search_read", [], fields=["amount"])
        self.assertEqual([c["id"] for c in credits_seen], self.credits["alpha"].ids)
        contracts_seen = self.call(
            "contract.contract", "search_read", [], fields=["name"]
        )
        self.assertEqual([c["id"] for c in contracts_seen], self.contracts["alpha"].ids)
        for model, record in (
            ("sla.credit", self.credits["beta"]),
            ("contract.contract", self.contracts["beta"]),
        ):
            with (
                mute_logger("odoo.http"),
                self.assertRaises(JsonRpcException) as caught,
            ):
                self.call(model, "read", record.ids, ["display_name"])
            self.assertIn("AccessError", str(caught.exception))

    def test_ticket_list_and_page_say_the_sla_in_words(self):
        from datetime import timedelta

        from freezegun import freeze_time

        from odoo import fields

        waiting = self.env.ref("sla_contract.helpdesk_ticket_stage_waiting_customer")
        now = fields.Datetime.now()
        with freeze_time(now - timedelta(hours=1)):
            open_ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": "alpha printer jam",
                    "description": "Jammed.",
                    "partner_id": self.users["alpha"].partner_id.id,
                    "priority": "1",
                }
            )
        self.authenticate("portal_alpha", "portal_alpha")
        page = self.url_open("/my/tickets").text
        self.assertIn("We&#39;ll reply by", page)
        self.assertIn("(Gold)", page)
        self.assertIn("Late", page)  # last month's late ticket
        self.assertIn("Resolved on time", page)
        # open tickets come first, by their next deadline
        self.assertLess(page.index("alpha printer jam"), page.index("alpha outage 3"))
        open_ticket.with_context(tracking_disable=True).stage_id = waiting
        self.env.flush_all()
        page = self.url_open(f"/my/ticket/{open_ticket.id}").text
        self.assertIn("Waiting for you since", page)

    def test_new_ticket_priority_from_the_seed_definitions_within_the_tier(self):
        silver = self.env.ref("sla_contract.sla_tier_silver")
        silver.portal_max_priority = "2"  # Silver customers call for a P1
        self.authenticate("portal_beta", "portal_beta")
        form = self.url_open("/new/ticket").text
        self.assertIn("P2 - High", form)
        self.assertNotIn("P1 - Critical", form)
        self.assertIn("Major feature unavailable", form)
        for chosen, expected in (("2", "2"), ("3", "2"), ("0", "0")):
            response = self.url_open(
                "/submitted/ticket",
                data={
                    "csrf_token": http.Request.csrf_token(self),
                    "subject": f"beta chose {chosen}",
                    "description": "Down.",
                    "sla_priority": chosen,
                },
            )
            self.assertEqual(response.status_code, 200)
            ticket = self.env["helpdesk.ticket"].search(
                [("name", "=", f"beta chose {chosen}")]
            )
            self.assertEqual(ticket.priority, expected)
        # the Gold customer may open a P1, and gets its 1-hour target
        self.authenticate("portal_alpha", "portal_alpha")
        self.assertIn("P1 - Critical", self.url_open("/new/ticket").text)
