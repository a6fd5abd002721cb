"""The tier what-if opened from a contract or a customer comes filled."""

# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import
from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestWhatifPrefillTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        start = fields.Date.today().replace(day=1) - relativedelta(months=3)
        cls.customer = cls.env["res.partner"].create(
            {"name": "Prefill Tour Customer", "is_company": True}
        )
        product = cls.env["product.product"].create(
            {"name": "Prefill tour support", "type": "service"}
        )
        cls.contract = cls.env["contract.contract"].create(
            {
                "name": "Prefill Tour Gold support",
                "partner_id": cls.customer.id,
                "contract_type": "sale",
                "date_start": start,
                "sla_tier_id": ref("sla_contract.sla_tier_gold").id,
                "sla_date_start": start,
                "line_recurrence": True,
                "contract_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": "Managed support",
                            "quantity": 1,
                            "price_unit": 1250.0,
                            "recurring_rule_type": "monthly",
                            "recurring_interval": 1,
                            "date_start": start,
                        }
                    )
                ],
            }
        )
        # An account manager: reads contracts, runs the what-if.
        cls.env["res.users"].create(
            {
                "name": "Prefill Tour Manager",
                "login": "prefill_tour_manager",
                "password": "prefill_tour_manager",
                "groups_id": [
                    Command.set(
                        [
                            ref("helpdesk_mgmt.group_helpdesk_manager").id,
                            ref("account.group_account_invoice").id,
                            ref("base.group_partner_manager").id,
                        ]
                    )
                ],
            }
        )

    def test_from_a_contract(self):
        self.start_tour(
            f"/odoo/action-contract.action_customer_contract/{self.contract.id}",
            "sla_credits_whatif_from_contract_tour",
            login="prefill_tour_manager",
        )

    def test_from_a_customer(self):
        self.start_tour(
            f"/odoo/res.partner/{self.customer.id}",
            "sla_credits_whatif_from_customer_tour",
            login="prefill_tour_manager",
        )
