from odoo.tests import tagged

from .common import P1, P2, P3, P4, EscalationCase, local

REPORT = "sla.escalation.ticket.report"


@tagged("post_install", "-at_install")
class TestEscalationReportPriority(EscalationCase):
    """The weekly escalation rate names and orders priorities as every SLA
    report does: P1 - Critical to P4 - Low."""

    def test_priorities_read_and_group_p1_to_p4(self):
        described = self.env[REPORT].fields_get(["priority"])["priority"]
        self.assertEqual(
            [tuple(option) for option in described["selection"]],
            [
                (P1, "P1 - Critical"),
                (P2, "P2 - High"),
                (P3, "P3 - Medium"),
                (P4, "P4 - Low"),
            ],
        )
        tickets = self.env["helpdesk.ticket"]
        for priority in (P4, P2, P1, P3):
            ticket = self.open_ticket("Gold", priority, local(2027, 1, 18, 9, 0))
            self.move(ticket, self.stage_done, local(2027, 1, 18, 9, 30))
            tickets |= ticket
        self.env.flush_all()
        groups = self.env[REPORT].read_group(
            [("ticket_id", "in", tickets.ids)],
            ["__count"],
            ["report_date:week", "priority"],
            lazy=False,
        )
        self.assertEqual([g["priority"] for g in groups], [P1, P2, P3, P4])
