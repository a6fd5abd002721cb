# Odoo skips tours quietly when its browser driver cannot import this; fail
# loudly instead.
import websocket  # noqa: F401  # pylint: disable=unused-import

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestCreditComputeTour(HttpCase):
    def test_compute_wizard_shows_the_year_without_separator(self):
        manager = self.env["res.users"].create(
            {
                "name": "Compute Tour Manager",
                "login": "compute_tour_manager",
                "password": "compute_tour_manager",
                "lang": "en_US",
                "groups_id": [
                    (6, 0, [self.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )
        # en_US groups thousands with a comma: an integer year would read
        # "2,026".
        self.assertEqual(self.env["res.lang"]._lang_get("en_US").thousands_sep, ",")
        self.assertTrue(manager.has_group("sla_credits.group_sla_credit_approver"))
        self.start_tour(
            "/odoo/action-sla_credits.sla_credit_action",
            "sla_credits_compute_year_tour",
            login="compute_tour_manager",
        )
