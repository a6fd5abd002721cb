"""Regression tests of the clock lifecycle: every transition a ticket goes
through, and the rule that a stopped clock is final.

Times are Brussels wall-clock on the shipped Bronze tier (Mon-Fri
09:00-17:00) unless stated. 18 January 2027 is a Monday.
"""

from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, TransactionCase

from .common import SlaCase, local

P1, P2, P3, P4 = "3", "2", "1", "0"


class LifecycleCase(SlaCase):
    def reply(self, ticket, at, user=None):
        with freeze_time(at):
            ticket.with_user(user or self.agent).message_post(
                body="We are on it.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

    def run_breach_job(self, at):
        with freeze_time(at):
            self.env["sla.clock"]._cron_mark_breaches()

    def breaches(self, ticket):
        return self.env["sla.breach"].search([("ticket_id", "=", ticket.id)])


class TestFormIntake(LifecycleCase):
    def test_ticket_typed_in_the_form_gets_the_customers_sla(self):
        with freeze_time(local(2027, 1, 18, 9, 0)):
            form = Form(self.env["helpdesk.ticket"])
            form.name = "Phone call: site down"
            form.description = "Customer called, site is down."
            form.partner_id = self.customers["Platinum"]
            form.priority = P1
            form.team_id = self.team
            ticket = form.save()
        self.assertEqual(ticket.sla_contract_id, self.contracts["Platinum"])
        self.assertEqual(ticket.sla_tier_id, self.platinum)
        self.assertEqual(len(ticket.sla_clock_ids), 2)
        self.assertEqual(
            self.clock(ticket, "response").deadline, local(2027, 1, 18, 9, 15)
        )

    def test_explicit_false_contract_is_filled_like_an_absent_one(self):
        ticket = self.open_ticket(
            "Gold", P1, local(2027, 1, 18, 9, 0), sla_contract_id=False
        )
        self.assertEqual(ticket.sla_contract_id, self.contracts["Gold"])
        self.assertTrue(ticket.sla_clock_ids)


class TestPausedStop(LifecycleCase):
    def test_closing_from_a_waiting_stage_judges_the_business_time_used(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.reply(ticket, local(2027, 1, 18, 9, 30))
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 10, 0))
        self.move(ticket, self.stage_done, local(2027, 1, 21, 10, 0))
        resolution = self.clock(ticket, "resolution")
        self.assertEqual(resolution.consumed_minutes, 60)
        self.assertEqual(resolution.state, "met")
        self.assertFalse(resolution.breached_at)
        self.assertFalse(self.breaches(ticket))

    def test_reply_during_a_pause_meets_the_response(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 9, 30))
        self.reply(ticket, local(2027, 1, 21, 10, 0))
        response = self.clock(ticket, "response")
        self.assertEqual(response.state, "met")
        self.assertEqual(response.consumed_minutes, 30)
        self.assertFalse(self.breaches(ticket))


