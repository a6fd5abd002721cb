"""SLA events where agents look: chatter lines with their subtypes, and bus
notifications to the assigned agent."""

import json

from freezegun import freeze_time

from .common import SlaCase, local

P1, P2 = "3", "2"


class TestSlaEvents(SlaCase):
    def events(self, ticket, name):
        subtype = self.env.ref(f"sla_contract.mt_ticket_sla_{name}")
        return self.env["mail.message"].search(
            [
                ("model", "=", "helpdesk.ticket"),
                ("res_id", "=", ticket.id),
                ("subtype_id", "=", subtype.id),
            ]
        )

    def run_job(self, at):
        with freeze_time(at):
            self.env["sla.clock"]._cron_mark_breaches()

    def bus_messages(self, user, kind):
        # The bus writes its rows when the transaction commits.
        self.env.cr.precommit.run()
        self.env.cr.execute(
            "SELECT message FROM bus_bus WHERE channel = %s ORDER BY id",
            [
                json.dumps(
                    [self.env.cr.dbname, "res.partner", user.partner_id.id],
                    separators=(",", ":"),
                )
            ],
        )
        rows = [json.loads(row[0]) for row in self.env.cr.fetchall()]
        return [row["payload"] for row in rows if row["type"] == kind]

    def test_one_chatter_line_per_transition_never_twice(self):
        # Bronze P1: SLO at 50% of 4 h (11:00), at risk at 75% (12:00).
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.run_job(local(2027, 1, 18, 11, 0))
        self.run_job(local(2027, 1, 18, 11, 5))
        slo = self.events(ticket, "slo_missed")
        self.assertEqual(len(slo), 1)
        self.assertIn("Response: internal SLO missed", slo.body)
        self.assertFalse(self.events(ticket, "at_risk"))
        self.run_job(local(2027, 1, 18, 12, 0))
        self.run_job(local(2027, 1, 18, 12, 1))
        at_risk = self.events(ticket, "at_risk")
        self.assertEqual(len(at_risk), 1)
        self.assertIn("Response SLA at risk", at_risk.body)
        self.assertIn("Europe/Brussels", at_risk.body)
        self.run_job(local(2027, 1, 18, 13, 0))
        self.run_job(local(2027, 1, 18, 13, 30))
        self.assertEqual(len(self.events(ticket, "breached")), 1)
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 14, 0))
        paused = self.events(ticket, "paused")
        self.assertEqual(len(paused), 1, "one line for both clocks")
        self.assertIn("Resolution SLA paused", paused.body)
        self.move(ticket, self.stage_progress, local(2027, 1, 18, 15, 0))
        self.assertEqual(len(self.events(ticket, "resumed")), 1)
        with freeze_time(local(2027, 1, 18, 15, 30)):
            ticket.with_user(self.agent).message_post(
                body="Fixed", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.assertFalse(self.events(ticket, "met"), "a late response is no met")
        self.move(ticket, self.stage_done, local(2027, 1, 18, 16, 0))
        met = self.events(ticket, "met")
        self.assertEqual(len(met), 1)
        self.assertIn("Resolution SLA met", met.body)
        for name in ("at_risk", "slo_missed", "breached", "paused", "met"):
            subtype = self.env.ref(f"sla_contract.mt_ticket_sla_{name}")
            self.assertTrue(subtype.internal, "customers never get them")

    def test_assigned_agent_is_alerted_at_risk_and_at_breach(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.env.cr.execute("DELETE FROM bus_bus")
        self.run_job(local(2027, 1, 18, 12, 0))
        alerts = self.bus_messages(self.agent, "sla.ticket/alert")
        self.assertEqual(len(alerts), 1)
        self.assertEqual(alerts[0]["message"], "SLA at risk")
        self.assertEqual(alerts[0]["title"], ticket.display_name)
        # The toast replaces the ticket's last one, and goes away by itself.
        self.assertEqual(alerts[0]["ticket_id"], ticket.id)
        self.assertNotIn("sticky", alerts[0])
        self.assertFalse(self.bus_messages(self.agent, "simple_notification"))
        changed = self.bus_messages(self.agent, "sla.ticket/changed")
        self.assertIn(ticket.id, changed[0]["ticket_ids"])
        self.run_job(local(2027, 1, 18, 13, 0))
        alerts = self.bus_messages(self.agent, "sla.ticket/alert")
        self.assertEqual(
            [(a["ticket_id"], a["message"]) for a in alerts],
            [(ticket.id, "SLA at risk"), (ticket.id, "SLA breached")],
        )

    def test_job_wakes_at_the_first_threshold(self):
        cron = self.env.ref("sla_contract.ir_cron_sla_breach")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        triggers.unlink()
        self.env["sla.clock"].search([("stopped_at", "=", False)]).write(
            {"stopped_at": local(2027, 1, 1, 0, 0), "state": "met"}
        )
        self.open_ticket("Bronze", P2, local(2027, 1, 18, 9, 0))
        # Bronze P2: 8 h response; SLO 50% at 13:00 comes first.
        calls = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertEqual(calls.mapped("call_at"), [local(2027, 1, 18, 13, 0)])
        calls.unlink()
        self.run_job(local(2027, 1, 18, 13, 0))
        calls = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        # Next: the response's at-risk instant, 75% of 8 h.
        self.assertEqual(calls.mapped("call_at"), [local(2027, 1, 18, 15, 0)])
