"""The agent's SLA queue, its presets, the team card counts and the SLA
configuration menus.

Times are Brussels wall-clock. Tickets are on the Platinum tier (24/7, so
business time is clock time; response/resolution P1 15 min/2 h, P2 1 h/4 h,
P3 2 h/8 h, P4 4 h/1 day; at risk from 75%, SLO at 50%) unless stated.
18 January 2027 is a Monday.
"""

from datetime import timedelta

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged
from odoo.tools.safe_eval import safe_eval

from .common import SlaCase, local

P1, P2, P3, P4 = "3", "2", "1", "0"
NOW = local(2027, 1, 18, 10, 0)
QUEUE_ACTION = "sla_contract.helpdesk_ticket_action_sla_realtime"
QUEUE_LIST = "sla_contract.helpdesk_ticket_view_list_sla_realtime"
CARD_FILTERS = {
    "breached": "sla_open_breached",
    "at_risk": "sla_at_risk",
    "due_today": "sla_due_today",
}


class QueueCase(SlaCase):
    """A known set of tickets of one team, seen at NOW."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_agent = cls.env["res.users"].create(
            {
                "name": "SLA Other Agent",
                "login": "sla_other_agent",
                "groups_id": [
                    (6, 0, [cls.env.ref("helpdesk_mgmt.group_helpdesk_user").id])
                ],
            }
        )

    def setUp(self):
        super().setUp()
        minutes = timedelta(minutes=1)
        make = self.open_ticket
        # At risk: more than 75% of the response used, deadline ahead.
        self.at_risk_soon = make("Platinum", P1, NOW - 12 * minutes)  # due 10:03
        self.at_risk_later = make("Platinum", P2, NOW - 50 * minutes)  # due 10:10
        # Breached and still open: the response passed its deadline.
        self.breached_old = make("Platinum", P1, NOW - 60 * minutes)  # due 09:15
        self.breached_new = make("Platinum", P1, NOW - 30 * minutes)  # due 09:45
        # On track.
        self.on_track_far = make("Platinum", P4, NOW - 10 * minutes)  # due 13:50
        self.on_track_near = make("Platinum", P3, NOW - 5 * minutes)  # due 11:55
        self.on_track_bronze = make("Bronze", P4, NOW)  # 48 business hours
        self.unassigned = make("Platinum", P4, NOW - 20 * minutes, user_id=False)
        self.other_agents = make(
            "Platinum", P1, NOW - 14 * minutes, user_id=self.other_agent.id
        )
        # Paused: waiting on the customer.
        self.paused_first = make("Platinum", P3, NOW - 40 * minutes)
        self.paused_second = make("Platinum", P4, NOW - 30 * minutes)
        self.move(self.paused_first, self.stage_waiting, NOW - 30 * minutes)
        self.move(self.paused_second, self.stage_waiting, NOW - 20 * minutes)
        # Out of the queue: closed after a breach, and without an SLA.
        self.closed_breached = make("Platinum", P1, NOW - 120 * minutes)
        self.without_sla = self.env["helpdesk.ticket"].create(
            {
                "name": "No SLA",
                "description": "-",
                "team_id": self.team.id,
                "user_id": self.agent.id,
            }
        )
        with freeze_time(NOW - 90 * minutes):
            self.env["sla.clock"]._cron_mark_breaches()
        self.move(self.closed_breached, self.stage_done, NOW - 80 * minutes)
        with freeze_time(NOW):
            self.env["sla.clock"]._cron_mark_breaches()
            self.tickets.sla_clock_ids._check_warnings(NOW)

    @property
    def tickets(self):
        return self.env["helpdesk.ticket"].search([("team_id", "=", self.team.id)])

    def search_filters(self):
        """{filter name: domain string} of the ticket search view."""
        arch = self.env["helpdesk.ticket"].get_views([(False, "search")])["views"][
            "search"
        ]["arch"]
        return {
            node.get("name"): node
            for node in etree.fromstring(arch).iter("filter")
            if node.get("name")
        }

    def filter_domain(self, name, user=None):
        node = self.search_filters()[name]
        return safe_eval(node.get("domain"), {"uid": (user or self.agent).id})

    def queue_action(self):
        return self.env["ir.actions.act_window"]._for_xml_id(QUEUE_ACTION)


class TestQueueOrder(QueueCase):
    def test_queue_is_at_risk_breached_on_track_paused_each_by_deadline(self):
        action = self.queue_action()
        context = safe_eval(action["context"])
        # Grouped by urgency by default, groups open, by deadline inside.
        group_filter = self.search_filters()["group_sla_urgency"]
        self.assertEqual(context.get("search_default_group_sla_urgency"), 1)
        groupby = safe_eval(group_filter.get("context"))["group_by"]
        self.assertEqual(groupby, "sla_urgency")
        list_arch = etree.fromstring(
            self.env["helpdesk.ticket"].get_views(
                [(self.env.ref(QUEUE_LIST).id, "list")]
            )["views"]["list"]["arch"]
        )
        self.assertEqual(list_arch.get("expand"), "1")
        order = list_arch.get("default_order")
        domain = [*safe_eval(action["domain"]), ("team_id", "=", self.team.id)]

        Ticket = self.env["helpdesk.ticket"]
        with freeze_time(NOW):
            groups = Ticket._read_group(domain, [groupby], ["__count"])
            queue = {
                urgency: Ticket.search([*domain, (groupby, "=", urgency)], order=order)
                for urgency, _count in groups
            }
        self.assertEqual(
            [urgency for urgency, _count in groups],
            ["1_at_risk", "2_breached", "3_on_track", "4_paused"],
        )
        self.assertEqual(
            list(queue["1_at_risk"]),
            [self.other_agents, self.at_risk_soon, self.at_risk_later],
        )
        self.assertEqual(
            list(queue["2_breached"]), [self.breached_old, self.breached_new]
        )
        self.assertEqual(
            list(queue["3_on_track"]),
            [
                self.on_track_near,  # due 11:55
                self.unassigned,  # due 13:40
                self.on_track_far,  # due 13:50
                self.on_track_bronze,
            ],
        )
        self.assertEqual(
            set(queue["4_paused"]), {self.paused_first, self.paused_second}
        )
        in_queue = Ticket.search(domain)
        self.assertNotIn(self.closed_breached, in_queue)
        self.assertNotIn(self.without_sla, in_queue)

    def test_queue_columns_read_as_words(self):
        arch = etree.fromstring(
            self.env["helpdesk.ticket"].get_views(
                [(self.env.ref(QUEUE_LIST).id, "list")]
            )["views"]["list"]["arch"]
        )
        fields = self.env["helpdesk.ticket"]._fields
        labels = {
            node.get("name"): node.get("string") or fields[node.get("name")].string
            for node in arch.iter("field")
        }
        self.assertEqual(labels["commercial_partner_id"], "Customer")
        self.assertEqual(labels["sla_next_deadline"], "Due")
        # The live badge counts down what remains.
        self.assertEqual(labels["sla_badge"], "Remaining")
        self.assertNotIn("sla_remaining_display", labels, "no stale twin column")
        due = arch.find("field[@name='sla_next_deadline']")
        self.assertEqual(due.get("widget"), "sla_datetime_tz")
        self.assertFalse(safe_eval(due.get("options"))["show_seconds"])

    def test_helpdesk_app_opens_on_the_queue(self):
        menus = self.env["ir.ui.menu"].with_user(self.agent).load_web_menus(debug=False)
        app = self.env.ref("helpdesk_mgmt.helpdesk_ticket_main_menu")
        self.assertEqual(menus[app.id]["actionID"], self.env.ref(QUEUE_ACTION).id)
        # The other ticket views stay in the menu.
        names = {menu["xmlid"] for menu in menus.values()}
        self.assertIn("helpdesk_mgmt.helpdesk_ticket_dashboard_menu", names)
        self.assertIn("helpdesk_mgmt.helpdesk_all_ticket_menu", names)


class TestPresets(QueueCase):
    def found(self, name, user=None):
        return self.env["helpdesk.ticket"].search(
            [("id", "in", self.tickets.ids), *self.filter_domain(name, user)]
        )

    def test_preset_domains(self):
        open_with_sla = self.tickets - self.closed_breached - self.without_sla
        cases = [
            (
                "sla_open_breached",
                self.breached_old | self.breached_new,
            ),
            (
                "sla_next_to_breach",
                open_with_sla
                - self.breached_old
                - self.breached_new
                - self.paused_first
                - self.paused_second,
            ),
            ("sla_unassigned", self.unassigned),
        ]
        with freeze_time(NOW):
            for name, expected in cases:
                with self.subTest(preset=name):
                    self.assertEqual(self.found(name), expected)

    def test_missed_my_slo_is_mine_past_the_internal_objective(self):
        # SLO at 50%: 7.5 min of a P1 response, 30 min of a P2 response. A
        # breached clock missed its SLO too, even if it breached before the
        # SLO was ever checked (closed_breached).
        with freeze_time(NOW):
            mine = self.found("sla_missed_my_slo")
            theirs = self.found("sla_missed_my_slo", self.other_agent)
        self.assertEqual(
            mine,
            self.at_risk_soon
            | self.at_risk_later
            | self.breached_old
            | self.breached_new
            | self.closed_breached,
        )
        self.assertEqual(theirs, self.other_agents)

    def test_breached_filter_says_it_includes_closed_tickets(self):
        node = self.search_filters()["sla_breached"]
        self.assertIn("closed", node.get("string"))
        self.assertIn(self.closed_breached, self.found("sla_breached"))


class TestTeamCards(QueueCase):
    def test_counts_and_clicks_match_the_queue_filters(self):
        team = self.team.with_context(tz="Europe/Brussels")
        with freeze_time(NOW):
            team.invalidate_recordset()
            counts = {
                "breached": team.sla_breached_count,
                "at_risk": team.sla_at_risk_count,
                "due_today": team.sla_due_today_count,
            }
            shown = {
                card: self.env["helpdesk.ticket"]
                .with_context(tz="Europe/Brussels")
                .search_count([("team_id", "=", team.id), *self.filter_domain(name)])
                for card, name in CARD_FILTERS.items()
            }
        # Due today: every counting clock but the Bronze 48-hour one.
        self.assertEqual(counts, {"breached": 2, "at_risk": 3, "due_today": 8})
        self.assertEqual(counts, shown)
        for card, name in CARD_FILTERS.items():
            with self.subTest(card=card):
                action = team.with_context(sla_card=card).action_view_sla_queue()
                self.assertEqual(action["xml_id"], QUEUE_ACTION)
                context = action["context"]
                self.assertEqual(context[f"search_default_{name}"], 1)
                self.assertEqual(context["search_default_team_id"], team.id)
                self.assertEqual(context["search_default_group_sla_urgency"], 1)

    def test_counts_are_per_team_and_read_in_one_query_per_card(self):
        other = self.env["helpdesk.ticket.team"].create({"name": "Other team"})
        teams = self.team | other
        with freeze_time(NOW), self.assertQueryCount(3):
            teams.invalidate_recordset()
            teams.mapped("sla_breached_count")
        self.assertEqual(other.sla_breached_count, 0)
        self.assertEqual(self.team.sla_breached_count, 2)


class TestSupportHoursMenu(SlaCase):
    def calendars_listed(self):
        action = self.env.ref("sla_contract.resource_calendar_action_sla")
        domain = safe_eval(
            action.domain, {"allowed_company_ids": self.env.companies.ids}
        )
        return self.env["resource.calendar"].search(domain)

    def test_lists_sla_calendars_not_hr_schedules(self):
        hr_schedule = self.env["resource.calendar"].create(
            {"name": "Part-time 4/5", "tz": "Europe/Brussels"}
        )
        listed = self.calendars_listed()
        shipped = [
            "resource_calendar_business_hours",
            "resource_calendar_extended_hours",
            "resource_calendar_18_7",
            "resource_calendar_24_7",
        ]
        for xmlid in shipped:
            self.assertIn(self.env.ref(f"sla_contract.{xmlid}"), listed)
        self.assertNotIn(hr_schedule, listed)
        self.assertNotIn(self.env.company.resource_calendar_id, listed)
        menu = self.env.ref("sla_contract.sla_calendar_menu")
        self.assertEqual(
            menu.action, self.env.ref("sla_contract.resource_calendar_action_sla")
        )

    def test_a_schedule_joins_once_a_tier_or_contract_uses_it(self):
        Calendar = self.env["resource.calendar"]
        for_tier = Calendar.create({"name": "Tier hours", "tz": "Europe/Brussels"})
        for_contract = Calendar.create(
            {"name": "Contract hours", "tz": "Europe/Brussels"}
        )
        self.assertFalse((for_tier | for_contract) & self.calendars_listed())
        self.silver.calendar_id = for_tier
        self.contracts["Gold"].sla_calendar_id = for_contract
        self.assertIn(for_tier, self.calendars_listed())
        self.assertIn(for_contract, self.calendars_listed())
        from_menu = Calendar.with_context(
            **safe_eval(
                self.env.ref("sla_contract.resource_calendar_action_sla").context
            )
        ).create({"name": "Created from Support Hours"})
        self.assertIn(from_menu, self.calendars_listed())

    def test_hours_per_week(self):
        cases = [
            ("resource_calendar_business_hours", 40.0),
            ("resource_calendar_extended_hours", 60.0),
            ("resource_calendar_18_7", 126.0),
            ("resource_calendar_24_7", 168.0),
        ]
        for xmlid, hours in cases:
            with self.subTest(calendar=xmlid):
                calendar = self.env.ref(f"sla_contract.{xmlid}")
                self.assertEqual(calendar.sla_hours_per_week, hours)


class TestPublicHolidays(SlaCase):
    def holidays_listed(self):
        action = self.env.ref(
            "sla_contract.resource_calendar_leaves_action_sla_holidays"
        )
        return self.env["resource.calendar.leaves"].search(safe_eval(action.domain))

    def test_action_lists_the_holidays_clocks_skip(self):
        Leave = self.env["resource.calendar.leaves"]
        hr_schedule = self.env["resource.calendar"].create({"name": "HR schedule"})
        day = local(2027, 5, 5, 0, 0)
        values = {"date_from": day, "date_to": day + timedelta(hours=23)}
        on_sla = Leave.create(
            {**values, "name": "Liberation Day", "calendar_id": self.business_hours.id}
        )
        everywhere = Leave.create(
            {**values, "name": "Company day", "calendar_id": False}
        )
        on_hr = Leave.create(
            {**values, "name": "HR closing", "calendar_id": hr_schedule.id}
        )
        resource = self.env["resource.resource"].create({"name": "Engineer"})
        personal = Leave.create(
            {
                **values,
                "name": "Personal leave",
                "calendar_id": self.business_hours.id,
                "resource_id": resource.id,
            }
        )
        listed = self.holidays_listed()
        self.assertIn(on_sla, listed)
        self.assertIn(everywhere, listed)
        self.assertNotIn(on_hr, listed)
        self.assertNotIn(personal, listed)

    def test_menu_outside_debug_mode_with_its_own_views(self):
        menu = self.env.ref("sla_contract.sla_holiday_menu")
        action = self.env.ref(
            "sla_contract.resource_calendar_leaves_action_sla_holidays"
        )
        self.assertEqual(menu.action, action)
        self.assertEqual(menu.parent_id, self.env.ref("sla_contract.sla_config_menu"))
        no_one = self.env.ref("base.group_no_one")
        self.assertNotIn(no_one, menu.groups_id | menu.parent_id.groups_id)
        modes = [(view.view_mode, view.view_id) for view in action.view_ids]
        self.assertEqual(
            modes,
            [
                (
                    "list",
                    self.env.ref(
                        "sla_contract.resource_calendar_leaves_view_list_sla_holiday"
                    ),
                ),
                (
                    "form",
                    self.env.ref(
                        "sla_contract.resource_calendar_leaves_view_form_sla_holiday"
                    ),
                ),
            ],
        )
        arch = etree.fromstring(
            self.env["resource.calendar.leaves"].get_views([(modes[0][1].id, "list")])[
                "views"
            ]["list"]["arch"]
        )
        self.assertEqual(arch.get("editable"), "bottom")

    def test_sla_manager_edits_holidays_of_support_hours_only(self):
        manager = self.env["res.users"].create(
            {
                "name": "SLA Manager",
                "login": "sla_holiday_manager",
                "groups_id": [
                    (6, 0, [self.env.ref("helpdesk_mgmt.group_helpdesk_manager").id])
                ],
            }
        )
        Leave = self.env["resource.calendar.leaves"].with_user(manager)
        day = local(2027, 5, 5, 0, 0)
        values = {"date_from": day, "date_to": day + timedelta(hours=23)}
        holiday = Leave.create(
            {**values, "name": "Liberation Day", "calendar_id": self.business_hours.id}
        )
        holiday.name = "Liberation Day (Netherlands)"
        hr_schedule = self.env["resource.calendar"].create({"name": "HR schedule"})
        with self.assertRaises(AccessError):
            Leave.create(
                {**values, "name": "HR closing", "calendar_id": hr_schedule.id}
            )
        holiday.unlink()


# After the whole suite's demo: the year of history is written by the last
# addon of the suite installed.
@tagged("post_install", "-at_install")
class TestDemoQueue(TransactionCase):
    def test_demo_queue_shows_every_urgency(self):
        team = self.env.ref("sla_contract.demo_team_support", raise_if_not_found=False)
        if not team:
            self.skipTest("the database has no demo data")
        action = self.env["ir.actions.act_window"]._for_xml_id(QUEUE_ACTION)
        groups = self.env["helpdesk.ticket"]._read_group(
            [*safe_eval(action["domain"]), ("team_id", "=", team.id)],
            ["sla_urgency"],
            ["__count"],
        )
        self.assertEqual(
            [urgency for urgency, _count in groups],
            ["1_at_risk", "2_breached", "3_on_track", "4_paused"],
        )