class TestSlaGoesAway(LifecycleCase):
    def test_customer_without_contract_cancels_the_open_clocks(self):
        nobody = self.env["res.partner"].create({"name": "No contract Ltd"})
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 10, 0)):
            ticket.partner_id = nobody
        self.assertFalse(ticket.sla_contract_id)
        self.assertFalse(ticket.sla_tier_id)
        for metric in ("response", "resolution"):
            clock = self.clock(ticket, metric)
            self.assertEqual(clock.state, "cancelled")
            self.assertEqual(clock.stopped_at, local(2027, 1, 18, 10, 0))
        self.run_breach_job(local(2027, 1, 20, 9, 0))
        self.assertFalse(self.breaches(ticket))
        self.assertEqual(ticket.sla_state, "cancelled")
        self.assertFalse(ticket.sla_next_deadline)

    def test_clearing_the_contract_cancels_the_open_clocks(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.reply(ticket, local(2027, 1, 18, 9, 30))
        with freeze_time(local(2027, 1, 18, 10, 0)):
            ticket.sla_contract_id = False
        self.assertEqual(self.clock(ticket, "response").state, "met", "final")
        self.assertEqual(self.clock(ticket, "resolution").state, "cancelled")

    def test_clearing_the_priority_cancels_the_open_clocks(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 10, 0)):
            ticket.priority = False
        self.assertEqual(
            set(ticket.sla_clock_ids.mapped("state")), {"cancelled"}, "no target"
        )
        self.run_breach_job(local(2027, 1, 18, 14, 0))
        self.assertFalse(self.breaches(ticket))

    def test_closing_as_cancelled_or_rejected_counts_neither_way(self):
        cancelled = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_cancelled")
        rejected = self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_rejected")
        for stage in (cancelled, rejected):
            ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
            self.move(ticket, stage, local(2027, 1, 18, 10, 0))
            self.assertEqual(
                set(ticket.sla_clock_ids.mapped("state")), {"cancelled"}, stage.name
            )
        done = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.move(done, self.stage_done, local(2027, 1, 18, 10, 0))
        self.assertEqual(set(done.sla_clock_ids.mapped("state")), {"met"})

    def test_sla_back_after_it_went_away_starts_a_new_cycle(self):
        nobody = self.env["res.partner"].create({"name": "No contract Ltd"})
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 10, 0)):
            ticket.partner_id = nobody
        with freeze_time(local(2027, 1, 18, 11, 0)):
            ticket.partner_id = self.customers["Bronze"]
        response = self.clock(ticket, "response")
        self.assertEqual(response.cycle, 2)
        self.assertEqual(response.state, "running")
        self.assertEqual(response.deadline, local(2027, 1, 18, 15, 0))


