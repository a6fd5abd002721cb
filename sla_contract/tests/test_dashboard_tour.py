# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import

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
