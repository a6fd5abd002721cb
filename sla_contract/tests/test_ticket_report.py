from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.tools.safe_eval import safe_eval

from .common import SlaCase

P3 = "1"


def sept(day, hour=10, minute=0):
    return datetime(2026, 9, day, hour, minute)


class TestTicketReport(SlaCase):
    """The clock KPIs on a known set of tickets, month boundaries included."""

    def closed(self, tier, at, late=False, replies=0):
        ticket = self.open_ticket(tier, P3, at)
        for n in range(replies):
            self.reply(ticket, at + timedelta(seconds=10 + n))
        self.move(
            ticket, self.stage_done, at + timedelta(days=10 if late else 0, minutes=1)
        )
        return ticket

    def reply(self, ticket, at):
        with freeze_time(at):
            ticket.with_user(self.agent).message_post(
                body="On it.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )

    def rows(self, *tickets):
        self.env.flush_all()
        return self.env["sla.ticket.report"].search(
            [("ticket_id", "in", [t.id for t in tickets])], order="ticket_id, cycle"
        )

    def test_kpis_by_month(self):
        self.contracts["Bronze"].sla_measurement_only = True
        on_time = self.closed("Gold", sept(3))
        late = self.closed("Gold", sept(4), late=True)
        # Breached on 1 September while still open: a September ticket.
        edge = self.closed("Gold", datetime(2026, 8, 31, 20, 0), late=True)
        # Resolved on 1 October at 00:30: an October ticket.
        october = self.open_ticket("Gold", P3, sept(30, 21, 0))
        self.move(october, self.stage_done, datetime(2026, 10, 1, 0, 30))
        measured = self.closed("Bronze", sept(7, 10))
        chatty = self.closed("Gold", sept(8), replies=2)
        reopened = self.closed("Gold", sept(10))
        self.move(reopened, self.stage_progress, sept(11))
        self.move(reopened, self.stage_done, sept(11, 10, 5))
        rows = self.rows(on_time, late, edge, october, measured, chatty, reopened)
        by_ticket = {(r.ticket_id, r.cycle): r for r in rows}
        self.assertEqual(by_ticket[edge, 1].report_date, date(2026, 9, 1))
        self.assertEqual(by_ticket[october, 1].report_date, date(2026, 10, 1))
        self.assertEqual(by_ticket[late, 1].outcome, "breached")
        self.assertTrue(by_ticket[measured, 1].measurement_only)
        self.assertEqual(by_ticket[reopened, 1].reopened, 100.0)
        self.assertEqual(by_ticket[reopened, 2].reopened, 0.0)
        self.assertEqual(by_ticket[reopened, 1].first_contact, 0.0)
        self.assertEqual(by_ticket[chatty, 1].first_contact, 0.0)
        self.assertEqual(by_ticket[on_time, 1].first_contact, 100.0)
        # Gold P3: 1 day of 18 support hours to resolve; closed 10 days and a
        # minute late, the 18/7 calendar counting every day.
        self.assertEqual(by_ticket[late, 1].resolution_target, 1080.0)
        self.assertAlmostEqual(
            by_ticket[late, 1].resolution_share, 100 * (10 * 1080 + 1) / 1080
        )

        groups = self.env["sla.ticket.report"]._read_group(
            [("id", "in", rows.ids)],
            ["report_date:month"],
            ["__count", "compliance:avg", "reopened:avg", "first_contact:avg"],
        )
        figures = {month: rest for month, *rest in groups}
        # September: on_time, late, edge, measured, chatty and reopened's two
        # cycles: 7 tickets, 2 breached (late, edge), 1 reopened.
        count, compliance, reopened_rate, fcr = figures[date(2026, 9, 1)]
        self.assertEqual(count, 7)
        self.assertAlmostEqual(compliance, 500 / 7)
        self.assertAlmostEqual(reopened_rate, 100 / 7)
        # first contact: on_time, measured, reopened #2 and the two late ones
        # (closed without a reply) count; chatty and reopened #1 do not.
        self.assertAlmostEqual(fcr, 500 / 7)
        self.assertEqual(figures[date(2026, 10, 1)][:2], [1, 100.0])

    def test_penalty_bearing_filter_leaves_measurement_only_out(self):
        self.contracts["Bronze"].sla_measurement_only = True
        measured = self.closed("Bronze", sept(7), late=True)
        billed = self.closed("Gold", sept(7))
        self.env.flush_all()
        penalty = self.env["sla.ticket.report"].search(
            [
                ("ticket_id", "in", (measured | billed).ids),
                ("measurement_only", "=", False),
            ]
        )
        self.assertEqual(penalty.ticket_id, billed)

    def test_clock_compliance_and_breach_overdue(self):
        on_time = self.closed("Gold", sept(3))
        late = self.closed("Gold", sept(4), late=True)
        self.open_ticket("Gold", P3, sept(5))  # still running: not counted
        tickets = on_time | late
        action = self.env.ref("sla_contract.sla_clock_action_compliance")
        clocks = self.env["sla.clock"]
        [[count, compliance]] = clocks._read_group(
            [*safe_eval(action.domain), ("ticket_id", "in", tickets.ids)],
            [],
            ["__count", "compliance:avg"],
        )
        self.assertEqual(count, 4)  # two met, two breached
        self.assertEqual(compliance, 50.0)
        resolution = late.sla_clock_ids.filtered(lambda c: c.metric == "resolution")
        breach = resolution.breach_ids
        # 1 day (1,080 support minutes on 18/7) to resolve, closed 10 days
        # and a minute later.
        self.assertEqual(breach.overdue_minutes, 9 * 1080 + 1)
        self.assertEqual(breach.target_minutes, 1080)
        self.assertFalse(breach.measurement_only)
