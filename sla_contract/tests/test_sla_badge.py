"""What the live SLA badge receives: ``helpdesk.ticket.sla_badge``.

The browser counts business time down on its own from these values, so the
figures must add up there: the working intervals sent, overlapped with
[now, deadline), give exactly the business minutes left.

Times are Brussels wall-clock on the shipped Bronze tier (Mon-Fri
09:00-17:00, P1: response 4 h, resolution 24 h, SLO 50 %, at risk 75 %).
15 January 2027 is a Friday.
"""

import pytz
from freezegun import freeze_time

from odoo.tests import Form

from .common import SlaCase, local

P1 = "3"


def ms(*args):
    """Epoch milliseconds of a Brussels wall-clock time, as the badge gets it."""
    return round(local(*args).replace(tzinfo=pytz.utc).timestamp() * 1000)


def overlap_minutes(intervals, start, end):
    """What the browser computes: business minutes of [start, end)."""
    total = 0
    for a, b in intervals:
        total += max(min(b, end) - max(a, start), 0)
    return total / 60000


class TestSlaBadge(SlaCase):
    def badge(self, ticket, at):
        with freeze_time(at):
            ticket.invalidate_recordset(["sla_badge"])
            return ticket.sla_badge

    def run_breach_job(self, at):
        with freeze_time(at):
            self.env["sla.clock"]._cron_mark_breaches()

    def metric(self, badge, metric):
        return next(c for c in badge["clocks"] if c["metric"] == metric)

    def test_running_clock_before_a_weekend(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 15, 16, 0))
        badge = self.badge(ticket, local(2027, 1, 15, 16, 30))
        self.assertEqual(badge["now"], ms(2027, 1, 15, 16, 30))
        self.assertEqual(badge["stage"], ticket.stage_id.name)
        self.assertEqual(
            [c["metric"] for c in badge["clocks"]], ["response", "resolution"]
        )
        response = self.metric(badge, "response")
        self.assertEqual(
            {
                key: response[key]
                for key in (
                    "label",
                    "state",
                    "tier",
                    "target",
                    "consumed",
                    "overdue",
                    "start_at",
                    "deadline",
                    "slo_deadline",
                    "slo_percent",
                    "slo_missed",
                    "at_risk_at",
                    "at_risk_percent",
                    "paused_since",
                    "stopped_at",
                )
            },
            {
                "label": "Response",
                "state": "running",
                "tier": "Bronze",
                "target": 240,
                "consumed": 30.0,
                "overdue": 0.0,
                "start_at": ms(2027, 1, 15, 16, 0),
                "deadline": ms(2027, 1, 18, 12, 0),
                "slo_deadline": ms(2027, 1, 18, 10, 0),
                "slo_percent": 50.0,
                "slo_missed": False,
                "at_risk_at": ms(2027, 1, 18, 11, 0),
                "at_risk_percent": 75.0,
                "paused_since": None,
                "stopped_at": None,
            },
        )
        # Working time from now to a day past the deadline, weekend skipped.
        self.assertEqual(response["horizon"], ms(2027, 1, 19, 12, 0))
        self.assertEqual(
            response["intervals"],
            [
                [ms(2027, 1, 15, 16, 30), ms(2027, 1, 15, 17, 0)],
                [ms(2027, 1, 18, 9, 0), ms(2027, 1, 18, 17, 0)],
                [ms(2027, 1, 19, 9, 0), ms(2027, 1, 19, 12, 0)],
            ],
        )
        now, deadline = badge["now"], response["deadline"]
        self.assertEqual(overlap_minutes(response["intervals"], now, deadline), 210)
        # Saturday morning, as the browser sees it: nothing counted since Friday.
        saturday = ms(2027, 1, 16, 10, 0)
        self.assertEqual(
            overlap_minutes(response["intervals"], saturday, deadline), 180
        )
        resolution = self.metric(badge, "resolution")
        self.assertEqual(resolution["deadline"], ms(2027, 1, 20, 16, 0))
        self.assertEqual(
            overlap_minutes(resolution["intervals"], now, resolution["deadline"]),
            24 * 60 - 30,
        )

    def test_overdue_clock_carries_the_business_time_already_late(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.run_breach_job(local(2027, 1, 18, 13, 5))
        badge = self.badge(ticket, local(2027, 1, 18, 14, 30))
        response = self.metric(badge, "response")
        self.assertEqual(response["state"], "breached")
        self.assertEqual(response["overdue"], 90.0)
        self.assertEqual(response["horizon"], ms(2027, 1, 19, 14, 30))
        self.assertEqual(
            response["intervals"],
            [
                [ms(2027, 1, 18, 14, 30), ms(2027, 1, 18, 17, 0)],
                [ms(2027, 1, 19, 9, 0), ms(2027, 1, 19, 14, 30)],
            ],
        )

    def test_paused_clock_is_frozen_with_the_stage(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.move(ticket, self.stage_waiting, local(2027, 1, 18, 10, 4))
        badge = self.badge(ticket, local(2027, 1, 18, 15, 0))
        self.assertEqual(badge["stage"], self.stage_waiting.name)
        for clock in badge["clocks"]:
            self.assertEqual(clock["state"], "paused")
            self.assertEqual(clock["paused_since"], ms(2027, 1, 18, 10, 4))
            self.assertEqual(clock["consumed"], 64.0)
            self.assertFalse(clock["intervals"])
            self.assertIsNone(clock["horizon"])

    def test_met_and_missed_clocks(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 9, 42)):
            ticket.with_user(self.agent).message_post(
                body="We are on it.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        badge = self.badge(ticket, local(2027, 1, 18, 10, 0))
        response = self.metric(badge, "response")
        self.assertEqual(response["state"], "met")
        self.assertEqual(response["stopped_at"], ms(2027, 1, 18, 9, 42))
        self.assertEqual(response["consumed"], 42.0)
        self.assertFalse(response["intervals"])
        self.assertEqual(self.metric(badge, "resolution")["state"], "running")
        # Closed a day late: the resolution is missed by 8 business hours.
        self.move(ticket, self.stage_done, local(2027, 1, 22, 9, 0))
        badge = self.badge(ticket, local(2027, 1, 25, 9, 0))
        resolution = self.metric(badge, "resolution")
        self.assertEqual(resolution["state"], "breached")
        self.assertEqual(resolution["overdue"], 8 * 60.0)
        self.assertFalse(resolution["intervals"])

    def test_only_the_current_cycle_is_sent(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        self.move(ticket, self.stage_done, local(2027, 1, 18, 10, 0))
        self.move(ticket, self.stage_progress, local(2027, 1, 18, 11, 0))
        badge = self.badge(ticket, local(2027, 1, 18, 11, 30))
        self.assertEqual(
            [(c["metric"], c["cycle"], c["state"]) for c in badge["clocks"]],
            [("response", 1, "met"), ("resolution", 2, "running")],
        )

    def test_form_edits_recompute_the_badge(self):
        """The form's onchange computes the badge on a draft of the ticket."""
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        with freeze_time(local(2027, 1, 18, 10, 0)):
            form = Form(ticket.with_user(self.agent))
            form.stage_id = self.stage_waiting
            clocks = form.sla_badge["clocks"]
            self.assertEqual(
                [c["id"] for c in clocks], ticket._sla_current_clocks().ids
            )

    def test_no_clock_no_badge(self):
        partner = self.env["res.partner"].create({"name": "No contract"})
        ticket = self.env["helpdesk.ticket"].create(
            {"name": "x", "description": "y", "partner_id": partner.id}
        )
        self.assertFalse(ticket.sla_badge)

    def test_customers_never_get_the_internal_slo(self):
        ticket = self.open_ticket("Bronze", P1, local(2027, 1, 18, 9, 0))
        portal = self.env["res.users"].create(
            {
                "name": "Badge portal",
                "login": "badge_portal",
                "partner_id": self.customers["Bronze"].id,
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        ticket.partner_id = self.customers["Bronze"]
        with freeze_time(local(2027, 1, 18, 10, 0)):
            badge = ticket.with_user(portal).sla_badge
        for clock in badge["clocks"]:
            self.assertFalse({"slo_deadline", "slo_percent", "slo_missed"} & set(clock))

    def test_a_list_of_tickets_costs_no_query_per_ticket(self):
        start = local(2027, 1, 18, 9, 0)
        tickets = [
            self.open_ticket(tier, P1, start)
            for tier in ("Bronze", "Silver", "Gold", "Platinum")
            for _dummy in range(10)
        ]
        Ticket = self.env["helpdesk.ticket"].with_user(self.agent)

        def read(count):
            records = Ticket.browse([t.id for t in tickets[:count]])
            self.env.invalidate_all()
            with freeze_time(local(2027, 1, 18, 10, 0)):
                before = self.env.cr.sql_log_count
                records.read(["sla_badge"])
                return self.env.cr.sql_log_count - before

        read(40)  # engines built once per calendar, then cached
        self.assertEqual(read(8), read(40))
