from datetime import datetime, timedelta

from odoo.addons.sla_contract.tests.cron_driver import POLL, CronDriver
from odoo.tests import tagged

from .common import P1, EscalationCase

T0 = datetime(2027, 3, 1, 8, 0, 0)
FIRST_POLL = T0 + timedelta(seconds=23)


@tagged("post_install", "-at_install")
class TestEscalationCronTriggers(EscalationCase):
    """Both SLA jobs started by their trigger rows alone, as a live server
    runs them: every step of the matrix fires at the first wake-up after
    its instant, never at the next safety-net round."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.cr.execute(
            "UPDATE sla_clock SET stopped_at = start_at, state = 'cancelled',"
            " sla_escalation_at = NULL WHERE stopped_at IS NULL"
        )
        cls.env.invalidate_all()

    def setUp(self):
        super().setUp()
        self.driver = CronDriver(
            self,
            [
                "sla_contract.ir_cron_sla_breach",
                "sla_escalation.ir_cron_sla_escalation",
            ],
        )
        self.env["ir.cron.trigger"].sudo().search(
            [("cron_id", "in", self.driver.crons.ids)]
        ).unlink()
        self.driver.only_triggers(T0)

    def open_at(self, at):
        with self.driver.at(at):
            ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": "Platinum outage",
                    "description": "Checkout is down.",
                    "partner_id": self.customers["Platinum"].id,
                    "priority": P1,
                    "team_id": self.team.id,
                    "user_id": self.agent.id,
                }
            )
            self.env.cr.precommit.run()
        return ticket

    def test_every_step_fires_within_one_wake_up(self):
        # Two tickets eleven minutes apart: their steps interleave.
        tickets = self.open_at(T0) | self.open_at(T0 + timedelta(minutes=11))
        clocks = tickets.sla_clock_ids
        steps = {
            (clock, rule): clock._instant_at(rule.threshold_percent)
            for clock in clocks
            for rule in self.rules.values()
            if rule.metric == clock.metric
        }
        thresholds = [
            (clock, what) for clock in clocks for what in ("at_risk", "breach")
        ]

        def check(now):
            triggers = [at for _cron, at in self.driver.triggers()]
            self.assertTrue(all(at > now for at in triggers), (now, triggers))

        last = max(steps.values())
        self.driver.run_until(FIRST_POLL, last + 2 * POLL, check=check)

        events = self.env["sla.escalation.event"].search(
            [("ticket_id", "in", tickets.ids)]
        )
        self.assertEqual(len(events), len(steps))
        self.assertEqual(set(events.mapped("state")), {"done"})
        for event in events:
            due = steps[(event.clock_id, event.rule_id)]
            self.assertEqual(event.due_at, due)
            late = event.fired_at - due
            self.assertGreaterEqual(late, timedelta(0))
            self.assertLess(late, POLL, f"{event.rule_id.name} fired {late} late")
            self.assertFalse(event.late_minutes, event.rule_id.name)
        # the clock job's own thresholds, on the same wake-ups
        for clock, what in thresholds:
            reached = clock.at_risk_reached if what == "at_risk" else clock.breached_at
            self.assertTrue(reached, (clock.display_name, what))
        breaches = self.env["sla.breach"].search([("clock_id", "in", clocks.ids)])
        self.assertEqual(len(breaches), len(clocks))
        self.assertFalse(self.driver.triggers())