class TestRetarget(LifecycleCase):
    def test_measurement_only_follows_the_contract(self):
        penalties_now = self.env["contract.contract"].create(
            {
                "name": "Gold with penalties",
                "partner_id": self.customers["Gold"].id,
                "contract_type": "sale",
                "sla_tier_id": self.gold.id,
                "sla_date_start": date(2026, 1, 1),
                "date_start": date(2026, 1, 1),
                "sla_penalty_date": date(2026, 1, 1),
            }
        )
        ticket = self.open_ticket(
            "Gold",
            P1,
            local(2026, 3, 2, 9, 0),
            sla_contract_id=self.contracts["Gold"].id,
        )
        self.assertTrue(self.clock(ticket, "resolution").measurement_only)
        with freeze_time(local(2026, 3, 2, 9, 10)):
            ticket.sla_contract_id = penalties_now
        self.assertFalse(self.clock(ticket, "resolution").measurement_only)
        self.assertFalse(self.clock(ticket, "response").measurement_only)

    def test_stopped_clock_and_analysed_breach_survive_reopen_and_retarget(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.move(ticket, self.stage_done, local(2027, 1, 19, 9, 0))
        response = self.clock(ticket, "response")
        self.assertEqual(response.state, "breached")
        breach = self.breaches(ticket)
        breach.write({"cause": "resource", "what_happened": "Queue unattended"})
        breach.action_mark_analysed()
        self.move(ticket, self.stage_progress, local(2027, 2, 1, 9, 0))
        with freeze_time(local(2027, 2, 1, 10, 0)):
            ticket.priority = P4
        self.assertEqual(response.state, "breached")
        self.assertEqual(response.target_minutes, 240)
        self.assertEqual(response.breached_at, local(2027, 1, 18, 13, 0))
        self.assertTrue(breach.exists())
        self.assertEqual(breach.state, "analysed")
        first, second = ticket.sla_clock_ids.filtered(
            lambda c: c.metric == "resolution"
        ).sorted("cycle")
        self.assertEqual(first.state, "met")
        self.assertEqual(first.target_minutes, 24 * 60)
        self.assertEqual(second.ticket_priority, P4)

    def test_breach_with_started_analysis_is_never_lifted(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.run_breach_job(local(2027, 1, 18, 14, 0))
        breach = self.breaches(ticket)
        breach.what_happened = "Nobody on the queue"
        with freeze_time(local(2027, 1, 18, 14, 30)):
            ticket.priority = P3
        self.assertTrue(breach.exists())
        self.assertEqual(self.clock(ticket, "response").state, "breached")

    def test_still_breached_after_retarget_moves_to_the_new_deadline(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.run_breach_job(local(2027, 1, 18, 14, 0))
        response = self.clock(ticket, "response")
        self.assertEqual(response.breached_at, local(2027, 1, 18, 13, 0))
        with freeze_time(local(2027, 1, 18, 18, 0)):
            ticket.priority = P2
        self.assertEqual(response.state, "breached")
        self.assertEqual(response.deadline, local(2027, 1, 18, 17, 0))
        self.assertEqual(response.breached_at, local(2027, 1, 18, 17, 0))
        self.assertEqual(self.breaches(ticket).breached_at, local(2027, 1, 18, 17, 0))

    def test_team_default_tier_change_retargets_running_clocks(self):
        walk_in = self.env["res.partner"].create({"name": "Walk-in customer"})
        self.team.sla_default_tier_id = self.bronze
        ticket = self.open_ticket(
            "Bronze", P1, local(2027, 1, 18, 9, 0), partner_id=walk_in.id
        )
        self.assertEqual(self.clock(ticket, "response").target_minutes, 240)
        with freeze_time(local(2027, 1, 18, 9, 10)):
            self.team.sla_default_tier_id = self.silver
        response = self.clock(ticket, "response")
        self.assertEqual(response.tier_id, self.silver)
        self.assertEqual(
            response.target_minutes,
            self.silver._target_for(P1).response_minutes,
        )


class TestCalendarEdits(LifecycleCase):
    def test_holiday_added_while_open_moves_the_deadline(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 15, 16, 0))
        response = self.clock(ticket, "response")
        self.assertEqual(response.deadline, local(2027, 1, 18, 12, 0))
        with freeze_time(local(2027, 1, 15, 16, 30)):
            holiday = self.holiday(self.business_hours, date(2027, 1, 18))
        self.assertEqual(response.deadline, local(2027, 1, 19, 12, 0))
        self.assertEqual(ticket.sla_next_deadline, local(2027, 1, 19, 12, 0))
        self.run_breach_job(local(2027, 1, 18, 13, 0))
        self.assertEqual(response.state, "running")
        with freeze_time(local(2027, 1, 15, 16, 45)):
            holiday.unlink()
        self.assertEqual(response.deadline, local(2027, 1, 18, 12, 0))

    def test_holiday_of_another_company_leaves_a_shared_calendar_alone(self):
        other = self.env["res.company"].create({"name": "Company B"})
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 15, 16, 0))
        response = self.clock(ticket, "response")
        leave = {
            "name": "Holiday",
            "calendar_id": False,
            "date_from": local(2027, 1, 18, 0, 0),
            "date_to": local(2027, 1, 18, 23, 59, 59),
        }
        # A leave's company is the one it is entered in.
        with freeze_time(local(2027, 1, 15, 16, 30)):
            self.env["resource.calendar.leaves"].with_company(other).create(leave)
        self.assertEqual(response.deadline, local(2027, 1, 18, 12, 0))
        with freeze_time(local(2027, 1, 15, 16, 30)):
            self.env["resource.calendar.leaves"].create(leave)
        self.assertEqual(response.deadline, local(2027, 1, 19, 12, 0))


class TestLateSla(LifecycleCase):
    def test_sla_set_later_replays_the_reply_already_sent(self):
        # The stage history is read from the chatter's tracking.
        self.env = self.env(context=dict(self.env.context, tracking_disable=False))
        with freeze_time(local(2027, 1, 18, 9, 0)):
            ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": "Unknown caller",
                    "description": "No customer yet.",
                    "priority": P1,
                    "team_id": self.team.id,
                }
            )
            # Each user action commits; tracking is posted then.
            self.env.cr.precommit.run()
        # The transaction's timestamp is real time, not the frozen one.
        self.env.cr.execute(
            "UPDATE helpdesk_ticket SET create_date = %s WHERE id = %s",
            [local(2027, 1, 18, 9, 0), ticket.id],
        )
        ticket.invalidate_recordset(["create_date"])
        self.assertFalse(ticket.sla_clock_ids)
        self.reply(ticket, local(2027, 1, 18, 9, 30))
        with freeze_time(local(2027, 1, 18, 9, 45)):
            ticket.stage_id = self.stage_waiting
            # Tracking is posted when the transaction commits.
            self.env.cr.precommit.run()
        with freeze_time(local(2027, 1, 18, 10, 0)):
            ticket.partner_id = self.customers["Bronze"]
        response = self.clock(ticket, "response")
        resolution = self.clock(ticket, "resolution")
        self.assertEqual(response.start_at, local(2027, 1, 18, 9, 0))
        self.assertEqual(response.state, "met")
        self.assertEqual(response.stopped_at, local(2027, 1, 18, 9, 30))
        self.assertEqual(resolution.paused_since, local(2027, 1, 18, 9, 45))
        self.assertEqual(resolution.consumed_minutes, 45)
        self.run_breach_job(local(2027, 1, 18, 17, 0))
        self.assertFalse(self.breaches(ticket))


