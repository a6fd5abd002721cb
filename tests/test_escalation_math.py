"""The escalation engine's pure time math (sla_escalation/engine/escalation_math.py)."""

import importlib.util
import unittest
from datetime import datetime, timedelta
from pathlib import Path

_PATH = (
    Path(__file__).resolve().parents[1]
    / "sla_escalation"
    / "engine"
    / "escalation_math.py"
)
_SPEC = importlib.util.spec_from_file_location("escalation_math_under_test", _PATH)
em = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(em)
REPLY, STAGE, Threshold = em.REPLY, em.STAGE, em.Threshold

T0 = datetime(2027, 1, 18, 8, 0)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


class TestEscalationMath(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.thresholds = [
            Threshold(3, at(240), 100.0, 30),
            Threshold(1, at(120), 50.0, 10),
            Threshold(2, at(180), 75.0, 20),
            Threshold(4, False, 150.0, 40),  # paused: no instant
        ]

    def test_due_in_order_and_once(self):
        cases = [
            (at(119), set(), []),
            (at(120), set(), [1]),
            (at(300), set(), [1, 2, 3]),
            (at(300), {1}, [2, 3]),
            (at(300), {1, 2, 3}, []),
        ]
        for now, fired, expected in cases:
            with self.subTest(now=now, fired=fired):
                due = em.due(self.thresholds, fired, now)
                self.assertEqual([t.rule_id for t in due], expected)

    def test_next_instant(self):
        self.assertEqual(em.next_instant(self.thresholds, set()), at(120))
        self.assertEqual(em.next_instant(self.thresholds, {1, 2}), at(240))
        self.assertIsNone(em.next_instant(self.thresholds, {1, 2, 3}))

    def test_equal_instants_follow_the_matrix(self):
        same = [Threshold(9, at(60), 100.0, 5), Threshold(8, at(60), 75.0, 50)]
        self.assertEqual([t.rule_id for t in em.due(same, set(), at(60))], [8, 9])

    def test_thresholds_before_the_rule_took_effect_never_fire(self):
        # rule 1 (50%, reached at 120) took effect at 150; rule 2 (75%, at
        # 180) at 150 too; rule 3 (100%, at 240) applies to every threshold
        changed = [
            Threshold(1, at(120), 50.0, 10, at(150)),
            Threshold(2, at(180), 75.0, 20, at(150)),
            Threshold(3, at(240), 100.0, 30),
        ]
        cases = [
            (at(150), []),
            (at(180), [2]),
            (at(300), [2, 3]),
        ]
        for now, expected in cases:
            with self.subTest(now=now):
                due = em.due(changed, set(), now)
                self.assertEqual([t.rule_id for t in due], expected)
        # nobody is woken for the skipped one
        self.assertEqual(em.next_instant(changed, set()), at(180))
        self.assertEqual(em.next_instant(changed[:1], set()), None)

    def test_in_effect(self):
        cases = [
            (at(10), None, True),
            (at(10), at(10), True),
            (at(10), at(11), False),
            (at(12), at(11), True),
            (False, None, False),
        ]
        for reached, effective_from, expected in cases:
            with self.subTest(reached=reached, effective_from=effective_from):
                self.assertIs(em.in_effect(reached, effective_from), expected)

    def test_lateness(self):
        self.assertEqual(em.lateness_seconds(at(0), at(1)), 0.0)
        self.assertEqual(em.lateness_seconds(at(0), at(30)), 1800.0)

    def test_least_loaded(self):
        cases = [
            ([(1, 3), (2, 0), (3, 0)], (), 2),
            ([(1, 3), (2, 0)], {2}, 1),
            ([(1, 1)], {1}, None),
            ([], (), None),
        ]
        for loads, exclude, expected in cases:
            with self.subTest(loads=loads, exclude=exclude):
                self.assertEqual(em.least_loaded(loads, exclude), expected)

    def test_progress(self):
        history = [(at(30), STAGE), (at(90), REPLY)]
        self.assertTrue(em.made_progress(history, at(0)))
        self.assertTrue(em.made_progress(history, at(60)))
        self.assertFalse(em.made_progress(history, at(90)))
        self.assertTrue(em.has_reply(history, at(0)))
        self.assertFalse(em.has_reply([(at(30), STAGE)], at(0)))
        self.assertEqual(em.last_activity(history, at(0)), at(90))
        self.assertEqual(em.last_activity([], at(0)), at(0))

    def test_stalled(self):
        self.assertTrue(em.is_stalled(360, 1440, 25))
        self.assertFalse(em.is_stalled(359, 1440, 25))
