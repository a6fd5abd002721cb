import base64
from datetime import date, datetime, time, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree

from odoo.tools.safe_eval import safe_eval
from odoo.tools.translate import code_translations

from .common import SlaCase

P1, P2, P3, P4 = "3", "2", "1", "0"
# What a manager reads wherever the suite shows a priority, in this order.
VOCABULARY = [
    (P1, "P1 - Critical"),
    (P2, "P2 - High"),
    (P3, "P3 - Medium"),
    (P4, "P4 - Low"),
]


class TestReportFigures(SlaCase):
    """The figures the manager reports show, read as a service manager reads
    them: the columns of their lists, the measures of their pivots, their
    groups and the default period of the SLA Analysis. Platinum's 24/7
    calendar counts every minute, so the expected figures are wall-clock
    minutes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls.env["res.users"].create(
            {
                "name": "SLA Report Manager",
                "login": "sla_report_manager",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    def column(self, model, label, records):
        """{record id: value} of the list column headed `label` in the
        default list view of `model`, read as the manager's browser reads
        it (get_views, then web_search_read)."""
        Model = self.env[model].with_user(self.manager)
        views = Model.get_views([(False, "list")])
        fields = views["models"][model]["fields"]
        arch = etree.fromstring(views["views"]["list"]["arch"])
        names = [
            node.get("name")
            for node in arch.iter("field")
            if (node.get("string") or fields[node.get("name")]["string"]) == label
        ]
        self.assertEqual(len(names), 1, f"one column {label!r} in the list")
        rows = Model.web_search_read([("id", "in", records.ids)], {names[0]: {}})
        return {row["id"]: row[names[0]] for row in rows["records"]}

    def measure_label(self, action_xmlid):
        """The label of the first measure of the action's pivot."""
        action = self.env.ref(action_xmlid)
        pivot = action.view_ids.filtered(lambda v: v.view_mode == "pivot").view_id
        Model = self.env[action.res_model].with_user(self.manager)
        views = Model.get_views([(pivot.id, "pivot")])
        arch = etree.fromstring(views["views"]["pivot"]["arch"])
        [measure] = [n for n in arch.iter("field") if n.get("type") == "measure"]
        return views["models"][action.res_model]["fields"][measure.get("name")][
            "string"
        ]

    def breach_job(self, at):
        with freeze_time(at):
            self.env["sla.clock"]._cron_mark_breaches()

    def report(self, *tickets):
        # A SQL view: what is cached of it is stale once its tables changed.
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["sla.ticket.report"].search(
            [("ticket_id", "in", [t.id for t in tickets])]
        )

    def review_response(self, contract, start, end):
        values = contract._sla_review_values(start, end)
        [kpi] = [k for k in values["kpis"] if k["name"] == "Average response time"]
        return kpi["figure"]

    # ------------------------------------------------------------------
    # 1. live figures of running clocks and open breaches
    # ------------------------------------------------------------------

    def test_running_clock_shows_the_time_used_now(self):
        ticket = self.open_ticket("Platinum", P3, datetime(2026, 9, 2, 10, 0))
        response = self.clock(ticket, "response")
        with freeze_time(datetime(2026, 9, 2, 10, 20)):
            used = self.column("sla.clock", "Used (business min)", response)
        self.assertEqual(used[response.id], 20.0)
        # The ticket form's clock table too, on every row.
        Ticket = self.env["helpdesk.ticket"].with_user(self.manager)
        form = etree.fromstring(
            Ticket.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        [cell] = form.xpath(
            "//field[@name='sla_clock_ids']//field[@name='used_minutes']"
        )
        self.assertFalse(cell.get("invisible"))
        with freeze_time(datetime(2026, 9, 2, 10, 20)):
            [read] = Ticket.browse(ticket.id).web_read(
                {"sla_clock_ids": {"fields": {"metric": {}, "used_minutes": {}}}}
            )
        self.assertEqual(
            {row["metric"]: row["used_minutes"] for row in read["sla_clock_ids"]},
            {"response": 20.0, "resolution": 20.0},
        )

    def test_open_breach_shows_the_time_overdue_now(self):
        # P1: 15 minutes to respond; breached at 10:15 and still unanswered.
        ticket = self.open_ticket("Platinum", P1, datetime(2026, 9, 3, 10, 0))
        self.breach_job(datetime(2026, 9, 3, 10, 20))
        breach = self.clock(ticket, "response").breach_ids
        self.assertTrue(breach)
        with freeze_time(datetime(2026, 9, 3, 10, 50)):
            overdue = self.column("sla.breach", "Overdue By (business min)", breach)
        self.assertEqual(overdue[breach.id], 35.0)
        # Once the clock stopped, the figure is the one at its stop.
        self.move(ticket, self.stage_done, datetime(2026, 9, 3, 11, 0))
        with freeze_time(datetime(2026, 9, 5, 10, 0)):
            overdue = self.column("sla.breach", "Overdue By (business min)", breach)
        self.assertEqual(overdue[breach.id], 45.0)

    # ------------------------------------------------------------------
    # 2. the response time of a ticket never answered
    # ------------------------------------------------------------------

    def test_never_answered_ticket_has_no_response_time(self):
        start = datetime(2026, 9, 1, 10, 0)
        ticket = self.open_ticket("Platinum", P3, start)
        # Paused after 86 seconds (1.43 min), resumed at 10:30: the clock's
        # last event left 1.43 minutes in its counter.
        self.move(ticket, self.stage_waiting, start + timedelta(seconds=86))
        self.move(ticket, self.stage_progress, start + timedelta(minutes=30))
        self.breach_job(datetime(2026, 9, 1, 13, 0))
        response = self.clock(ticket, "response")
        self.assertEqual(response.state, "breached")
        self.assertFalse(response.stopped_at)
        [row] = self.report(ticket)
        self.assertEqual(row.outcome, "breached")
        self.assertEqual(row.compliance, 0.0)
        # No reply yet: no response time, no resolution time, and the
        # list shows blank cells, not a figure.
        self.assertFalse(row.responded)
        self.assertFalse(row.resolved)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT response_minutes, response_share, resolution_minutes"
            " FROM sla_ticket_report WHERE id = %s",
            [row.id],
        )
        self.assertEqual(self.env.cr.fetchone(), (None, None, None))
        contract = self.contracts["Platinum"]
        september = (date(2026, 9, 1), date(2026, 10, 1))
        self.assertIsNone(self.review_response(contract, *september))
        with freeze_time(datetime(2026, 9, 1, 13, 30)):
            cells = self.column(
                "sla.ticket.report", "Response time (business min)", row
            )
        self.assertEqual(cells[row.id], 0.0)
        list_arch = etree.fromstring(
            self.env["sla.ticket.report"]
            .with_user(self.manager)
            .get_views([(False, "list")])["views"]["list"]["arch"]
        )
        [cell] = list_arch.xpath("//field[@name='response_minutes']")
        self.assertEqual(cell.get("invisible"), "not responded")
        # Closed at 14:00 without a reply: the response clock stops at the
        # closing, 240 minutes less the 28 min 34 s paused.
        self.move(ticket, self.stage_done, datetime(2026, 9, 1, 14, 0))
        [row] = self.report(ticket)
        used = 240 - (30 - 86 / 60)
        self.assertTrue(row.responded)
        self.assertAlmostEqual(row.response_minutes, used)
        self.assertAlmostEqual(self.review_response(contract, *september), used)

    def test_analysis_and_review_average_the_same_response_times(self):
        answered = self.open_ticket("Platinum", P3, datetime(2026, 9, 14, 9, 0))
        with freeze_time(datetime(2026, 9, 14, 9, 30)):
            answered.with_user(self.agent).message_post(
                body="On it.", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self.move(answered, self.stage_done, datetime(2026, 9, 14, 10, 0))
        waiting = self.open_ticket("Platinum", P3, datetime(2026, 9, 14, 9, 0))
        # Waiting on the customer from 9:00:30 to 9:01: half a minute used.
        self.move(waiting, self.stage_waiting, datetime(2026, 9, 14, 9, 0, 30))
        self.move(waiting, self.stage_progress, datetime(2026, 9, 14, 9, 1))
        self.breach_job(datetime(2026, 9, 14, 12, 0))
        self.assertTrue(waiting.sla_clock_ids.breach_ids)
        contract = self.contracts["Platinum"]
        self.env.flush_all()
        [[count, compliance, average]] = self.env["sla.ticket.report"]._read_group(
            [
                ("contract_id", "=", contract.id),
                ("report_date", ">=", date(2026, 9, 1)),
                ("report_date", "<", date(2026, 10, 1)),
            ],
            [],
            ["__count", "compliance:avg", "response_minutes:avg"],
        )
        # Both tickets count, one outside the SLA; only the answered one
        # has a response time: its 30 minutes, not dragged down by the half
        # minute the waiting ticket had used at its last event.
        self.assertEqual((count, compliance), (2, 50.0))
        self.assertEqual(average, 30.0)
        self.assertEqual(
            self.review_response(contract, date(2026, 9, 1), date(2026, 10, 1)),
            average,
        )

    # ------------------------------------------------------------------
    # 3. two compliance figures, two names
    # ------------------------------------------------------------------

    def test_ticket_and_clock_compliance_are_named_apart(self):
        self.assertEqual(
            self.measure_label("sla_contract.sla_clock_action_compliance"),
            "Clocks met %",
        )
        Report = self.env["sla.ticket.report"].with_user(self.manager)
        views = Report.get_views([(False, "pivot")])
        arch = etree.fromstring(views["views"]["pivot"]["arch"])
        [measure] = [n for n in arch.iter("field") if n.get("type") == "measure"]
        self.assertEqual(
            views["models"]["sla.ticket.report"]["fields"][measure.get("name")][
                "string"
            ],
            "Tickets within SLA % (target > 95)",
        )
        menus = {
            self.env.ref(f"sla_contract.{xmlid}").name
            for xmlid in ("sla_ticket_report_menu", "sla_clock_compliance_menu")
        }
        self.assertEqual(menus, {"SLA Analysis", "SLA Clocks Met"})
        self.assertEqual(
            self.env.ref("sla_contract.sla_clock_action_compliance").name,
            "SLA Clocks Met",
        )
        # One ticket, response breached, resolution met: one ticket outside
        # the SLA, one clock of two met.
        ticket = self.open_ticket("Platinum", P1, datetime(2026, 9, 21, 10, 0))
        self.move(ticket, self.stage_done, datetime(2026, 9, 21, 10, 30))
        [row] = self.report(ticket)
        self.assertEqual(row.compliance, 0.0)
        [[clocks_met]] = self.env["sla.clock"]._read_group(
            [("ticket_id", "=", ticket.id)], [], ["compliance:avg"]
        )
        self.assertEqual(clocks_met, 50.0)

    # ------------------------------------------------------------------
    # 4. what the SLA Analysis opens on
    # ------------------------------------------------------------------

    def default_domain(self, action_xmlid, today):
        """The domain of the filters the action turns on by default, as the
        web client builds it on `today`."""
        action = self.env.ref(action_xmlid)
        context = safe_eval(action.context or "{}")
        Model = self.env[action.res_model].with_user(self.manager)
        views = Model.get_views([(action.search_view_id.id, "search")])
        arch = etree.fromstring(views["views"]["search"]["arch"])
        domain = []
        for node in arch.iter("filter"):
            if not context.get(f"search_default_{node.get('name')}"):
                continue
            if node.get("date"):
                # The web client's default option of a date filter: the
                # current month.
                self.assertFalse(node.get("default_period"))
                first = today.replace(day=1)
                domain += [
                    (node.get("date"), ">=", first),
                    (node.get("date"), "<", first + relativedelta(months=1)),
                ]
            else:
                domain += safe_eval(
                    node.get("domain"),
                    {"context_today": lambda: today, "relativedelta": relativedelta},
                )
        return domain

    def test_analysis_opens_on_the_last_three_months(self):
        tickets = self.env["helpdesk.ticket"]
        for day in (
            date(2026, 9, 30),
            date(2026, 10, 1),
            date(2026, 11, 15),
            date(2026, 12, 2),
        ):
            opened = datetime.combine(day, time(10, 0))
            ticket = self.open_ticket("Platinum", P3, opened)
            self.move(ticket, self.stage_done, opened + timedelta(hours=1))
            tickets |= ticket
        rows = self.report(*tickets)
        # On the 3rd of December, the month just ended and the one before
        # still show.
        domain = self.default_domain(
            "sla_contract.sla_ticket_report_action", date(2026, 12, 3)
        )
        shown = rows.search([("id", "in", rows.ids), *domain])
        self.assertEqual(
            sorted(shown.mapped("report_date")),
            [date(2026, 10, 1), date(2026, 11, 15), date(2026, 12, 2)],
        )

    # ------------------------------------------------------------------
    # 5. one priority vocabulary, P1 first
    # ------------------------------------------------------------------

    def test_every_priority_selection_reads_p1_to_p4(self):
        for model, fname in (
            ("sla.clock", "ticket_priority"),
            ("sla.cycle", "ticket_priority"),
            ("sla.breach", "ticket_priority"),
            ("sla.ticket.report", "priority"),
            ("sla.priority", "ticket_priority"),
        ):
            with self.subTest(model=model):
                described = self.env[model].with_user(self.manager).fields_get([fname])
                self.assertEqual(
                    [tuple(option) for option in described[fname]["selection"]],
                    VOCABULARY,
                )
        # The ticket's own stars, from none (P4) to three (P1), as their
        # widget reads them: grouping or filtering tickets by priority, and
        # each star's tooltip, use the same names.
        described = (
            self.env["helpdesk.ticket"].with_user(self.manager).fields_get(["priority"])
        )
        self.assertEqual(
            [tuple(option) for option in described["priority"]["selection"]],
            VOCABULARY[::-1],
        )

    def four_breached_tickets(self):
        """One ticket of each priority, P4 first, all breached on 8 Sept."""
        tickets = self.env["helpdesk.ticket"]
        for priority in (P4, P1, P3, P2):
            tickets |= self.open_ticket(
                "Platinum", priority, datetime(2026, 9, 8, 8, 0)
            )
        self.breach_job(datetime(2026, 9, 8, 20, 0))
        self.env.flush_all()
        return tickets

    def test_priority_groups_come_p1_first(self):
        tickets = self.four_breached_tickets()
        p1_to_p4 = [value for value, _label in VOCABULARY]
        domain = [("ticket_id", "in", tickets.ids)]
        for model, fname in (
            ("sla.ticket.report", "priority"),
            ("sla.cycle", "ticket_priority"),
            ("sla.clock", "ticket_priority"),
            ("sla.breach", "ticket_priority"),
        ):
            with self.subTest(model=model):
                Model = self.env[model].with_user(self.manager)
                # A pivot's or a graph's columns: week, then priority.
                week = (
                    "report_date:week"
                    if model == "sla.ticket.report"
                    else "create_date:week"
                )
                groups = Model.read_group(
                    domain, ["__count"], [week, fname], lazy=False
                )
                order = list(dict.fromkeys(g[fname] for g in groups))
                self.assertEqual(order, p1_to_p4)
                # A grouped list, and the ORM's own grouping.
                lazy = Model.read_group(domain, ["__count"], [fname])
                self.assertEqual([g[fname] for g in lazy], p1_to_p4)
                rows = Model._read_group(domain, [fname], ["__count"])
                self.assertEqual([value for value, _count in rows], p1_to_p4)
                # A list sorted by the priority column.
                records = Model.search(domain, order=f"{fname}, id")
                self.assertEqual(list(dict.fromkeys(records.mapped(fname))), p1_to_p4)

    def test_ticket_groups_by_priority_come_p1_first(self):
        tickets = self.four_breached_tickets()
        p1_to_p4 = [value for value, _label in VOCABULARY]
        Ticket = self.env["helpdesk.ticket"].with_user(self.manager)
        domain = [("id", "in", tickets.ids)]
        # A pivot or a grouped ticket list, without an order of its own.
        groups = Ticket.read_group(domain, ["__count"], ["priority"])
        self.assertEqual([g["priority"] for g in groups], p1_to_p4)
        # helpdesk_mgmt's own orders keep their meaning: its queue sorts
        # "priority desc", P1 first.
        self.assertEqual(Ticket.search(domain).mapped("priority"), p1_to_p4)
        # An explicit direction is helpdesk_mgmt's: "asc" from no star up.
        groups = Ticket.read_group(
            domain, ["__count"], ["priority"], orderby="priority asc"
        )
        self.assertEqual([g["priority"] for g in groups], p1_to_p4[::-1])

    # ------------------------------------------------------------------
    # 7. the chart's words are the reader's
    # ------------------------------------------------------------------

    def test_review_chart_target_is_translated(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        # Load the module's French terms, then add the one under test.
        terms = dict(code_translations.get_python_translations("sla_contract", "fr_FR"))
        terms["target %(target)s%%"] = "objectif %(target)s %%"
        with patch.dict(
            code_translations.python_translations,
            {("sla_contract", "fr_FR"): terms},
        ):
            chart = (
                self.contracts["Gold"]
                .with_context(lang="fr_FR")
                ._sla_review_chart(date(2026, 10, 1), "month")
            )
        svg = base64.b64decode(chart.split(",", 1)[1]).decode()
        self.assertIn(">objectif 95 %</text>", svg)
        self.assertNotIn(">target", svg)
