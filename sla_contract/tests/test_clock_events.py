from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError

from .common import SlaCase, local

P1, P2, P3, P4 = "3", "2", "1", "0"


class TestClockEvents(SlaCase):
    def test_pause_shifts_deadline_by_paused_business_time(self):
        # Bronze P2: 8 h response, opened Tuesday 09:00 -> due Tuesday 17:00.
        ticket = self.open_ticket("Bronze", P2, local(2027, 1, 19, 9, 0))
        response = self.clock(ticket, "response")
        self.assertEqual(response.deadline, local(2027, 1, 19, 17, 0))
        self.move(ticket, self.stage_waiting, local(2027, 1, 19, 10, 0))
        self.assertEqual(response.state, "paused")
        self.assertTrue(ticket.sla_paused)
        self.assertFalse(ticket.sla_next_deadline)
        self.move(ticket, self.stage_progress, local(2027, 1, 19, 12, 30))
        self.assertEqual(response.state, "running")
        self.assertEqual(response.paused_minutes, 150)
        self.assertEqual(response.deadline, local(2027, 1, 20, 11, 30))
        self.assertEqual(ticket.sla_next_deadline, local(2027, 1, 20, 11, 30))

    def test_pause_over_night_counts_only_business_time(self):
        ticket = self.open_ticket("Bronze", P2, local(2027, 1, 19, 9, 0))
        self.move(ticket, self.stage_waiting, local(2027, 1, 19, 16, 0))
        self.move(ticket, self.stage_progress, local(2027, 1, 20, 10, 0))
        response = self.clock(ticket, "response")
        self.assertEqual(response.paused_minutes, 120)
        self.assertEqual(response.deadline, local(2027, 1, 20, 11, 0))
        self.assertEqual(response.pause_ids.business_minutes, 120)

    def test_priority_raised_keeps_consumed_business_hours(self):
        # Bronze P3 (24 h response) opened Monday 09:00, paused 10:00-11:00,
        # raised to P1 (4 h) at 12:00: 2 business hours counted, 1 paused.
        ticket = self.open_ticket("Bronze", P3, local(2027, 1, 18, 9, 0))
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 10, 0))
        self.move(ticket, self.stage_progress, local(2027, 1, 18, 11, 0))
        with freeze_time(local(2027, 1, 18, 12, 0)):
            ticket.priority = P1
            response = self.clock(ticket, "response")
            self.assertEqual(response.target_minutes, 240)
            self.assertEqual(response.paused_minutes, 60)
            self.assertEqual(response.deadline, local(2027, 1, 18, 14, 0))
            self.assertAlmostEqual(response.percent_used, 50.0)

    def test_priority_raised_after_three_hours_keeps_them(self):
        ticket = self.open_ticket("Bronze", P3, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 12, 0)):
            ticket.priority = P1
            response = self.clock(ticket, "response")
            self.assertEqual(response.remaining_minutes, 60)
            self.assertEqual(response.deadline, local(2027, 1, 18, 13, 0))

    def test_lowering_priority_lifts_a_breach_as_if_from_the_start(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 14, 0)):
            self.env["sla.clock"]._cron_mark_breaches()
        response = self.clock(ticket, "response")
        self.assertEqual(response.state, "breached")
        self.assertEqual(len(response.breach_ids), 1)
        with freeze_time(local(2027, 1, 18, 14, 30)):
            ticket.priority = P3
        self.assertEqual(response.state, "running")
        self.assertFalse(response.breach_ids)

    def test_met_clock_stays_met_after_priority_change(self):
        ticket = self.open_ticket("Bronze", P3, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 15, 0)):
            ticket.with_user(self.agent).message_post(
                body="We are on it.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        response = self.clock(ticket, "response")
        self.assertEqual(response.state, "met")
        with freeze_time(local(2027, 1, 18, 16, 0)):
            ticket.priority = P1
        self.assertEqual(response.state, "met")
        self.assertEqual(response.target_minutes, 24 * 60)
        self.assertEqual(self.clock(ticket, "resolution").target_minutes, 24 * 60)

    def test_internal_note_is_not_a_response(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        response = self.clock(ticket, "response")
        with freeze_time(local(2027, 1, 18, 10, 0)):
            ticket.with_user(self.agent).message_post(
                body="Looking into logs",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        self.assertEqual(response.state, "running")
        with freeze_time(local(2027, 1, 18, 10, 30)):
            ticket.message_post(
                body="Any news?",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=self.customers["Bronze"].id,
            )
        self.assertEqual(
            response.state, "running", "the customer's message is no response"
        )
        with freeze_time(local(2027, 1, 18, 11, 0)):
            ticket.with_user(self.agent).message_post(
                body="We are on it.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(response.state, "met")
        self.assertEqual(response.stopped_at, local(2027, 1, 18, 11, 0))
        self.assertEqual(response.consumed_minutes, 120)
        self.assertEqual(self.clock(ticket, "resolution").state, "running")

    def test_closing_stops_both_clocks_and_reopen_starts_a_new_cycle(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.move(ticket, self.stage_done, local(2027, 1, 18, 15, 0))
        response = self.clock(ticket, "response")
        first = self.clock(ticket, "resolution")
        self.assertEqual(response.state, "breached", "4 h response missed")
        self.assertEqual(first.state, "met")
        self.move(ticket, self.stage_progress, local(2027, 1, 19, 9, 0))
        second = self.clock(ticket, "resolution")
        self.assertNotEqual(first, second)
        self.assertEqual((first.cycle, second.cycle), (1, 2))
        self.assertEqual(first.state, "met")
        self.assertEqual(second.state, "running")
        self.assertEqual(second.start_at, local(2027, 1, 19, 9, 0))
        # 24 business hours from Tuesday 09:00: Thursday at close.
        self.assertEqual(second.deadline, local(2027, 1, 21, 17, 0))
        self.assertEqual(
            len(ticket.sla_clock_ids.filtered(lambda c: c.metric == "response")), 1
        )

    def test_breach_cron_is_idempotent(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 12, 59)):
            self.env["sla.clock"]._cron_mark_breaches()
            self.assertEqual(self.clock(ticket, "response").state, "running", "on time")
        # 100% of the target elapsed with no response is the breach.
        with freeze_time(local(2027, 1, 18, 13, 0)):
            self.env["sla.clock"]._cron_mark_breaches()
            self.env["sla.clock"]._cron_mark_breaches()
        response = self.clock(ticket, "response")
        self.assertEqual(response.state, "breached")
        self.assertEqual(response.breached_at, local(2027, 1, 18, 13, 0))
        breaches = self.env["sla.breach"].search([("ticket_id", "=", ticket.id)])
        self.assertEqual(len(breaches), 1)
        self.assertTrue(ticket.sla_breached)
        self.assertEqual(ticket.sla_state, "breached")

    def test_breach_record_carries_the_root_cause_questions(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.move(ticket, self.stage_done, local(2027, 1, 19, 9, 0))
        breaches = self.env["sla.breach"].search([("ticket_id", "=", ticket.id)])
        self.assertEqual(set(breaches.mapped("metric")), {"response"})
        breaches.write(
            {
                "what_happened": "Nobody picked up the queue on Monday morning",
                "cause": "resource",
                "escalation_outcome": "not_triggered",
                "customer_impact": "Orders delayed by a day",
                "corrective_action": "Second agent on Monday mornings",
            }
        )
        breaches.action_mark_analysed()
        groups = self.env["sla.breach"].read_group(
            [("ticket_id", "=", ticket.id)], ["cause"], ["cause"]
        )
        self.assertEqual(
            [(g["cause"], g["cause_count"]) for g in groups], [("resource", 1)]
        )

    def test_search_filters(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        Ticket = self.env["helpdesk.ticket"].with_context(tz="Europe/Brussels")
        domain = [("id", "=", ticket.id)]
        with freeze_time(local(2027, 1, 18, 10, 0)):
            self.assertFalse(Ticket.search([*domain, ("sla_at_risk", "=", True)]))
            self.assertTrue(Ticket.search([*domain, ("sla_due_today", "=", True)]))
        with freeze_time(local(2027, 1, 18, 12, 30)):
            self.assertTrue(Ticket.search([*domain, ("sla_at_risk", "=", True)]))
            self.assertTrue(
                Ticket.with_user(self.agent).search(
                    [
                        *domain,
                        ("sla_at_risk", "=", True),
                        ("user_id", "=", self.agent.id),
                    ]
                )
            )
        with freeze_time(local(2027, 1, 18, 13, 30)):
            self.env["sla.clock"]._cron_mark_breaches()
            self.assertTrue(Ticket.search([*domain, ("sla_breached", "=", True)]))
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 14, 0))
        self.assertTrue(Ticket.search([*domain, ("sla_paused", "=", True)]))


class TestPolicy(SlaCase):
    def test_best_tier_wins_and_agent_can_pick_another(self):
        partner = self.customers["Bronze"]
        gold = self.env["contract.contract"].create(
            {
                "name": "Gold upgrade",
                "partner_id": partner.id,
                "contract_type": "sale",
                "date_start": date(2026, 6, 1),
                "sla_tier_id": self.gold.id,
                "sla_date_start": date(2026, 6, 1),
            }
        )
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.assertEqual(ticket.sla_contract_id, gold)
        self.assertEqual(self.clock(ticket, "response").target_minutes, 60)
        with freeze_time(local(2027, 1, 18, 9, 30)):
            ticket.sla_contract_id = self.contracts["Bronze"]
        response = self.clock(ticket, "response")
        self.assertEqual(response.tier_id, self.bronze)
        self.assertEqual(response.deadline, local(2027, 1, 18, 13, 0))

    def test_expired_or_future_contract_is_ignored(self):
        contract = self.contracts["Silver"]
        contract.sla_date_start = date(2030, 1, 1)
        ticket = self.open_ticket("Silver", P1, local(2027, 1, 18, 9, 0))
        self.assertFalse(ticket.sla_contract_id)
        self.assertFalse(ticket.sla_clock_ids)

    def test_customer_change_reassigns_contract(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 9, 30)):
            ticket.partner_id = self.customers["Platinum"]
        self.assertEqual(ticket.sla_contract_id, self.contracts["Platinum"])
        response = self.clock(ticket, "response")
        self.assertEqual(response.tier_id, self.platinum)
        # As if Platinum applied from the start: 15 min after 09:00, breached.
        self.assertEqual(response.deadline, local(2027, 1, 18, 9, 15))
        self.assertEqual(response.state, "breached")

    def test_tier_edit_applies_to_open_tickets_now(self):
        ticket = self.open_ticket("Silver", P1, local(2027, 1, 18, 9, 0))
        target = self.silver._target_for(P1)
        with freeze_time(local(2027, 1, 18, 9, 30)):
            target.response_value = 3
        self.assertEqual(
            self.clock(ticket, "response").deadline, local(2027, 1, 18, 12, 0)
        )

    def test_baseline_contract_marks_clocks_measurement_only(self):
        contract = self.contracts["Gold"]
        ticket = self.open_ticket("Gold", P1, local(2026, 3, 2, 9, 0))
        self.assertTrue(
            self.clock(ticket, "response").measurement_only, "before penalties"
        )
        self.assertEqual(contract.sla_penalty_date, date(2026, 7, 1))
        ticket = self.open_ticket("Gold", P1, local(2027, 1, 18, 9, 0))
        self.assertFalse(self.clock(ticket, "response").measurement_only)
        contract.sla_measurement_only = True
        ticket = self.open_ticket("Gold", P1, local(2027, 1, 18, 10, 0))
        self.assertTrue(self.clock(ticket, "response").measurement_only)


class TestTierValidation(SlaCase):
    def _tier_vals(self, **override):
        targets = []
        for code, (resp, reso) in zip(
            ["p1", "p2", "p3", "p4"], [(1, 4), (2, 8), (4, 8), (8, 16)], strict=True
        ):
            vals = {
                "priority_id": self.env.ref(f"sla_contract.sla_priority_{code}").id,
                "response_value": resp,
                "resolution_value": reso,
            }
            vals.update(override.get(code, {}))
            targets.append((0, 0, vals))
        return {
            "name": "Custom",
            "calendar_id": self.business_hours.id,
            "target_ids": targets,
        }

    def test_valid_custom_tier(self):
        tier = self.env["sla.tier"].create(self._tier_vals())
        self.assertEqual(tier._target_for(P1).resolution_minutes, 240)

    def test_every_priority_is_required(self):
        vals = self._tier_vals()
        vals["target_ids"] = vals["target_ids"][:3]
        with self.assertRaisesRegex(ValidationError, "missing: P4"):
            self.env["sla.tier"].create(vals)

    def test_targets_must_be_positive(self):
        with self.assertRaisesRegex(ValidationError, "must be positive"):
            self.env["sla.tier"].create(self._tier_vals(p2={"response_value": 0}))

    def test_resolution_not_shorter_than_response(self):
        with self.assertRaisesRegex(ValidationError, "cannot be shorter"):
            self.env["sla.tier"].create(
                self._tier_vals(p3={"response_value": 10, "resolution_value": 9})
            )

    def test_contract_slo_is_a_share_of_the_sla(self):
        with self.assertRaisesRegex(ValidationError, "between 1 and 100"):
            self.contracts["Gold"].sla_slo_percent = 150

    def test_contract_penalties_not_before_sla_start(self):
        with self.assertRaisesRegex(ValidationError, "cannot start before"):
            self.contracts["Gold"].sla_penalty_date = date(2025, 1, 1)


class TestChannels(SlaCase):
    def test_customer_portal_message_does_not_respond(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Bronze contact",
                "parent_id": self.customers["Bronze"].id,
                "email": "contact@bronze.example.com",
            }
        )
        portal = self.env["res.users"].create(
            {
                "name": "Bronze portal",
                "login": "bronze_portal",
                "partner_id": contact.id,
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        ticket = self.open_ticket(
            "Bronze", P1, local(2027, 1, 18, 9, 0), partner_id=contact.id
        )
        self.assertEqual(ticket.sla_contract_id, self.contracts["Bronze"])
        with freeze_time(local(2027, 1, 18, 9, 30)):
            ticket.with_user(portal).message_post(
                body="Still down",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(self.clock(ticket, "response").state, "running")

    def test_agent_email_reply_responds(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 9, 45)):
            ticket.message_post(
                body="Replying from my mailbox",
                message_type="email",
                subtype_xmlid="mail.mt_comment",
                author_id=self.agent.partner_id.id,
            )
        response = self.clock(ticket, "response")
        self.assertEqual(response.state, "met")
        self.assertEqual(response.stopped_at, local(2027, 1, 18, 9, 45))

    def test_pause_after_missed_deadline_is_a_breach(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 13, 30))
        response = self.clock(ticket, "response")
        self.assertEqual(response.state, "breached")
        self.assertEqual(response.breached_at, local(2027, 1, 18, 13, 0))
        self.assertEqual(self.clock(ticket, "resolution").state, "paused")

    def test_removing_a_priority_target_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "missing: P2"):
            self.gold._target_for(P2).unlink()


class TestBreachScheduling(SlaCase):
    def _triggers(self):
        cron = self.env.ref("sla_contract.ir_cron_sla_breach")
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def test_job_wakes_at_the_earliest_threshold_and_rearms(self):
        self._triggers().unlink()
        first = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        # The internal SLO (50% of 4 h) is the first threshold.
        self.assertEqual(
            self._triggers().mapped("call_at"), [local(2027, 1, 18, 11, 0)]
        )
        # A later threshold needs no extra wake-up while an earlier one is
        # pending.
        self.open_ticket("Bronze", P2, local(2027, 1, 18, 9, 30))
        self.assertEqual(len(self._triggers()), 1)
        # An earlier one does: Platinum P1's SLO, 7.5 minutes in.
        self.open_ticket("Platinum", P1, local(2027, 1, 18, 9, 40))
        self.assertIn(local(2027, 1, 18, 9, 47, 30), self._triggers().mapped("call_at"))
        with freeze_time(local(2027, 1, 18, 13, 0)):
            # ir.cron deletes the triggers it has served.
            self._triggers().filtered(
                lambda t: t.call_at <= local(2027, 1, 18, 13, 0)
            ).unlink()
            self.env["sla.clock"]._cron_mark_breaches()
        self.assertEqual(self.clock(first, "response").state, "breached")
        # Re-armed for the next threshold: the Bronze P2 response's SLO,
        # 50% of 8 business hours after Monday 09:30.
        self.assertIn(local(2027, 1, 18, 13, 30), self._triggers().mapped("call_at"))

    def test_client_context_cannot_backdate_a_response(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 15, 0)):
            ticket.with_user(self.agent).with_context(
                sla_now=local(2027, 1, 18, 9, 5)
            ).message_post(
                body="Backdated?",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        response = self.clock(ticket, "response")
        self.assertEqual(response.stopped_at, local(2027, 1, 18, 15, 0))
        self.assertEqual(response.state, "breached")
