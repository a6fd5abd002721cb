"""The SLA screens read at a laptop's width and on a phone, in a real browser."""

from datetime import timedelta

# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import

from odoo import fields
from odoo.tests import HttpCase, tagged

from .live_bus import live_bus

DESKTOP, LAPTOP, PHONE = "1440x900", "1024x768", "390x844"
QUEUE = "/odoo/action-sla_contract.helpdesk_ticket_action_sla_realtime"
NEW_TICKET = "/odoo/action-helpdesk_mgmt.helpdesk_ticket_action/new"


class ScreensCase(HttpCase):
    """An SLA customer with a long name, a support agent, and helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        cls.stage_waiting = ref("sla_contract.helpdesk_ticket_stage_waiting_customer")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Northwind Consolidated Logistics International",
                "is_company": True,
            }
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
        self.start_tour(
            QUEUE, "sla_contract_queue_layout_tour", login="sla_screens_agent"
        )

    def test_queue_at_laptop_width(self):
        self.at(LAPTOP)
        self.start_tour(
            QUEUE, "sla_contract_queue_layout_tour", login="sla_screens_agent"
        )

    def test_queue_on_a_phone(self):
        self.at(PHONE, touch=True)
        self.start_tour(
            QUEUE, "sla_contract_queue_layout_tour", login="sla_screens_agent"
        )


@tagged("post_install", "-at_install")
class TestNewTicketPriority(ScreensCase):
    """The meaning of the priority follows the stars on a new ticket."""

    def test_new_ticket_at_laptop_width(self):
        self.at(LAPTOP)
        self.start_tour(
            NEW_TICKET,
            "sla_contract_new_ticket_priority_tour",
            login="sla_screens_agent",
        )

    def test_new_ticket_on_a_phone(self):
        self.at(PHONE, touch=True)
        self.start_tour(
            NEW_TICKET,
            "sla_contract_new_ticket_priority_tour",
            login="sla_screens_agent",
        )


@tagged("post_install", "-at_install")
class TestTicketFormLive(ScreensCase):
    """A change of the clocks on the server reaches the open form whole,
    keeps the agent's unsaved edit, and toasts the assignee once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls.env["res.partner"].create(
            {"name": "Live Form Customer", "is_company": True}
        )
        cls.env["contract.contract"].create(
            {
                "name": "Live form Platinum support",
                "partner_id": customer.id,
                "contract_type": "sale",
                "date_start": fields.Date.today() - timedelta(days=60),
                "sla_tier_id": cls.env.ref("sla_contract.sla_tier_platinum").id,
                "sla_date_start": fields.Date.today() - timedelta(days=60),
            }
        )
        # Platinum runs 24/7. P4, opened 2 h 10 ago: 4 h to respond, a day
        # to resolve, on track. As P2 (1 h, 4 h) the response is late; as
        # P1 (15 min, 2 h) the resolution too.
        cls.ticket = cls.open_ticket(
            "SLA form tour ticket",
            "0",
            timedelta(hours=2, minutes=10),
            partner_id=customer.id,
        )

    def run_live(self, size, touch=False):
        self.at(size, touch)
        self.assertEqual(set(self.ticket.sla_clock_ids.mapped("state")), {"running"})
        with live_bus():
            self.start_tour(
                f"{QUEUE}/{self.ticket.id}",
                "sla_contract_ticket_live_tour",
                login="sla_screens_agent",
            )
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.name, "SLA form tour ticket", "never saved")
        self.assertEqual(set(self.ticket.sla_clock_ids.mapped("state")), {"breached"})

    def test_live_form_at_laptop_width(self):
        self.run_live(LAPTOP)

    def test_live_form_on_a_phone(self):
        self.run_live(PHONE, touch=True)
