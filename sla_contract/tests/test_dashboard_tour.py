from datetime import date, datetime, time, timedelta

# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import
from freezegun import freeze_time

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDashboardTour(HttpCase):
    def test_dashboards_open_with_data(self):
        # The demo's tickets ended over the last 90 days: every dashboard
        # has something to draw.
        self.assertTrue(
            self.env["sla.ticket.report"].search_count([("report_date", "!=", False)])
        )
        self.start_tour(
            "/odoo/action-sla_contract.sla_ticket_report_action",
            "sla_contract_dashboard_tour",
            login="admin",
        )


@tagged("post_install", "-at_install")
class TestPriorityLegendTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        customer = cls.env["res.partner"].create(
            {"name": "Legend Tour Customer", "is_company": True}
        )
        cls.env["contract.contract"].create(
            {
                "name": "Legend tour Platinum support",
                "partner_id": customer.id,
                "contract_type": "sale",
                "date_start": date(2019, 1, 1),
                "sla_tier_id": cls.env.ref("sla_contract.sla_tier_platinum").id,
                "sla_date_start": date(2019, 1, 1),
            }
        )
        done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        # Before any other ticket: a P4 ticket in the first week, then P1,
        # then P3 and P2, so that the data list the priorities P4 first.
        for priority, day in (
            ("0", date(2019, 1, 7)),
            ("3", date(2019, 1, 14)),
            ("1", date(2019, 1, 21)),
            ("2", date(2019, 1, 21)),
        ):
            opened = datetime.combine(day, time(10, 0))
            with freeze_time(opened):
                ticket = cls.env["helpdesk.ticket"].create(
                    {
                        "name": f"Legend tour ticket {priority}",
                        "description": "It is broken.",
                        "partner_id": customer.id,
                        "priority": priority,
                    }
                )
            with freeze_time(opened + timedelta(minutes=5)):
                ticket.stage_id = done

    def test_weekly_legend_reads_p1_to_p4(self):
        self.start_tour(
            "/odoo/action-sla_contract.sla_ticket_report_action",
            "sla_contract_priority_legend_tour",
            login="admin",
        )
