"""Large edits return at once and move the open clocks in the background,
exactly as they would have moved them at once (sla.update)."""

from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from ..models import sla_update
from .common import SlaCase, local
from .cron_driver import CronDriver

P1, P2, P3 = "3", "2", "1"
MONDAY = local(2027, 3, 1, 9, 0)
LIMIT = "sla_contract.sync_update_limit"


@tagged("post_install", "-at_install")
class TestBackgroundUpdates(SlaCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the demo's open clocks stay out of the counts
        cls.env.cr.execute(
            "UPDATE sla_clock SET stopped_at = start_at, state = 'cancelled'"
            " WHERE stopped_at IS NULL"
        )
        cls.env.invalidate_all()

    def setUp(self):
        super().setUp()
        self.tickets = self.env["helpdesk.ticket"]
        for index, priority in enumerate((P1, P2, P3, P1, P2, P3, P1, P2)):
            self.tickets |= self.open_ticket(
                "Bronze", priority, MONDAY + timedelta(minutes=7 * index)
            )
        self.clocks = self.tickets.sla_clock_ids

    def snapshot(self):
        self.env.flush_all()
        self.clocks.invalidate_recordset()
        return {
            clock.id: (
                clock.deadline,
                clock.slo_deadline,
                clock.at_risk_at,
                clock.state,
                clock.breached_at,
                clock.target_minutes,
            )
            for clock in self.clocks
        }

    def add_holiday(self):
        with freeze_time(MONDAY + timedelta(hours=2)):
            self.holiday(self.business_hours, date(2027, 3, 2))

    def raise_targets(self):
        with freeze_time(MONDAY + timedelta(hours=2)):
            target = self.bronze._target_for(P1)
            target.response_value = target.response_value * 2

    def applied_at_once(self, edit):
        """What `edit` does when the clocks move with it."""
        self.env["ir.config_parameter"].set_param(LIMIT, "100000")
        with self.env.cr.savepoint(flush=True) as savepoint:
            edit()
            result = self.snapshot()
            savepoint.rollback()
        self.env.invalidate_all()
        return result

    def run_updates(self, at, batch_size=5):
        with freeze_time(at):
            for _dummy in range(20):
                if not self.env["sla.update"].search([("state", "=", "pending")]):
                    return
                self.env["sla.update"]._cron_apply(batch_size=batch_size)
        self.fail("the updates never finished")

    def test_a_large_holiday_edit_moves_the_clocks_in_the_background(self):
        at_once = self.applied_at_once(self.add_holiday)
        before = self.snapshot()
        self.assertNotEqual(at_once, before)
        self.env["ir.config_parameter"].set_param(LIMIT, "3")
        self.add_holiday()
        # the editor is not kept waiting: nothing moved yet, and it shows
        self.assertEqual(self.snapshot(), before)
        update = self.env["sla.update"].search([], limit=1)
        self.assertEqual((update.kind, update.total), ("reschedule", len(self.clocks)))
        self.assertTrue(all(self.tickets.mapped("sla_updating")))
        # later, the job moves them as of the edit
        self.run_updates(MONDAY + timedelta(hours=5))
        self.assertEqual(self.snapshot(), at_once)
        self.assertEqual(
            (update.state, update.done, update.progress), ("done", 16, 100)
        )
        self.tickets.invalidate_recordset(["sla_updating"])
        self.assertFalse(any(self.tickets.mapped("sla_updating")))

    def test_a_large_target_edit_reapplies_the_sla_in_the_background(self):
        at_once = self.applied_at_once(self.raise_targets)
        self.env["ir.config_parameter"].set_param(LIMIT, "3")
        self.raise_targets()
        update = self.env["sla.update"].search([], limit=1)
        open_bronze = self.env["helpdesk.ticket"].search_count(
            [("sla_tier_id", "=", self.bronze.id), ("closed", "=", False)]
        )
        self.assertEqual((update.kind, update.total), ("reapply", open_bronze))
        self.run_updates(MONDAY + timedelta(hours=6), batch_size=3)
        self.assertEqual(self.snapshot(), at_once)

    def test_a_crash_mid_way_loses_nothing_and_does_nothing_twice(self):
        at_once = self.applied_at_once(self.add_holiday)
        self.env["ir.config_parameter"].set_param(LIMIT, "3")
        self.add_holiday()
        Clock = type(self.env["sla.clock"])
        original = Clock._reschedule
        committed, attempts = [], []

        def flaky(clocks, now, tr=None):
            attempts.append(clocks.ids)
            if len(attempts) == 2:
                raise RuntimeError("worker killed")
            return original(clocks, now, tr=tr)

        update = self.env["sla.update"].search([], limit=1)
        with (
            patch.object(Clock, "_reschedule", flaky),
            freeze_time(MONDAY + timedelta(hours=5)),
        ):
            while update.state == "pending":
                try:
                    # each batch is a transaction of its own in the cron
                    with self.env.cr.savepoint():
                        self.env["sla.update"]._cron_apply(batch_size=5)
                        committed.append(attempts[-1])
                except RuntimeError:
                    self.env.invalidate_all()
        done = [clock_id for batch in committed for clock_id in batch]
        self.assertEqual(sorted(done), sorted(self.clocks.ids))
        self.assertEqual(len(attempts), len(committed) + 1)
        self.assertEqual(self.snapshot(), at_once)
        self.env.cr.execute("SELECT count(*) FROM sla_update_item")
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_the_real_cron_drains_the_update_in_one_wake_up(self):
        at_once = self.applied_at_once(self.add_holiday)
        self.env["ir.config_parameter"].set_param(LIMIT, "3")
        driver = CronDriver(self, ["sla_contract.ir_cron_sla_update"])
        self.add_holiday()
        self.assertTrue(driver.triggers())
        # a batch of 5 per call: Odoo calls the job again while it reports
        # work left, up to 10 times in one wake-up
        with patch.object(sla_update, "BATCH", 5):
            driver.poll(MONDAY + timedelta(hours=2, minutes=1))
        self.assertEqual(self.snapshot(), at_once)
        self.assertEqual(self.env["sla.update"].search([]).state, "done")
