"""A rule applies to the thresholds reached after it takes effect: a new or
changed rule never fires at once on the open tickets already past it, unless
the manager applies it to them, knowing how many would fire."""

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import P1, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday; Bronze P1: 4 h to respond
TEN_PERCENT = local(2027, 1, 18, 9, 24)


@tagged("post_install", "-at_install")
class TestRuleTakesEffect(EscalationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Only this case's clocks count as open.
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE sla_clock SET stopped_at = start_at WHERE stopped_at IS NULL"
        )
        cls.env.invalidate_all()
        cls.helpdesk_manager = cls.env["res.users"].create(
            {
                "name": "Helpdesk Boss",
                "login": "esc_effect_boss",
                "email": "boss@example.com",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )
        cls.Rule = cls.env["sla.escalation.rule"].with_user(cls.helpdesk_manager)

    def new_rule(self, at, **vals):
        with freeze_time(at):
            return self.Rule.create(
                {
                    "name": "Response 10%",
                    "metric": "response",
                    "threshold_percent": 10,
                    "notify_role_ids": [
                        (6, 0, self.env.ref("sla_escalation.role_agent").ids)
                    ],
                    **vals,
                }
            )

    def rule_events(self, ticket, rule):
        return self.events(ticket).filtered(lambda e: e.rule_id == rule)

    def test_new_rule_skips_the_thresholds_already_past(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        response = self.clock(ticket, "response")
        rule = self.new_rule(local(2027, 1, 18, 10, 30))
        self.assertEqual(rule.effective_from, local(2027, 1, 18, 10, 30))
        # 09:24 was before the rule: the next instant stays the 50% one
        self.assertEqual(response.sla_escalation_at, local(2027, 1, 18, 11, 0))
        for at in (
            local(2027, 1, 18, 10, 30),
            local(2027, 1, 18, 11, 0),
            local(2027, 1, 18, 12, 0),
        ):
            self.run_job(at)
        self.assertFalse(self.rule_events(ticket, rule), "neither now nor later")
        self.assertFalse(self.events(ticket).filtered("late_minutes"))
        # a ticket reaching 10% after the rule took effect escalates on time
        later = self.open_ticket("Bronze", P1, local(2027, 1, 18, 10, 45))
        self.assertEqual(
            self.clock(later, "response").sla_escalation_at,
            local(2027, 1, 18, 11, 9),
        )
        self.run_job(local(2027, 1, 18, 11, 9))
        event = self.rule_events(later, rule)
        self.assertEqual(event.state, "done")
        self.assertFalse(event.late_minutes)

    def test_changed_threshold_applies_from_the_change(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        response = self.clock(ticket, "response")
        rule = self.rules["response_100"].with_user(self.helpdesk_manager)
        # 30% was reached at 10:12, before the change: it never fires
        with freeze_time(local(2027, 1, 18, 10, 30)):
            rule.threshold_percent = 30
        self.assertEqual(rule.effective_from, local(2027, 1, 18, 10, 30))
        self.run_job(local(2027, 1, 18, 10, 30))
        self.assertFalse(self.rule_events(ticket, rule))
        # saving the same value again changes nothing
        with freeze_time(local(2027, 1, 18, 10, 35)):
            rule.write({"threshold_percent": 30, "level_name": "management"})
        self.assertEqual(rule.effective_from, local(2027, 1, 18, 10, 30))
        # 90% falls at 12:36, after this change: it fires then, on time
        with freeze_time(local(2027, 1, 18, 10, 40)):
            rule.threshold_percent = 90
        self.assertEqual(response.sla_escalation_at, local(2027, 1, 18, 11, 0))
        for at in (
            local(2027, 1, 18, 11, 0),
            local(2027, 1, 18, 12, 0),
            local(2027, 1, 18, 12, 36),
        ):
            self.run_job(at)
        event = self.rule_events(ticket, rule)
        self.assertEqual(event.due_at, local(2027, 1, 18, 12, 36))
        self.assertFalse(event.late_minutes)

    def test_reactivated_rule_applies_from_its_reactivation(self):
        rule = self.rules["response_50"].with_user(self.helpdesk_manager)
        rule.active = False
        ticket = self.open_ticket("Bronze", P1, OPENED)
        with freeze_time(local(2027, 1, 18, 11, 30)):
            rule.active = True
        self.run_job(local(2027, 1, 18, 11, 30))
        self.assertFalse(self.rule_events(ticket, rule))
        self.assertEqual(rule.effective_from, local(2027, 1, 18, 11, 30))
        self.run_job(local(2027, 1, 18, 12, 0))
        self.assertEqual(set(self.fired(ticket)), {"response_75"})

    def test_apply_to_open_tickets_shows_the_count_then_fires_now(self):
        past = self.open_ticket("Bronze", P1, OPENED)
        also_past = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 30))
        not_yet = self.open_ticket("Bronze", P1, local(2027, 1, 18, 10, 20))
        now = local(2027, 1, 18, 10, 30)
        with freeze_time(now):
            form = Form(self.Rule)
            form.name = "Response 10%"
            form.metric = "response"
            form.threshold_percent = 10
            self.assertEqual(form.apply_to_open_count, 2)
            self.assertEqual(
                form.apply_to_open_warning,
                "2 open clocks are already past this threshold: they do not "
                "fire unless you tick Apply to Open Tickets Now.",
            )
            form.apply_to_open = True
            self.assertEqual(
                form.apply_to_open_warning,
                "2 open clocks are already past this threshold and would fire now.",
            )
            rule = form.save()
        self.assertFalse(rule.effective_from, "applies to every threshold")
        self.assertFalse(rule.apply_to_open, "a decision of that save only")
        self.assertEqual(self.clock(past, "response").sla_escalation_at, TEN_PERCENT)
        self.run_job(now)
        self.assertEqual(self.rule_events(past, rule).due_at, TEN_PERCENT)
        self.assertTrue(self.rule_events(past, rule).late_minutes)
        self.assertTrue(self.rule_events(also_past, rule))
        self.assertFalse(self.rule_events(not_yet, rule))
        with freeze_time(now):
            self.assertEqual(rule.apply_to_open_count, 0, "nothing left to fire")
        self.run_job(local(2027, 1, 18, 10, 44))
        self.assertTrue(self.rule_events(not_yet, rule))