class TestCompanies(LifecycleCase):
    def test_contract_of_the_tickets_company_is_chosen(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        customer = self.customers["Platinum"]
        contract_b = self.env["contract.contract"].create(
            {
                "name": "Bronze support in B",
                "partner_id": customer.id,
                "company_id": company_b.id,
                "contract_type": "sale",
                "sla_tier_id": self.bronze.id,
                "sla_date_start": date(2026, 1, 1),
                "date_start": date(2026, 1, 1),
            }
        )
        # A team's company wins over the one given: no team here.
        ticket = self.open_ticket(
            "Platinum",
            P1,
            local(2027, 1, 18, 9, 0),
            company_id=company_b.id,
            team_id=False,
            user_id=False,
        )
        self.assertEqual(ticket.sla_contract_id, contract_b)
        self.assertEqual(
            self.clock(ticket, "response").calendar_id, self.business_hours
        )
        self.assertEqual(
            self.clock(ticket, "response").deadline, local(2027, 1, 18, 13, 0)
        )

    def test_contract_of_another_customer_or_company_is_refused(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with self.assertRaisesRegex(ValidationError, "not an SLA contract of"):
            ticket.sla_contract_id = self.contracts["Gold"]
        company_b = self.env["res.company"].create({"name": "Company B"})
        contract_b = self.env["contract.contract"].create(
            {
                "name": "Bronze support in B",
                "partner_id": self.customers["Bronze"].id,
                "company_id": company_b.id,
                "contract_type": "sale",
                "sla_tier_id": self.bronze.id,
                "sla_date_start": date(2026, 1, 1),
                "date_start": date(2026, 1, 1),
            }
        )
        with self.assertRaisesRegex(ValidationError, "belongs to"):
            ticket.sla_contract_id = contract_b


class TestClientContext(LifecycleCase):
    def test_client_cannot_skip_the_sla_policy(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 10, 0)):
            ticket.with_user(self.agent).with_context(sla_skip_policy=True).write(
                {"stage_id": self.stage_done.id}
            )
        self.assertEqual(set(ticket.sla_clock_ids.mapped("state")), {"met"})
        ticket = self.open_ticket("Bronze", P3, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 10, 0)):
            ticket.with_user(self.agent).with_context(sla_skip_policy=True).write(
                {"priority": P1}
            )
        self.assertEqual(self.clock(ticket, "response").target_minutes, 240)


class TestTransitionHook(LifecycleCase):
    def test_hook_gets_each_breach_once_per_batch(self):
        calls = []
        Clock = type(self.env["sla.clock"])
        original = Clock._sla_on_transition

        def spy(clocks, events):
            calls.append({event: set(c.ids) for event, c in events.items()})
            return original(clocks, events)

        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        other = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with patch.object(Clock, "_sla_on_transition", spy):
            self.run_breach_job(local(2027, 1, 18, 14, 0))
            self.run_breach_job(local(2027, 1, 18, 14, 5))
        responses = {
            self.clock(ticket, "response").id,
            self.clock(other, "response").id,
        }
        # Demo tickets due by then breach in the same batch.
        self.assertEqual(len(calls), 1, "the second run has nothing to breach")
        self.assertIn("breached", calls[0])
        self.assertLessEqual(responses, calls[0]["breached"])
        with patch.object(Clock, "_sla_on_transition", spy):
            self.move(ticket, self.stage_waiting, local(2027, 1, 18, 15, 0))
        self.assertEqual(calls[-1], {"paused": set(ticket.sla_clock_ids.ids)})

    def test_instant_at_any_percentage(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        response = self.clock(ticket, "response")
        self.assertEqual(response._instant_at(50), local(2027, 1, 18, 11, 0))
        self.assertEqual(response._instant_at(150), local(2027, 1, 18, 15, 0))
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 10, 0))
        self.assertFalse(response._instant_at(50))


