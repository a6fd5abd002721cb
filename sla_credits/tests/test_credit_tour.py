from datetime import timedelta

# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCreditTour(HttpCase):
    """Month end as an account manager does it, in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        today = fields.Date.today()
        last_month = today.replace(day=1) - relativedelta(months=1)
        customer = cls.env["res.partner"].create(
            {"name": "Credit Tour Customer", "is_company": True}
        )
        cls.contract = cls.env["contract.contract"].create(
            {
                "name": "Credit tour Gold support",
                "partner_id": customer.id,
                "contract_type": "sale",
                "date_start": last_month - relativedelta(months=2),
                "sla_tier_id": ref("sla_contract.sla_tier_gold").id,
                "sla_date_start": last_month - relativedelta(months=2),
                "sla_penalty_date": last_month - relativedelta(months=2),
            }
        )
        opened = fields.Datetime.to_datetime(last_month) + timedelta(days=4, hours=9)
        with freeze_time(opened):
            ticket = cls.env["helpdesk.ticket"].create(
                {
                    "name": "Credit tour outage",
                    "description": "Down.",
                    "partner_id": customer.id,
                    "priority": "2",
                }
            )
        with freeze_time(opened + timedelta(days=10)):
            ticket.stage_id = ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.manager = cls.env["res.users"].create(
            {
                "name": "Credit Tour Manager",
                "login": "credit_tour_manager",
                "password": "credit_tour_manager",
                "groups_id": [(6, 0, [ref("helpdesk_mgmt.group_helpdesk_manager").id])],
            }
        )
        cls.last_month = last_month

    def test_compute_and_approve_from_the_menu(self):
        self.assertFalse(self.manager.has_group("account.group_account_invoice"))
        self.start_tour(
            "/odoo/action-sla_credits.sla_credit_action",
            "sla_credits_approve_tour",
            login="credit_tour_manager",
        )
        credit = self.env["sla.credit"].search(
            [
                ("contract_id", "=", self.contract.id),
                ("period_start", "=", self.last_month),
            ]
        )
        self.assertEqual(credit.state, "approved")
        self.assertEqual(credit.decided_by_id, self.manager)
        self.assertEqual((credit.tickets, credit.tickets_within), (1, 0))
