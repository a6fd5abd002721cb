import threading
import time
from datetime import timedelta
from unittest.mock import patch

import psycopg2

from odoo import api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import P1, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)


@tagged("post_install", "-at_install")
class TestExactlyOnce(EscalationCase):
    def test_second_firing_is_refused_by_the_database(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        clock = self.clock(ticket, "response")
        rule = self.rules["response_50"]
        due = local(2027, 1, 18, 11, 0)
        first = clock._sla_fire(rule, due, due)
        # a second worker that did not see the lock: nothing, no action
        second = clock._sla_fire(rule, due, due)
        self.assertTrue(first)
        self.assertFalse(second)
        self.assertEqual(len(ticket.activity_ids), 1)
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            with self.env.cr.savepoint():
                self.env["sla.escalation.event"].create(
                    {
                        "clock_id": clock.id,
                        "rule_id": rule.id,
                        "ticket_id": ticket.id,
                    }
                )
                self.env.flush_all()

    def test_race_on_a_shared_row_is_retried_not_failed(self):
        """Two workers alerting the same agent or customer collide on their
        partner row (a serialization failure): the firing is rolled back and
        the clock fires in the next run, instead of being recorded as failed
        and never done (found by bench/escalation_two_servers.py)."""
        ticket = self.open_ticket("Bronze", P1, OPENED)
        clock = self.clock(ticket, "response")
        due_at = clock.sla_escalation_at
        at = local(2027, 1, 18, 11, 0)
        clock_model = type(self.env["sla.clock"])
        run_actions = clock_model._sla_run_actions

        def collide(*args, **kwargs):
            # what PostgreSQL raises on a row another worker updated
            self.env.cr.execute(
                "DO $$ BEGIN RAISE serialization_failure"
                " USING MESSAGE = 'concurrent update'; END $$",
                log_exceptions=False,
            )

        with (
            patch.object(clock_model, "_sla_run_actions", collide),
            mute_logger("odoo.sql_db"),
        ):
            self.run_job(at)
        self.assertFalse(self.events(ticket))
        self.assertEqual(clock.sla_escalation_at, due_at)
        self.assertTrue(
            self.env["ir.cron.trigger"].search(
                [
                    ("cron_id", "=", self.cron.id),
                    ("call_at", "<=", at + timedelta(seconds=1)),
                ]
            ),
            "the job is woken again for the clock left due",
        )
        self.assertIs(clock_model._sla_run_actions, run_actions)
        self.run_job(at)
        self.assertEqual(list(self.fired(ticket)), ["response_50"])
        self.assertFalse(self.events(ticket, "failed"))
        self.assertEqual(len(ticket.activity_ids), 1)


@tagged("post_install", "-at_install")
class TestTwoWorkers(TransactionCase):
    """Two real cursors on committed rows (the demo's open clocks): the
    test changes nothing it does not roll back or delete."""

    def _demo_clock(self, cr):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        clock = env["sla.clock"].search(
            [("stopped_at", "=", False), ("sla_escalation_at", "!=", False)], limit=1
        )
        if not clock:
            self.skipTest("needs the demo's open clocks")
        return env, clock

    def test_due_clocks_are_split_between_workers(self):
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a, _clock = self._demo_clock(cr_a)
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})
            far = local(2040, 1, 1, 0, 0)
            taken_a = env_a["sla.clock"]._sla_lock_due(far, 1000)
            taken_b = env_b["sla.clock"]._sla_lock_due(far, 1000)
            self.assertTrue(taken_a)
            self.assertFalse(set(taken_a.ids) & set(taken_b.ids))
            cr_a.rollback()
            cr_b.rollback()

    def _wait_blocked_by(self, cr, pid, blocker, deadline=30.0):
        """Wait until the backend `pid` waits on a lock `blocker` holds, as
        PostgreSQL's isolation tester does: by asking the server, not by
        guessing a delay. False if it never does within `deadline` seconds."""
        started = time.monotonic()
        while time.monotonic() - started < deadline:
            cr.execute("SELECT %s = ANY(pg_blocking_pids(%s))", [blocker, pid])
            if cr.fetchone()[0]:
                return True
        return False

    def test_concurrent_claims_fire_once(self):
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_watch:
            env_a, clock = self._demo_clock(cr_a)
            fired = clock._sla_fired_rule_ids()[clock.id]
            rule = env_a["sla.escalation.rule"].search(
                [("metric", "=", clock.metric), ("id", "not in", list(fired))], limit=1
            )
            if not rule:
                self.skipTest("every rule fired on the demo clock")
            cr_a.execute("SELECT pg_backend_pid()")
            pid_a = cr_a.fetchone()[0]
            result = {}
            b_started = threading.Event()

            # B's cursor and environment are made here: an environment asks
            # for the registry under its class lock, which Odoo's own test
            # runner holds while it runs the tests.
            cr_b = self.registry.cursor()
            env_b = api.Environment(cr_b, api.SUPERUSER_ID, {})

            def worker_b():
                with cr_b:
                    # B's snapshot is taken here, before A commits
                    cr_b.execute("SELECT pg_backend_pid()")
                    result["pid"] = cr_b.fetchone()[0]
                    b_started.set()
                    claimed = (
                        env_b["sla.clock"]
                        .browse(clock.id)
                        ._sla_claim(env_b["sla.escalation.rule"].browse(rule.id), {})
                    )
                    result["b"] = claimed.ids
                    cr_b.rollback()

            claimed_a = clock._sla_claim(rule, {})
            self.assertTrue(claimed_a)
            thread = threading.Thread(target=worker_b)
            thread.start()
            try:
                self.assertTrue(b_started.wait(30), "worker B never started")
                # B waits on A's uncommitted firing, as PostgreSQL says
                self.assertTrue(
                    self._wait_blocked_by(cr_watch, result["pid"], pid_a),
                    "worker B's claim is not waiting on worker A's",
                )
                self.assertNotIn("b", result)
                cr_a.commit()
                thread.join(30)
                self.assertFalse(thread.is_alive())
                self.assertEqual(result.get("b"), [])
            finally:
                thread.join(30)
                # through the ORM: the ticket's escalation flag follows
                claimed_a.unlink()
                cr_a.commit()
