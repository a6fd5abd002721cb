"""The escalation fields of the ticket form, read at a laptop's width and
on a phone, in a real browser."""

from datetime import timedelta

# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import

from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestEscalationFormLabels(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        customer = cls.env["res.partner"].create(
            {"name": "Escalation Form Customer", "is_company": True}
        )
        cls.env["contract.contract"].create(
            {
                "name": "Escalation form Gold support",
                "partner_id": customer.id,
                "contract_type": "sale",
                "date_start": fields.Date.today() - timedelta(days=30),
                "sla_tier_id": ref("sla_contract.sla_tier_gold").id,
                "sla_date_start": fields.Date.today() - timedelta(days=30),
            }
        )
        cls.env["res.users"].create(
            {
                "name": "Escalation Form Agent",
                "login": "esc_form_agent",
                "password": "esc_form_agent",
                "tz": "Europe/Brussels",
                "groups_id": [(6, 0, [ref("helpdesk_mgmt.group_helpdesk_user").id])],
            }
        )
        cls.ticket = cls.env["helpdesk.ticket"].create(
            {
                "name": "Escalation form ticket",
                "description": "Down.",
                "partner_id": customer.id,
                "priority": "3",
            }
        )
        # Escalated: the fields the customer message reads show.
        resolution = cls.ticket.sla_clock_ids.filtered(
            lambda c: c.metric == "resolution"
        )
        cls.env["sla.escalation.event"].create(
            {
                "clock_id": resolution.id,
                "rule_id": ref("sla_escalation.rule_resolution_100").id,
                "ticket_id": cls.ticket.id,
                "state": "done",
            }
        )
        cls.ticket.invalidate_recordset()
        assert cls.ticket.sla_escalated

    def open_form(self):
        self.start_tour(
            f"/odoo/action-helpdesk_mgmt.helpdesk_ticket_action/{self.ticket.id}",
            "sla_escalation_form_labels_tour",
            login="esc_form_agent",
        )

    def test_labels_at_laptop_width(self):
        self.browser_size = "1024x768"
        self.open_form()

    def test_labels_on_a_phone(self):
        self.browser_size = "390x844"
        self.touch_enabled = True
        self.open_form()
