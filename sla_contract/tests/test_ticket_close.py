from datetime import date

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestPortalTicketClose(HttpCase):
    """helpdesk_mgmt's "Close" button of the portal ticket page, as the
    customers who use it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        cls.stage_done = ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.stage_cancelled = ref("helpdesk_mgmt.helpdesk_ticket_stage_cancelled")
        cls.stage_rejected = ref("helpdesk_mgmt.helpdesk_ticket_stage_rejected")
        cls.stage_progress = ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")
        cls.users, cls.tickets = {}, {}
        for key in ("alpha", "beta"):
            company = cls.env["res.partner"].create(
                {"name": f"Close {key.title()} Ltd", "is_company": True}
            )
            cls.env["contract.contract"].create(
                {
                    "name": f"{key.title()} support",
                    "partner_id": company.id,
                    "contract_type": "sale",
                    "date_start": date(2026, 1, 1),
                    "sla_tier_id": ref("sla_contract.sla_tier_gold").id,
                    "sla_date_start": date(2026, 1, 1),
                }
            )
            cls.users[key] = (
                cls.env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": f"{key.title()} closer",
                        "login": f"close_{key}",
                        "password": f"close_{key}",
                        "email": f"close.{key}@example.com",
                        "parent_id": company.id,
                        "groups_id": [Command.set([ref("base.group_portal").id])],
                    }
                )
            )
            cls.tickets[key] = cls.env["helpdesk.ticket"].create(
                {
                    "name": f"{key} cannot log in",
                    "description": "Locked out.",
                    "partner_id": cls.users[key].partner_id.id,
                    "priority": "2",
                }
            )

    def close(self, ticket_id, stage_id, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self.url_open(
            f"/ticket/close?ticket_id={ticket_id}&stage_id={stage_id}"
            + (f"&{query}" if query else ""),
            allow_redirects=False,
        )

    def resolution(self, ticket):
        return ticket.sla_clock_ids.filtered(lambda c: c.metric == "resolution")

    def assert_untouched(self, ticket):
        ticket.invalidate_recordset()
        self.assertNotEqual(ticket.stage_id, self.stage_done)
        self.assertFalse(ticket.closed_date)
        self.assertEqual(self.resolution(ticket).state, "running")

    def test_customer_cannot_close_another_customers_ticket(self):
        theirs = self.tickets["beta"]
        self.assertEqual(self.resolution(theirs).state, "running")
        self.authenticate("close_alpha", "close_alpha")
        response = self.close(theirs.id, self.stage_done.id)
        self.assert_untouched(theirs)
        # sent to his own tickets, not to a page saying this one exists
        self.assertIn(response.status_code, (302, 303))
        self.assertTrue(response.headers["Location"].endswith("/my/tickets"))

    def test_follower_of_another_customers_ticket_cannot_close_it(self):
        # He reads it (helpdesk_mgmt's followers rule), yet closing stops
        # the other customer's clocks: only that customer's people may.
        theirs = self.tickets["beta"]
        theirs.message_subscribe(partner_ids=self.users["alpha"].partner_id.ids)
        self.assertTrue(theirs.with_user(self.users["alpha"]).has_access("read"))
        self.authenticate("close_alpha", "close_alpha")
        self.close(theirs.id, self.stage_done.id)
        self.assert_untouched(theirs)

    def test_customer_closes_his_own_ticket(self):
        mine = self.tickets["alpha"]
        self.authenticate("close_alpha", "close_alpha")
        response = self.close(mine.id, self.stage_done.id)
        self.assertIn(response.status_code, (302, 303))
        self.assertTrue(response.headers["Location"].endswith(f"/my/ticket/{mine.id}"))
        mine.invalidate_recordset()
        self.assertEqual(mine.stage_id, self.stage_done)
        self.assertTrue(mine.closed_date)
        self.assertEqual(self.resolution(mine).state, "met")
        # the page he lands on shows it closed
        page = self.url_open(f"/my/ticket/{mine.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(mine.name, page.text)

    def test_only_portal_closing_stages_and_only_open_tickets(self):
        mine = self.tickets["alpha"]
        self.authenticate("close_alpha", "close_alpha")
        for stage in (self.stage_rejected, self.stage_progress):
            self.close(mine.id, stage.id)
            mine.invalidate_recordset()
            self.assertNotEqual(mine.stage_id, stage, stage.name)
        self.assert_untouched(mine)
        # once closed, a ticket is not closed again another way: cancelling
        # would take a met ticket out of the month's compliance
        self.close(mine.id, self.stage_done.id)
        self.close(mine.id, self.stage_cancelled.id)
        mine.invalidate_recordset()
        self.assertEqual(mine.stage_id, self.stage_done)

    @mute_logger("odoo.http")
    def test_malformed_requests_are_refused_without_a_server_error(self):
        mine = self.tickets["alpha"]
        self.authenticate("close_alpha", "close_alpha")
        for url in (
            "/ticket/close",
            f"/ticket/close?stage_id={self.stage_done.id}",
            f"/ticket/close?ticket_id=abc&stage_id={self.stage_done.id}",
            f"/ticket/close?ticket_id={mine.id}",
            f"/ticket/close?ticket_id={mine.id}&stage_id=done",
            f"/ticket/close?ticket_id=999999999&stage_id={self.stage_done.id}",
            f"/ticket/close?ticket_id={mine.id}&stage_id=999999999",
        ):
            response = self.url_open(url, allow_redirects=False)
            self.assertLess(response.status_code, 500, url)
        self.assert_untouched(mine)
        # a stray parameter named like an id does not stop a good request
        response = self.close(mine.id, self.stage_done.id, partner_id="x")
        self.assertLess(response.status_code, 500)
        mine.invalidate_recordset()
        self.assertEqual(mine.stage_id, self.stage_done)
