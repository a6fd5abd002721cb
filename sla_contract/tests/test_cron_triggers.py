from datetime import datetime, timedelta

from odoo.tests import tagged

from .common import SlaCase
from .cron_driver import POLL, CronDriver

P1 = "3"
T0 = datetime(2027, 3, 1, 8, 0, 0)
# Wake-ups fall between thresholds, never on them, as on a live server.
FIRST_POLL = T0 + timedelta(seconds=17)


@tagged("post_install", "-at_install")
class TestCronTriggers(SlaCase):
    """The clock job is started by its trigger rows alone, run after run,
    and every threshold is handled at the first wake-up after its instant."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only this case's clocks count; the demo's are left out of the job.
        cls.env.cr.execute(
            "UPDATE sla_clock SET stopped_at = start_at, state = 'cancelled'"
            " WHERE stopped_at IS NULL"
        )
        cls.env.invalidate_all()
        cls.contracts["Platinum"].sla_slo_percent = 80.0
        cls.contracts["Gold"].sla_slo_percent = 80.0

    def setUp(self):
        super().setUp()
        self.driver = CronDriver(self, ["sla_contract.ir_cron_sla_breach"])
        self.env["ir.cron.trigger"].sudo().search(
            [("cron_id", "in", self.driver.crons.ids)]
        ).unlink()
        self.driver.only_triggers(T0)

    def open_at(self, tier, at):
        with self.driver.at(at):
            return self.env["helpdesk.ticket"].create(
                {
                    "name": f"{tier} outage",
                    "description": "Down.",
                    "partner_id": self.customers[tier].id,
                    "priority": P1,
                    "team_id": self.team.id,
                    "user_id": self.agent.id,
                }
            )

    def thresholds(self, clocks):
        """{(clock, what): instant} of every threshold the job handles."""
        result = {}
        for clock in clocks:
            result[(clock, "at_risk")] = clock.at_risk_at
            result[(clock, "slo")] = clock.slo_deadline
            result[(clock, "breach")] = clock.deadline
        return result

    def reached(self, clock, what):
        return {
            "at_risk": clock.at_risk_reached,
            "slo": clock.slo_missed,
            "breach": clock.state == "breached",
        }[what]

    def test_every_threshold_fires_within_one_wake_up(self):
        # Two tickets whose thresholds interleave: a run woken by one must
        # leave a wake-up for the other's next instant.
        tickets = self.open_at("Platinum", T0) | self.open_at(
            "Gold", T0 + timedelta(minutes=4)
        )
        clocks = tickets.sla_clock_ids
        expected = self.thresholds(clocks)
        fired = {}

        def check(now):
            for key in expected:
                if key not in fired and self.reached(*key):
                    fired[key] = now
            triggers = [at for _cron, at in self.driver.triggers()]
            # none left behind: what was due has been run and cleared
            self.assertTrue(all(at > now for at in triggers), (now, triggers))
            # none missing: the next threshold has a wake-up at or before it
            pending = [at for key, at in expected.items() if key not in fired]
            if pending:
                self.assertTrue(triggers, f"no wake-up left at {now}")
                self.assertLessEqual(triggers[0], min(pending), now)

        last = max(expected.values())
        self.driver.run_until(FIRST_POLL, last + 2 * POLL, check=check)

        self.assertEqual(set(fired), set(expected))
        for key, instant in expected.items():
            late = fired[key] - instant
            self.assertGreaterEqual(late, timedelta(0), key)
            self.assertLess(late, POLL, f"{key[1]} of {key[0].display_name}")
        # each wake-up ran the job only when something was due
        runs = [at for at, ran in self.driver.runs if ran]
        self.assertLessEqual(len(runs), len(set(expected.values())))
        self.assertFalse(self.driver.triggers())

    def test_a_wake_up_asked_during_a_run_is_kept(self):
        # A ticket created while the job runs (its own trigger row still
        # due) must get its own wake-up, not rely on that row.
        first = self.open_at("Platinum", T0)
        at_risk = self.clock(first, "response").at_risk_at
        poll = at_risk + timedelta(seconds=5)
        with self.driver.at(poll):
            self.env.flush_all()
            self.assertTrue(any(at <= poll for _c, at in self.driver.triggers()))
            second = self.env["helpdesk.ticket"].create(
                {
                    "name": "Another outage",
                    "description": "Down too.",
                    "partner_id": self.customers["Platinum"].id,
                    "priority": P1,
                    "team_id": self.team.id,
                }
            )
        second_at_risk = self.clock(second, "response").at_risk_at
        self.assertIn(second_at_risk, [at for _c, at in self.driver.triggers()])
        self.driver.poll(poll)
        self.driver.poll(second_at_risk + timedelta(seconds=30))
        self.assertTrue(self.clock(second, "response").at_risk_reached)
