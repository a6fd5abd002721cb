import logging
from unittest.mock import patch

from odoo.tests import tagged

from .common import P1, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@tagged("post_install", "-at_install")
class TestHandledConflicts(EscalationCase):
    """A concurrent update the job handles is no error for the operator:
    counted, reported once at INFO, and the clock escalated later."""

    def test_a_handled_conflict_is_counted_never_logged_as_an_error(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        Clock = type(self.env["sla.clock"])
        original = Clock._sla_escalate
        tries = []

        def contended(clock, now, rule_map):
            if not tries:
                tries.append(clock.id)
                # what PostgreSQL answers the second of two workers on a row
                clock.env.cr.execute(
                    "DO $$ BEGIN RAISE EXCEPTION 'could not serialize access' "
                    "USING ERRCODE = 'serialization_failure'; END $$"
                )
            return original(clock, now, rule_map)

        records = _Records()
        for name in ("odoo.sql_db", "odoo.addons.sla_escalation.models.sla_clock"):
            logger = logging.getLogger(name)
            logger.addHandler(records)
            self.addCleanup(logger.removeHandler, records)
            self.addCleanup(logger.setLevel, logger.level)
            logger.setLevel(logging.INFO)
        with patch.object(Clock, "_sla_escalate", contended):
            self.run_job(local(2027, 1, 18, 11, 0))
        errors = [r for r in records.records if r.levelno >= logging.ERROR]
        self.assertEqual(errors, [])
        counted = [
            r.getMessage()
            for r in records.records
            if "concurrent updates met and handled" in r.getMessage()
        ]
        self.assertEqual(
            counted, ["SLA escalation job: 1 concurrent updates met and handled"]
        )
        self.assertFalse(self.fired(ticket))
        # the clock stays due: the next run escalates it
        self.run_job(local(2027, 1, 18, 11, 1))
        self.assertIn("response_50", self.fired(ticket))
