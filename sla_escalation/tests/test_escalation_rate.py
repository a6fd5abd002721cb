from datetime import date

from lxml import etree

from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import P1, EscalationCase, local

OPENED = local(2027, 1, 18, 9, 0)  # Monday
JANUARY = (date(2027, 1, 1), date(2027, 2, 1))
REPORT = "sla.escalation.ticket.report"


@tagged("post_install", "-at_install")
class TestEscalationRate(EscalationCase):
    def rate(self, *tickets):
        self.env.flush_all()
        [[count, rate, fired]] = self.env[REPORT]._read_group(
            [("ticket_id", "in", [t.id for t in tickets])],
            [],
            ["__count", "escalated:avg", "escalations:sum"],
        )
        return count, rate, fired

    # the places the rate shows, each read as its user reads it

    def filtered(self, tickets, user):
        """The tickets the ticket list's Escalated filter keeps."""
        arch = (
            self.env["helpdesk.ticket"]
            .with_user(user)
            .get_views([(False, "search")])["views"]["search"]["arch"]
        )
        [node] = etree.fromstring(arch).xpath("//filter[@name='sla_escalated']")
        domain = safe_eval(node.get("domain"))
        return (
            self.env["helpdesk.ticket"]
            .with_user(user)
            .search([("id", "in", tickets.ids), *domain])
        )

    def pivot_rate(self, tickets, user):
        """The ticket pivot's Escalation Rate (%) over `tickets`."""
        self.env.flush_all()
        [[rate]] = (
            self.env["helpdesk.ticket"]
            .with_user(user)
            ._read_group([("id", "in", tickets.ids)], [], ["sla_escalation_rate:avg"])
        )
        return rate

    def report_rate(self, tickets, user):
        """The Weekly Escalation Rate's figure over `tickets`, by the month
        they count in."""
        self.env.flush_all()
        return (
            self.env[REPORT]
            .with_user(user)
            .read_group(
                [("ticket_id", "in", tickets.ids)],
                ["escalated:avg"],
                ["report_date:month"],
                lazy=False,
            )
        )

    def review_rate(self, contract):
        self.env.flush_all()
        values = contract._sla_review_values(*JANUARY)
        kpi = next(k for k in values["kpis"] if k["name"] == "Escalation rate")
        return kpi["value"], kpi["met"]

    def close(self, ticket, at):
        self.move(ticket, self.stage_done, at)

    def test_an_agent_alert_is_not_an_escalation_a_senior_is(self):
        # Bronze P1: 4 business hours to respond; 50% alerts the agent at
        # 11:00, 75% reassigns to a senior at 12:00.
        reminded = self.open_ticket("Bronze", P1, OPENED)
        escalated = self.open_ticket("Bronze", P1, OPENED)
        quiet = self.open_ticket("Bronze", P1, OPENED)
        self.reply(quiet, local(2027, 1, 18, 9, 30))
        self.run_job(local(2027, 1, 18, 11, 0))
        self.reply(reminded, local(2027, 1, 18, 11, 30))
        self.run_job(local(2027, 1, 18, 12, 0))
        self.assertIn("response_50", self.fired(reminded))
        self.assertIn("response_75", self.fired(escalated))
        self.assertEqual(self.rate(reminded), (1, 0.0, 0))
        self.assertEqual(self.rate(escalated), (1, 100.0, 1))
        count, rate, _fired = self.rate(reminded, escalated, quiet)
        self.assertEqual(count, 3)
        self.assertAlmostEqual(rate, 100 / 3)

    def test_a_reopened_ticket_counts_once_everywhere(self):
        """Two tickets, one escalated and reopened: 50%, the seed's
        escalated tickets over all tickets, wherever the rate shows (the
        report and the review counted the reopened ticket twice: 33.3%)."""
        escalated = self.open_ticket("Bronze", P1, OPENED)
        quiet = self.open_ticket("Bronze", P1, OPENED)
        self.reply(quiet, local(2027, 1, 18, 9, 30))
        self.close(quiet, local(2027, 1, 18, 10, 0))
        # 50% reminds the agent, 75% hands the ticket to a senior
        self.run_job(local(2027, 1, 18, 12, 0))
        self.assertEqual(set(self.fired(escalated)), {"response_50", "response_75"})
        self.close(escalated, local(2027, 1, 18, 12, 30))
        # reopened, then closed again: a second cycle, nothing fired in it
        self.move(escalated, self.stage_progress, local(2027, 1, 18, 14, 0))
        self.close(escalated, local(2027, 1, 18, 15, 0))
        self.assertEqual(sorted(set(escalated.sla_clock_ids.mapped("cycle"))), [1, 2])
        self.assertEqual(len(escalated.sla_clock_ids.cycle_id), 2)
        tickets = escalated | quiet
        manager = self.users["manager"]
        # the flag and the filter
        self.assertEqual(tickets.mapped("sla_escalated"), [True, False])
        self.assertEqual(self.filtered(tickets, self.agent), escalated)
        # the ticket pivot
        self.assertEqual(self.pivot_rate(tickets, self.agent), 50.0)
        # the weekly report, by the month the tickets count in
        [group] = self.report_rate(tickets, manager)
        self.assertEqual(group["__count"], 2)
        self.assertEqual(group["escalated"], 50.0)
        self.assertEqual(group["report_date:month"], "January 2027")
        # the service review
        self.assertEqual(self.review_rate(self.contracts["Bronze"]), ("50.00%", False))

    def test_a_reminder_alone_escalates_nothing(self):
        """The 50% reminder to the ticket's own agent fires (its activity,
        its note) and the ticket is not escalated anywhere; the rule's
        Counts as Escalation decides it, for every figure at once."""
        reminded = self.open_ticket("Silver", P1, OPENED)
        # Silver P1: 2 hours to respond; 50% at 10:00 reminds the agent
        self.run_job(local(2027, 1, 18, 10, 0))
        self.reply(reminded, local(2027, 1, 18, 10, 15))
        self.close(reminded, local(2027, 1, 18, 10, 30))
        event = self.fired(reminded)["response_50"]
        self.assertEqual(event.state, "done")
        self.assertEqual(event.activity_user_id, self.agent)
        self.assertEqual(
            reminded.activity_ids.mapped("summary"), ["Respond to the customer"]
        )
        self.assertEqual(reminded.sla_escalation_count, 1)
        self.assertFalse(reminded.sla_escalated)
        self.assertEqual(reminded.sla_escalations, 0)
        self.assertFalse(self.filtered(reminded, self.agent))
        self.assertEqual(self.pivot_rate(reminded, self.agent), 0.0)
        [group] = self.report_rate(reminded, self.users["manager"])
        self.assertEqual((group["__count"], group["escalated"]), (1, 0.0))
        self.assertEqual(self.review_rate(self.contracts["Silver"]), ("0.00%", True))
        # A manager decides the reminder is an escalation after all: the
        # ticket it fired on is escalated, in every figure.
        self.rules["response_50"].is_escalation = True
        self.assertTrue(reminded.sla_escalated)
        self.assertEqual(self.filtered(reminded, self.agent), reminded)
        self.assertEqual(self.pivot_rate(reminded, self.agent), 100.0)
        self.assertEqual(self.review_rate(self.contracts["Silver"]), ("100.00%", False))

    def test_a_step_whose_condition_failed_is_no_escalation(self):
        ticket = self.open_ticket("Bronze", P1, OPENED)
        self.reply(ticket, local(2027, 1, 18, 10, 0))
        # progress since the start, and activity 3 business hours before 75%
        self.move(ticket, self.stage_progress, local(2027, 1, 19, 16, 0))
        self.run_job(local(2027, 1, 20, 11, 0))
        self.assertEqual(
            self.events(ticket, "skipped").rule_id,
            self.rules["resolution_50"] | self.rules["resolution_75"],
        )
        self.assertTrue(self.rules["resolution_75"].is_escalation)
        self.assertFalse(ticket.sla_escalated)
        self.assertEqual(self.rate(ticket), (1, 0.0, 0))

    def test_service_review_carries_the_escalation_rate(self):
        escalated = self.open_ticket("Bronze", P1, OPENED)
        self.run_job(local(2027, 1, 18, 12, 0))
        self.move(escalated, self.stage_done, local(2027, 1, 18, 12, 30))
        self.env.flush_all()
        self.assertEqual(self.review_rate(self.contracts["Bronze"]), ("100.00%", False))

    def test_agreement_prints_the_escalation_matrix(self):
        from lxml import html

        contract = self.contracts["Bronze"]
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            "sla_contract.report_sla_agreement", contract.ids
        )
        rows = html.fromstring(content).xpath(
            "//table[hasclass('sla-agreement-escalation')]/tbody/tr"
        )
        matrix = [" ".join(row.text_content().split()) for row in rows]
        self.assertIn("75% of the Response time a senior agent", matrix)
        self.assertEqual(len(matrix), 7)
