from datetime import date

from freezegun import freeze_time

from .common import SlaCase, local

P1, P2, P3, P4 = "3", "2", "1", "0"


class TestClockDeadlines(SlaCase):
    def test_bronze_p1_one_hour_before_friday_close(self):
        # Friday 15 January 2027, 16:00 in Brussels; support hours close at 17:00.
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 15, 16, 0))
        response = self.clock(ticket, "response")
        self.assertEqual(response.target_minutes, 4 * 60)
        self.assertEqual(response.deadline, local(2027, 1, 18, 12, 0))
        # 24 business hours: 1 on Friday, 8 Monday, 8 Tuesday, 7 Wednesday.
        self.assertEqual(
            self.clock(ticket, "resolution").deadline, local(2027, 1, 20, 16, 0)
        )
        self.assertEqual(ticket.sla_next_deadline, local(2027, 1, 18, 12, 0))

    def test_bronze_p1_monday_holiday_moves_to_tuesday(self):
        self.holiday(self.business_hours, date(2027, 1, 18))
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 15, 16, 0))
        self.assertEqual(
            self.clock(ticket, "response").deadline, local(2027, 1, 19, 12, 0)
        )

    def test_platinum_p1_is_fifteen_minutes_flat(self):
        # Saturday at 03:00: 24/7/365 support counts every minute.
        ticket = self.open_ticket("Platinum", P1, local(2027, 1, 16, 3, 0))
        response = self.clock(ticket, "response")
        self.assertEqual(response.target_minutes, 15)
        self.assertEqual(response.deadline, local(2027, 1, 16, 3, 15))
        self.assertEqual(
            self.clock(ticket, "resolution").deadline, local(2027, 1, 16, 5, 0)
        )

    def test_seed_targets_in_minutes(self):
        """The seed's tier table; a support day is the calendar's hours per day."""
        expected = {
            "Bronze": [
                (240, 1440),
                (480, 2880),
                (1440, 5 * 8 * 60),
                (2880, 10 * 8 * 60),
            ],
            "Silver": [
                (120, 480),
                (240, 1440),
                (480, 3 * 12 * 60),
                (1440, 5 * 12 * 60),
            ],
            "Gold": [(60, 240), (120, 480), (240, 18 * 60), (480, 3 * 18 * 60)],
            "Platinum": [(15, 120), (60, 240), (120, 480), (240, 24 * 60)],
        }
        for tier in (self.bronze, self.silver, self.gold, self.platinum):
            got = [
                (t.response_minutes, t.resolution_minutes)
                for t in tier.target_ids.sorted("priority_sequence")
            ]
            self.assertEqual(got, expected[tier.name], tier.name)
        self.assertEqual(
            [self.bronze.uptime_guarantee, self.platinum.uptime_guarantee],
            [99.0, 99.95],
        )

    def test_bronze_p3_resolution_is_five_support_days(self):
        # Monday 09:00 + 5 support days of 8 hours = the next Monday 09:00
        # (the clock plans to the end of Friday's last hour).
        ticket = self.open_ticket("Bronze", P3, local(2027, 1, 18, 9, 0))
        self.assertEqual(
            self.clock(ticket, "resolution").deadline, local(2027, 1, 22, 17, 0)
        )

    def test_dst_change_is_honoured(self):
        # Gold 18/7 (06:00-24:00) P2, 2 h response, opened Saturday 27 March
        # 2027 at 23:30: 30 minutes that night, then from 06:00 on Sunday
        # after the clocks moved forward (UTC+2).
        ticket = self.open_ticket("Gold", P2, local(2027, 3, 27, 23, 30))
        self.assertEqual(
            self.clock(ticket, "response").deadline, local(2027, 3, 28, 7, 30)
        )

    def test_slo_and_at_risk_instants(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        response = self.clock(ticket, "response")
        # Internal SLO 50% of 4 h, at risk from 75%.
        self.assertEqual(response.slo_deadline, local(2027, 1, 18, 11, 0))
        self.assertEqual(response.at_risk_at, local(2027, 1, 18, 12, 0))

    def test_colour_follows_usage(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        for at, colour, percent in [
            (local(2027, 1, 18, 10, 0), "green", 25.0),
            (local(2027, 1, 18, 12, 30), "yellow", 87.5),
        ]:
            with freeze_time(at):
                ticket.invalidate_recordset()
                ticket.sla_clock_ids.invalidate_recordset()
                self.assertEqual(ticket.sla_color, colour)
                self.assertAlmostEqual(
                    self.clock(ticket, "response").percent_used, percent
                )
        with freeze_time(local(2027, 1, 18, 13, 30)):
            self.env["sla.clock"]._cron_mark_breaches()
            ticket.invalidate_recordset()
            self.assertEqual(ticket.sla_color, "red")

    def test_no_clock_without_sla(self):
        partner = self.env["res.partner"].create({"name": "No contract"})
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "x", "description": "y", "partner_id": partner.id}
        )
        self.assertFalse(ticket.sla_clock_ids)
        self.assertFalse(ticket.sla_color)

    def test_team_default_tier_applies_without_contract(self):
        self.team.sla_default_tier_id = self.silver
        partner = self.env["res.partner"].create({"name": "No contract"})
        with freeze_time(local(2027, 1, 18, 9, 0)):
            ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": "x",
                    "description": "y",
                    "partner_id": partner.id,
                    "team_id": self.team.id,
                    "priority": P1,
                }
            )
        self.assertEqual(ticket.sla_tier_id, self.silver)
        self.assertEqual(
            self.clock(ticket, "response").deadline, local(2027, 1, 18, 11, 0)
        )

    def test_agents_see_the_priority_definition(self):
        ticket = self.open_ticket("Gold", P1, local(2027, 1, 18, 9, 0))
        self.assertEqual(ticket.sla_priority_id.code, "P1")
        self.assertEqual(
            ticket.sla_priority_help,
            "P1 - Critical: Service completely unavailable, no workaround. "
            "Revenue-impacting, all users affected; e.g. Production system down.",
        )
        ticket.priority = P4
        self.assertTrue(ticket.sla_priority_help.startswith("P4 - Low: Cosmetic issue"))