class TestBreachSubtype(TransactionCase):
    """Without SlaCase's tracking_disable: the transaction's envs decide
    whether a recompute is tracked."""

    def test_followers_can_subscribe_to_sla_breached(self):
        customer = self.env["res.partner"].create({"name": "Tracked customer"})
        self.env["contract.contract"].create(
            {
                "name": "Tracked support",
                "partner_id": customer.id,
                "contract_type": "sale",
                "sla_tier_id": self.env.ref("sla_contract.sla_tier_bronze").id,
                "sla_date_start": date(2026, 1, 1),
                "date_start": date(2026, 1, 1),
            }
        )
        with freeze_time(local(2027, 1, 18, 9, 0)):
            ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": "Down",
                    "description": "Down",
                    "partner_id": customer.id,
                    "priority": P1,
                }
            )
            # Each user action commits; tracking is posted then.
            self.env.cr.precommit.run()
        with freeze_time(local(2027, 1, 18, 14, 0)):
            self.env["sla.clock"]._cron_mark_breaches()
            self.env.cr.precommit.run()
        subtype = self.env.ref("sla_contract.mt_ticket_sla_breached")
        messages = self.env["mail.message"].search(
            [
                ("model", "=", "helpdesk.ticket"),
                ("res_id", "=", ticket.id),
                ("subtype_id", "=", subtype.id),
            ]
        )
        self.assertEqual(len(messages), 1)
        self.assertEqual(messages.date, local(2027, 1, 18, 14, 0))


class TestIntakeNeverRefused(LifecycleCase):
    def test_calendar_without_working_time_leaves_the_ticket_unmeasured(self):
        empty = self.env["resource.calendar"].create(
            {"name": "Nobody works", "attendance_ids": [(5, 0, 0)]}
        )
        contract = self.contracts["Silver"]
        # Entered around the form's checks (an import, an old database).
        self.env.cr.execute(
            "UPDATE contract_contract SET sla_calendar_id = %s WHERE id = %s",
            [empty.id, contract.id],
        )
        contract.invalidate_recordset(["sla_calendar_id"])
        self.team.user_id = self.agent
        ticket = self.open_ticket("Silver", P1, local(2027, 1, 18, 9, 0))
        self.assertTrue(ticket.exists())
        self.assertEqual(ticket.sla_contract_id, contract)
        self.assertFalse(ticket.sla_clock_ids)
        self.assertIn("Nobody works", ticket.sla_warning)
        activity = ticket.activity_ids
        self.assertEqual(activity.user_id, self.agent)
        self.assertIn("Nobody works", activity.note)


class TestReportingDate(LifecycleCase):
    def test_clock_counts_in_the_month_it_stopped_or_breached(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 29, 9, 0))
        response = self.clock(ticket, "response")
        self.assertFalse(response.report_date, "open and on time: no month yet")
        self.run_breach_job(local(2027, 1, 29, 14, 0))
        self.assertEqual(response.report_date, date(2027, 1, 29))
        self.move(ticket, self.stage_done, local(2027, 2, 2, 10, 0))
        self.assertEqual(response.report_date, date(2027, 1, 29), "breached: final")
        resolution = self.clock(ticket, "resolution")
        self.assertEqual(resolution.report_date, date(2027, 2, 2))


