# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import

from odoo.tests import tagged

from .common import SlaPortalCase


@tagged("post_install", "-at_install")
class TestPortalTour(SlaPortalCase):
    def test_customer_reads_his_compliance_and_credit(self):
        self.start_tour("/my", "sla_portal_customer_tour", login="portal_alpha")
