from datetime import date

from odoo.exceptions import AccessError

from .common import SlaCase, local


class TestAccess(SlaCase):
    def test_agent_reads_tiers_and_clocks_but_cannot_edit_them(self):
        ticket = self.open_ticket("Bronze", "3", local(2027, 1, 18, 9, 0))
        tier = self.bronze.with_user(self.agent)
        self.assertEqual(tier.name, "Bronze")
        clocks = ticket.with_user(self.agent).sla_clock_ids
        self.assertEqual(set(clocks.mapped("metric")), {"response", "resolution"})
        with self.assertRaises(AccessError):
            tier.at_risk_percent = 60
        with self.assertRaises(AccessError):
            clocks[0].target_minutes = 1

    def test_manager_edits_tiers_and_breaches(self):
        manager = self.env["res.users"].create(
            {
                "name": "SLA Manager",
                "login": "sla_manager",
                "groups_id": [
                    (6, 0, [self.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )
        ticket = self.open_ticket("Bronze", "3", local(2027, 1, 18, 9, 0))
        self.move(ticket, self.stage_done, local(2027, 1, 19, 9, 0))
        breach = ticket.sla_clock_ids.breach_ids.with_user(manager)
        breach.cause = "process"
        self.bronze.with_user(manager).at_risk_percent = 70
        self.assertEqual(breach.cause, "process")
        self.assertEqual(self.bronze.at_risk_percent, 70)
        with self.assertRaises(AccessError):
            breach.with_user(self.agent).cause = "technical"

    def test_clocks_of_another_company_are_hidden(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        self.env["contract.contract"].create(
            {
                "name": "Bronze support in Other Co",
                "partner_id": self.customers["Bronze"].id,
                "company_id": other.id,
                "contract_type": "sale",
                "date_start": date(2026, 1, 1),
                "sla_tier_id": self.bronze.id,
                "sla_date_start": date(2026, 1, 1),
            }
        )
        ticket = self.open_ticket(
            "Bronze",
            "3",
            local(2027, 1, 18, 9, 0),
            company_id=other.id,
            team_id=False,
            user_id=False,
        )
        manager = self.env["res.users"].create(
            {
                "name": "Main company manager",
                "login": "sla_manager_main",
                "groups_id": [
                    (6, 0, [self.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )
        domain = [("ticket_id", "=", ticket.id)]
        self.assertEqual(self.env["sla.clock"].search_count(domain), 2)
        self.assertEqual(
            self.env["sla.clock"].with_user(manager).search_count(domain), 0
        )
