from datetime import date, datetime

from freezegun import freeze_time

from .common import SlaCase


class TestReviewMeetings(SlaCase):
    def test_cadence_follows_the_tier_and_meetings_are_planned_once(self):
        gold, silver = self.contracts["Gold"], self.contracts["Silver"]
        # Gold reports weekly, Silver monthly: the seed's review table.
        self.assertEqual(gold.sla_review_cadence, "weekly")
        self.assertEqual(silver.sla_review_cadence, "monthly")
        silver.sla_account_manager_id = self.agent
        silver.sla_next_review_date = date(2026, 10, 5)
        ticket = self.open_ticket("Silver", "1", datetime(2026, 9, 8, 9, 0))
        self.move(ticket, self.stage_done, datetime(2026, 9, 8, 9, 5))
        for _run in range(2):
            with freeze_time("2026-10-05 06:00"):
                self.env["contract.contract"]._cron_sla_review_meetings()
        meetings = silver.activity_ids.filtered(
            lambda a: (
                a.activity_type_id == self.env.ref("mail.mail_activity_data_meeting")
            )
        )
        self.assertEqual(len(meetings), 1)
        self.assertEqual(meetings.user_id, self.agent)
        self.assertEqual(meetings.date_deadline, date(2026, 10, 5))
        self.assertEqual(meetings.summary, "Monthly tactical review: September 2026")
        [attachment] = meetings.attachment_ids
        self.assertIn("September 2026", attachment.name)
        self.assertIn(b"SLA compliance rate", attachment.raw)
        self.assertEqual(silver.sla_next_review_date, date(2026, 11, 5))
