"""One write over several tickets: their clocks are rescheduled together,
in one pass, and the job then fires each ticket's steps once."""

from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from .common import P1, P3, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday
RESPONSE_STEPS = {"response_50", "response_75", "response_100"}


@tagged("post_install", "-at_install")
class TestEscalationBatch(EscalationCase):
    def count(self, tickets):
        return self.env["sla.escalation.event"].search_count(
            [("ticket_id", "in", tickets.ids)]
        )

    def instants(self, tickets):
        return [self.clock(t, "response").sla_escalation_at for t in tickets]

    def save(self, tickets, at, vals):
        """One write over the tickets, as the agent saves it from the list;
        returns the clocks each escalation reschedule covered."""
        Clock = type(self.env["sla.clock"])
        schedule = Clock._sla_escalation_schedule
        calls = []

        def recording(clocks, *args, **kwargs):
            calls.append(clocks)
            return schedule(clocks, *args, **kwargs)

        with (
            freeze_time(at),
            patch.object(Clock, "_sla_escalation_schedule", recording),
        ):
            tickets.with_user(self.agent).with_context(tracking_disable=False).write(
                vals
            )
            self.env.cr.precommit.run()
        return calls

    def test_one_write_reschedules_every_ticket_and_each_fires_once(self):
        tickets = self.env["helpdesk.ticket"].union(
            *(self.open_ticket("Bronze", P3, OPENED) for _index in range(3))
        )
        clocks = tickets.sla_clock_ids
        # Bronze P3: 24 business hours to respond, 50% on Tuesday at 13:00
        self.assertEqual(self.instants(tickets), [local(2027, 1, 19, 13, 0)] * 3)

        # Raised to P1 at 12:30: 50% (11:00) and 75% (12:00) are behind
        # them, 100% at 13:00. One reschedule for the six clocks.
        calls = self.save(tickets, local(2027, 1, 18, 12, 30), {"priority": P1})
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0], clocks)
        self.assertEqual(self.instants(tickets), [local(2027, 1, 18, 11, 0)] * 3)
        self.run_job(local(2027, 1, 18, 12, 30))
        for ticket in tickets:
            self.assertEqual(set(self.fired(ticket)), {"response_50", "response_75"})
        self.assertEqual(self.instants(tickets), [local(2027, 1, 18, 13, 0)] * 3)

        # All three wait on the customer from 12:45: nothing fires at 13:00
        calls = self.save(
            tickets, local(2027, 1, 18, 12, 45), {"stage_id": self.stage_waiting.id}
        )
        self.assertEqual(len(calls), 1)
        self.assertEqual(self.instants(tickets), [False] * 3)
        self.run_job(local(2027, 1, 18, 13, 0))
        self.assertEqual(self.count(tickets), 6)

        # Back at 13:45: the quarter of an hour left runs to 14:00
        calls = self.save(
            tickets, local(2027, 1, 18, 13, 45), {"stage_id": self.stage_progress.id}
        )
        self.assertEqual(len(calls), 1)
        self.assertEqual(self.instants(tickets), [local(2027, 1, 18, 14, 0)] * 3)
        self.run_job(local(2027, 1, 18, 13, 59))
        self.assertEqual(self.count(tickets), 6)
        self.run_job(local(2027, 1, 18, 14, 0))
        self.run_job(local(2027, 1, 18, 14, 0))
        for ticket in tickets:
            fired = self.fired(ticket)
            self.assertEqual(set(fired), RESPONSE_STEPS)
            self.assertEqual(fired["response_100"].due_at, local(2027, 1, 18, 14, 0))
        self.assertEqual(self.count(tickets), 9)
        self.assertTrue(all(tickets.mapped("sla_escalated")))
        self.assertEqual(self.instants(tickets), [False] * 3)