class TestUrgency(LifecycleCase):
    def test_queue_rank_follows_the_clocks(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.assertEqual(ticket.sla_urgency, "3_on_track")
        # Past 75% of the 4 h response (12:00) while counting: at risk.
        with freeze_time(local(2027, 1, 18, 12, 10)):
            ticket.sla_clock_ids._check_warnings(local(2027, 1, 18, 12, 10))
        self.assertTrue(self.clock(ticket, "response").at_risk_reached)
        self.assertEqual(ticket.sla_urgency, "1_at_risk")
        self.run_breach_job(local(2027, 1, 18, 13, 5))
        self.assertEqual(ticket.sla_urgency, "2_breached")
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 13, 30))
        self.assertEqual(ticket.sla_urgency, "2_breached", "the breach still stands")
        other = self.open_ticket("Bronze", P2, local(2027, 1, 18, 9, 0))
        self.move(other, self.stage_waiting, local(2027, 1, 18, 9, 30))
        self.assertEqual(other.sla_urgency, "4_paused")
        self.move(other, self.stage_done, local(2027, 1, 18, 10, 0))
        self.assertFalse(other.sla_urgency)

    def test_lowering_the_priority_arms_the_at_risk_warning_again(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        # A pause taken after 12:00 records that the clock was at risk.
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 12, 30))
        response = self.clock(ticket, "response")
        self.assertTrue(response.at_risk_reached)
        with freeze_time(local(2027, 1, 18, 12, 40)):
            ticket.priority = P3
        self.assertFalse(response.at_risk_reached)


class TestJobResilience(LifecycleCase):
    def test_one_bad_clock_never_stops_the_batch(self):
        good = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        bad = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        bad_clock = self.clock(bad, "response")
        Breach = type(self.env["sla.breach"])
        original = Breach._create_for_clocks

        def fragile(breaches, clocks):
            if bad_clock in clocks:
                raise ValueError("corrupt clock")
            return original(breaches, clocks)

        calls = []
        Clock = type(self.env["sla.clock"])
        hook = Clock._sla_on_transition

        def spy(clocks, events):
            calls.append(events.get("breached", clocks.browse()).ids)
            return hook(clocks, events)

        with (
            patch.object(Breach, "_create_for_clocks", fragile),
            patch.object(Clock, "_sla_on_transition", spy),
            self.assertLogs("odoo.addons.sla_contract.models.sla_clock", "ERROR"),
        ):
            self.run_breach_job(local(2027, 1, 18, 14, 0))
        self.assertEqual(self.clock(good, "response").state, "breached")
        self.assertEqual(bad_clock.state, "running", "rolled back, retried later")
        self.assertEqual(len(calls), 1)
        self.assertIn(self.clock(good, "response").id, calls[0])
        self.assertNotIn(bad_clock.id, calls[0], "no event for what did not happen")


class TestPolicyEditsReachEveryTicket(LifecycleCase):
    def test_shared_tier_edit_retargets_another_companys_tickets(self):
        company_b = self.env["res.company"].create({"name": "Company B"})
        self.env["contract.contract"].create(
            {
                "name": "Silver support in B",
                "partner_id": self.customers["Silver"].id,
                "company_id": company_b.id,
                "contract_type": "sale",
                "sla_tier_id": self.silver.id,
                "date_start": date(2026, 1, 1),
                "sla_date_start": date(2026, 1, 1),
            }
        )
        ticket = self.open_ticket(
            "Silver",
            P1,
            local(2027, 1, 18, 9, 0),
            company_id=company_b.id,
            team_id=False,
            user_id=False,
        )
        manager = self.env["res.users"].create(
            {
                "name": "Company A SLA manager",
                "login": "sla_manager_a",
                "groups_id": [
                    (6, 0, [self.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )
        self.assertFalse(
            self.env["helpdesk.ticket"]
            .with_user(manager)
            .search_count([("id", "=", ticket.id)]),
            "the manager cannot see company B's ticket",
        )
        with freeze_time(local(2027, 1, 18, 9, 30)):
            self.silver._target_for(P1).with_user(manager).response_value = 3
        self.assertEqual(self.clock(ticket, "response").target_minutes, 180)
        self.assertEqual(
            self.clock(ticket, "response").deadline, local(2027, 1, 18, 12, 0)
        )
