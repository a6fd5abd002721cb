"""The SLA screens read at a laptop's width and on a phone, in a real browser."""

from datetime import timedelta

# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import

from odoo import fields
from odoo.tests import HttpCase, tagged

DESKTOP, LAPTOP, PHONE = "1440x900", "1024x768", "375x667"
QUEUE = "/odoo/action-sla_contract.helpdesk_ticket_action_sla_realtime"


class ScreensCase(HttpCase):
    """An SLA customer with a long name, a support agent, and helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        cls.stage_waiting = ref("sla_contract.helpdesk_ticket_stage_waiting_customer")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Northwind Consolidated Logistics International", "is_company": True}
        )
        cls.contracts = {
            tier: cls.env["contract.contract"].create(
                {
                    "name": f"Screens {tier} support",
                    "partner_id": cls.customer.id,
                    "contract_type": "sale",
                    "date_start": fields.Date.today() - timedelta(days=60),
                    "sla_tier_id": ref(f"sla_contract.sla_tier_{tier}").id,
                    "sla_date_start": fields.Date.today() - timedelta(days=60),
                }
            )
            for tier in ("bronze",)
        }
        cls.agent = cls.env["res.users"].create(
            {
                "name": "SLA Screens Agent",
                "login": "sla_screens_agent",
                "password": "sla_screens_agent",
                "email": "screens.agent@example.com",
                "tz": "Europe/Brussels",
                "groups_id": [(6, 0, [ref("helpdesk_mgmt.group_helpdesk_user").id])],
            }
        )

    @classmethod
    def open_ticket(cls, name, priority, ago, **vals):
        """A ticket of the customer opened `ago` before now."""
        return (
            cls.env["helpdesk.ticket"]
            .with_context(sla_now=fields.Datetime.now() - ago)
            .create(
                {
                    "name": name,
                    "description": "Reported by phone.",
                    "partner_id": cls.customer.id,
                    "priority": priority,
                    "user_id": cls.agent.id,
                    **vals,
                }
            )
        )

    def at(self, size, touch=False):
        self.browser_size = size
        self.touch_enabled = touch


@tagged("post_install", "-at_install")
class TestQueueLayout(ScreensCase):
    """Every title of the queue's columns and every Remaining badge shows
    whole, on a wide screen, a laptop and a phone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Bronze P1, a week ago: overdue by tens of business hours.
        cls.open_ticket(
            "Invoices exported to the accounting system lost their tax lines",
            "3",
            timedelta(days=7),
        )
        cls.env["sla.clock"]._cron_mark_breaches()
        # Waiting on the customer since two days ago: "... since 1 Dec 10:04".
        paused = cls.open_ticket(
            "Label printer in the second warehouse prints blank labels",
            "2",
            timedelta(days=3),
        )
        paused.with_context(
            sla_now=fields.Datetime.now() - timedelta(days=2)
        ).stage_id = cls.stage_waiting
        cls.open_ticket(
            "Single sign-on asks for the password twice", "0", timedelta(minutes=5)
        )

    def test_queue_at_desktop_width(self):
        self.at(DESKTOP)
        self.start_tour(QUEUE, "sla_contract_queue_layout_tour", login="sla_screens_agent")

    def test_queue_at_laptop_width(self):
        self.at(LAPTOP)
        self.start_tour(QUEUE, "sla_contract_queue_layout_tour", login="sla_screens_agent")

    def test_queue_on_a_phone(self):
        self.at(PHONE, touch=True)
        self.start_tour(QUEUE, "sla_contract_queue_layout_tour", login="sla_screens_agent")
