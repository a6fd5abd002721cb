"""What each kind of user may and may not do with SLA data.

Clocks, pauses and breaches follow the visibility of their ticket; the
internal SLO and the root-cause analysis stay with the support organisation;
agents read the contracts their tickets run on, never write them.
"""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, TransactionCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import local

# The SLA fields of a ticket, as the form and list views read them.
TICKET_SLA_FIELDS = [
    "sla_contract_id",
    "sla_tier_id",
    "sla_clock_ids",
    "sla_next_deadline",
    "sla_at_risk_at",
    "sla_state",
    "sla_breached",
    "sla_paused",
    "sla_color",
    "sla_remaining_display",
    "sla_badge",
    "sla_at_risk",
    "sla_due_today",
    "sla_priority_id",
    "sla_priority_help",
]
# What a customer may see of his own clocks.
CLOCK_PUBLIC_FIELDS = [
    "display_name",
    "ticket_id",
    "metric",
    "cycle",
    "tier_id",
    "contract_id",
    "start_at",
    "deadline",
    "state",
    "stopped_at",
    "breached_at",
    "paused_minutes",
    "percent_used",
    "remaining_display",
    "color",
    "pause_ids",
    "breach_ids",
]
CLOCK_INTERNAL_FIELDS = ["slo_percent", "slo_deadline"]
BREACH_RCA_FIELDS = [
    "what_happened",
    "cause",
    "cause_details",
    "escalation_outcome",
    "escalation_notes",
    "customer_impact",
    "corrective_action",
]
# The ticket form's spec for the SLA panel, as the web client sends it.
TICKET_FORM_SPEC = {
    "sla_contract_id": {"fields": {"display_name": {}}},
    "sla_tier_id": {"fields": {"display_name": {}}},
    "sla_priority_id": {"fields": {"display_name": {}}},
    "sla_priority_help": {},
    "sla_color": {},
    "sla_badge": {},
    "sla_next_deadline": {},
    "sla_clock_ids": {
        "fields": {
            "metric": {},
            "cycle": {},
            "start_at": {},
            "deadline": {},
            "remaining_display": {},
            "percent_used": {},
            "paused_minutes": {},
            "state": {},
            "stopped_at": {},
            "color": {},
        }
    },
}


class AccessFixtures:
    """Two customers' tickets in two teams, and one user of each kind.

    Visibility, by helpdesk_mgmt's ticket rules:
    - ``ticket_bronze``: Bronze customer, team A, assigned to the own-tickets
      agent; its customer contact is the portal user. Breached.
    - ``ticket_silver``: Silver customer, team A, assigned to the manager;
      the employee follows it. Open.
    - ``ticket_gold``: Gold customer, team B, assigned to the manager; nobody
      but managers sees it. Breached.
    """

    @classmethod
    def _setup_access_fixtures(cls):
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        cls.company = cls.env.company
        cls.team_a = cls.env["helpdesk.ticket.team"].create({"name": "Access team A"})
        cls.team_b = cls.env["helpdesk.ticket.team"].create({"name": "Access team B"})
        cls.customers, cls.contracts = {}, {}
        for tier_xmlid in ("bronze", "silver", "gold"):
            tier = ref(f"sla_contract.sla_tier_{tier_xmlid}")
            partner = cls.env["res.partner"].create(
                {"name": f"Access {tier.name} Customer", "is_company": True}
            )
            cls.customers[tier_xmlid] = partner
            cls.contracts[tier_xmlid] = cls.env["contract.contract"].create(
                {
                    "name": f"Access {tier.name} support",
                    "partner_id": partner.id,
                    "contract_type": "sale",
                    "sla_tier_id": tier.id,
                    "date_start": date(2026, 1, 1),
                    "sla_date_start": date(2026, 1, 1),
                    "sla_slo_percent": 60.0,
                }
            )
        cls.bronze_contact = cls.env["res.partner"].create(
            {
                "name": "Bronze Contact",
                "email": "contact@bronze.example.com",
                "parent_id": cls.customers["bronze"].id,
            }
        )
        cls.portal_user = cls._access_user(
            "access_portal", ["base.group_portal"], partner_id=cls.bronze_contact.id
        )
        cls.employee = cls._access_user("access_employee", ["base.group_user"])
        cls.own_agent = cls._access_user(
            "access_own_agent", ["helpdesk_mgmt.group_helpdesk_user_own"]
        )
        cls.team_agent = cls._access_user(
            "access_team_agent", ["helpdesk_mgmt.group_helpdesk_user_team"]
        )
        cls.manager = cls._access_user(
            "access_manager", ["helpdesk_mgmt.group_helpdesk_manager"]
        )
        cls.accountant = cls._access_user(
            "access_accountant", ["account.group_account_manager"]
        )
        cls.team_a.user_ids = [(4, cls.own_agent.id), (4, cls.team_agent.id)]
        cls.team_b.user_ids = [(4, cls.manager.id)]

        cls.ticket_bronze = cls._access_ticket(
            cls.bronze_contact, cls.team_a, cls.own_agent
        )
        cls.ticket_silver = cls._access_ticket(
            cls.customers["silver"], cls.team_a, cls.manager
        )
        cls.ticket_silver.message_subscribe(partner_ids=cls.employee.partner_id.ids)
        cls.ticket_gold = cls._access_ticket(
            cls.customers["gold"], cls.team_b, cls.manager
        )
        done = ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        # No reply within four business hours: the response clocks breach.
        with freeze_time(local(2026, 1, 19, 15, 0)):
            (cls.ticket_bronze | cls.ticket_gold).stage_id = done
        for ticket in (cls.ticket_bronze, cls.ticket_gold):
            ticket.sla_clock_ids.breach_ids.write(
                {
                    "what_happened": "Nobody picked up the queue.",
                    "cause": "resource",
                    "corrective_action": "A second agent on Mondays.",
                }
            )
        cls.bronze_breaches = cls.ticket_bronze.sla_clock_ids.breach_ids
        cls.gold_breaches = cls.ticket_gold.sla_clock_ids.breach_ids
        assert cls.bronze_breaches and cls.gold_breaches
        assert cls.ticket_silver.sla_clock_ids.pause_ids
        # End the set-up's transaction as a request would: later changes are
        # tracked, as in the web client.
        cls.env.cr.flush()

    @classmethod
    def _access_user(cls, login, groups, **vals):
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": login.replace("_", " ").title(),
                    "login": login,
                    "password": login,
                    "email": f"{login}@example.com",
                    "groups_id": [(6, 0, [cls.env.ref(g).id for g in groups])],
                    **vals,
                }
            )
        )

    @classmethod
    def _access_ticket(cls, partner, team, user):
        waiting = cls.env.ref("sla_contract.helpdesk_ticket_stage_waiting_customer")
        progress = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")
        with freeze_time(local(2026, 1, 19, 9, 0)):
            ticket = cls.env["helpdesk.ticket"].create(
                {
                    "name": f"{partner.name} outage",
                    "description": "It is broken.",
                    "partner_id": partner.id,
                    "priority": "3",
                    "team_id": team.id,
                    "user_id": user.id,
                }
            )
        # One finished pause, so every ticket has pause records.
        with freeze_time(local(2026, 1, 19, 9, 30)):
            ticket.stage_id = waiting
        with freeze_time(local(2026, 1, 19, 10, 0)):
            ticket.stage_id = progress
        return ticket


class TestAccessUsers(AccessFixtures, TransactionCase):
    """Each kind of user over the ORM."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_access_fixtures()

    def _visible(self, user, model):
        return self.env[model].with_user(user).search([])

    def _clocks(self, *tickets):
        return self.env["sla.clock"].union(*(t.sla_clock_ids for t in tickets))

    def _assert_sees_only(self, user, *tickets):
        """Clocks, pauses and breaches of `tickets`, none of the others."""
        clocks = self._clocks(*tickets)
        ours = self._clocks(
            self.ticket_bronze, self.ticket_silver, self.ticket_gold, *tickets
        )
        domain = [("id", "in", ours.ids)]
        env = self.env(user=user)
        self.assertEqual(set(env["sla.clock"].search(domain).ids), set(clocks.ids))
        self.assertEqual(
            set(env["sla.clock.pause"].search([("clock_id", "in", ours.ids)]).ids),
            set(clocks.pause_ids.ids),
        )
        self.assertEqual(
            set(env["sla.breach"].search([("clock_id", "in", ours.ids)]).ids),
            set(clocks.breach_ids.ids),
        )
        hidden = ours - clocks
        for clock in hidden:
            with self.assertRaises(AccessError):
                clock.with_user(user).read(["state"])
        for breach in hidden.breach_ids:
            with self.assertRaises(AccessError):
                breach.with_user(user).read(["breached_at"])

    def _assert_opens_ticket(self, user, ticket, every_field=True):
        """The ticket and its SLA fields read as the form and RPC read them.

        Portal users cannot read every field of a ticket, with or without
        SLA: helpdesk_mgmt's attachments are for internal users.
        """
        as_user = ticket.with_user(user)
        values = as_user.read(TICKET_SLA_FIELDS)[0]
        self.assertEqual(values["sla_tier_id"][0], ticket.sla_tier_id.id)
        self.assertEqual(set(values["sla_clock_ids"]), set(ticket.sla_clock_ids.ids))
        self.assertTrue(values["sla_priority_help"])
        self.assertTrue(values["sla_color"])
        self.assertEqual(
            {c["id"] for c in values["sla_badge"]["clocks"]},
            set(ticket._sla_current_clocks().ids),
        )
        if every_field:
            self.assertTrue(as_user.read()[0]["sla_clock_ids"])
        clocks = as_user.sla_clock_ids.read(CLOCK_PUBLIC_FIELDS)
        self.assertEqual(len(clocks), len(ticket.sla_clock_ids))
        return values

    def _assert_cannot_write_sla(self, user, ticket):
        clock = ticket.sla_clock_ids[:1].with_user(user)
        with self.assertRaises(AccessError):
            clock.write({"target_minutes": 1})
        with self.assertRaises(AccessError):
            clock.pause_ids[:1].write({"business_minutes": 0})
        with self.assertRaises(AccessError):
            self.env["sla.clock"].with_user(user).create(
                {
                    "ticket_id": ticket.id,
                    "metric": "response",
                    "cycle": 9,
                    "tier_id": ticket.sla_tier_id.id,
                    "calendar_id": clock.calendar_id.id,
                    "target_minutes": 1,
                    "start_at": clock.start_at,
                }
            )

    # ------------------------------------------------------------------
    # portal customer
    # ------------------------------------------------------------------

    def test_portal_customer_reads_own_clocks_only(self):
        self._assert_opens_ticket(self.portal_user, self.ticket_bronze, False)
        self._assert_sees_only(self.portal_user, self.ticket_bronze)
        self._assert_cannot_write_sla(self.portal_user, self.ticket_bronze)
        breach = self.bronze_breaches.with_user(self.portal_user)
        self.assertEqual(breach.read(["state"])[0]["state"], "new")
        with self.assertRaises(AccessError):
            breach.write({"cause": "technical"})

    def test_portal_customer_never_reads_slo_or_root_cause(self):
        self._assert_opens_ticket(self.portal_user, self.ticket_bronze, False)
        clocks = self.ticket_bronze.sla_clock_ids.with_user(self.portal_user)
        for field in CLOCK_INTERNAL_FIELDS:
            with self.assertRaises(AccessError, msg=field):
                clocks.read([field])
        self.assertFalse(set(CLOCK_INTERNAL_FIELDS) & set(clocks.read()[0]))
        breach = self.bronze_breaches.with_user(self.portal_user)
        for field in BREACH_RCA_FIELDS:
            with self.assertRaises(AccessError, msg=field):
                breach.read([field])
        self.assertFalse(set(BREACH_RCA_FIELDS) & set(breach.read()[0]))
        with self.assertRaises(AccessError):
            self.env["sla.breach"].with_user(self.portal_user).search(
                [("cause", "=", "resource")]
            )

    def test_portal_customer_follower_of_foreign_ticket_sees_no_clock(self):
        """A customer's clocks stay his, even for a portal follower."""
        self.ticket_gold.message_subscribe(partner_ids=self.bronze_contact.ids)
        ticket = self.ticket_gold.with_user(self.portal_user)
        self.assertEqual(ticket.read(["name"])[0]["name"], self.ticket_gold.name)
        self.assertFalse(ticket.read(["sla_clock_ids"])[0]["sla_clock_ids"])
        self._assert_sees_only(self.portal_user, self.ticket_bronze)

    # ------------------------------------------------------------------
    # employee without helpdesk rights
    # ------------------------------------------------------------------

    def test_employee_opens_followed_ticket_and_sees_only_its_clocks(self):
        ticket = self.ticket_silver.with_user(self.employee)
        form = Form(ticket)
        self.assertEqual(form.sla_tier_id, self.ticket_silver.sla_tier_id)
        self.assertEqual(len(form.sla_clock_ids), 2)
        values = self._assert_opens_ticket(self.employee, self.ticket_silver)
        self.assertEqual(values["sla_state"], "running")
        clocks = ticket.sla_clock_ids
        self.assertEqual(clocks.read(["slo_percent"])[0]["slo_percent"], 60.0)
        self._assert_sees_only(self.employee, self.ticket_silver)
        self._assert_cannot_write_sla(self.employee, self.ticket_silver)

    def test_employee_as_ticket_contact_opens_it(self):
        # Staff of a customer company, as in an internal IT helpdesk.
        self.employee.partner_id.parent_id = self.customers["gold"]
        with freeze_time(local(2026, 1, 20, 9, 0)):
            ticket = self.env["helpdesk.ticket"].create(
                {
                    "name": "My laptop",
                    "description": "It does not start.",
                    "partner_id": self.employee.partner_id.id,
                    "priority": "3",
                    "team_id": self.team_b.id,
                    "user_id": self.manager.id,
                }
            )
        self.assertTrue(ticket.sla_clock_ids)
        self._assert_opens_ticket(self.employee, ticket)
        self._assert_sees_only(self.employee, self.ticket_silver, ticket)

    # ------------------------------------------------------------------
    # agents
    # ------------------------------------------------------------------

    def test_own_tickets_agent_sees_only_his_tickets_clocks(self):
        form = Form(self.ticket_bronze.with_user(self.own_agent))
        self.assertEqual(len(form.sla_clock_ids), 2)
        self._assert_sees_only(self.own_agent, self.ticket_bronze)
        self.assertEqual(
            self.bronze_breaches.with_user(self.own_agent).read(["cause"])[0]["cause"],
            "resource",
        )
        self._assert_cannot_write_sla(self.own_agent, self.ticket_bronze)

    def test_team_agent_sees_his_teams_clocks_only(self):
        Form(self.ticket_silver.with_user(self.team_agent))
        self._assert_sees_only(self.team_agent, self.ticket_bronze, self.ticket_silver)
        self._assert_cannot_write_sla(self.team_agent, self.ticket_silver)

    def test_agent_changes_the_customer(self):
        """Tracking the contract that follows the customer needs no accounting."""
        for agent, ticket, customer in (
            (self.own_agent, self.ticket_bronze, "gold"),
            (self.team_agent, self.ticket_silver, "gold"),
            (self.manager, self.ticket_gold, "silver"),
        ):
            with self.subTest(agent=agent.login):
                ticket.stage_id = self.env.ref(
                    "helpdesk_mgmt.helpdesk_ticket_stage_in_progress"
                )
                # As in a new request: nothing of the contract read yet.
                self.env.invalidate_all()
                as_agent = ticket.with_user(agent).with_context(tracking_disable=False)
                with Form(as_agent) as form:
                    form.partner_id = self.customers[customer]
                self.env.cr.flush()
                self.env.invalidate_all()
                contract = self.contracts[customer]
                self.assertEqual(ticket.sla_contract_id, contract)
                self.assertEqual(ticket.sla_tier_id, contract.sla_tier_id)
                running = ticket.sla_clock_ids.filtered(lambda c: not c.stopped_at)
                self.assertEqual(running.tier_id, contract.sla_tier_id)
                tracked = ticket.message_ids.tracking_value_ids.filtered(
                    lambda v: v.field_id.name == "sla_contract_id"
                )
                self.assertTrue(tracked)

    def test_agent_picks_the_contract_by_hand(self):
        silver = self.contracts["silver"]
        other_company = self.env["res.company"].create({"name": "Access Other Co"})
        foreign = self.env["contract.contract"].create(
            {
                "name": "Access Silver support abroad",
                "partner_id": self.customers["silver"].id,
                "contract_type": "sale",
                "company_id": other_company.id,
                "sla_tier_id": self.env.ref("sla_contract.sla_tier_gold").id,
                "date_start": date(2026, 1, 1),
                "sla_date_start": date(2026, 1, 1),
            }
        )
        for agent in (self.team_agent, self.manager):
            with self.subTest(agent=agent.login):
                self.ticket_silver.sla_contract_id = False
                contracts = self.env["contract.contract"].with_user(agent)
                domain = [
                    ("contract_type", "=", "sale"),
                    ("sla_tier_id", "!=", False),
                    ("commercial_partner_id", "=", self.customers["silver"].id),
                ]
                found = [cid for cid, _name in contracts.name_search("", domain)]
                self.assertEqual(found, [silver.id])
                # OCA contract's multi-company rule stays in force.
                self.assertFalse(contracts.search([("id", "=", foreign.id)]))
                with Form(self.ticket_silver.with_user(agent)) as form:
                    form.sla_contract_id = silver
                self.assertEqual(self.ticket_silver.sla_contract_id, silver)
                contract = silver.with_user(agent)
                self.assertEqual(contract.sla_tier_id, silver.sla_tier_id)
                with self.assertRaises(AccessError):
                    contract.write({"sla_slo_percent": 90.0})
                with self.assertRaises(AccessError):
                    contracts.create({"name": "Agent contract", "partner_id": 1})

    def test_agent_opens_the_contract_from_the_ticket(self):
        view = self.env.ref("sla_contract.contract_contract_view_form_helpdesk")
        form = Form(self.contracts["silver"].with_user(self.team_agent), view=view)
        self.assertEqual(form.sla_tier_id, self.contracts["silver"].sla_tier_id)
        self.assertEqual(form.sla_ticket_count, 1)
        arch = (
            self.env["helpdesk.ticket"]
            .with_user(self.team_agent)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("contract_contract_view_form_helpdesk", arch)

    # ------------------------------------------------------------------
    # helpdesk manager without accounting rights
    # ------------------------------------------------------------------

    def test_manager_opens_a_tier(self):
        bronze = self.env.ref("sla_contract.sla_tier_bronze")
        count = self.env["contract.contract"].search_count(
            [("sla_tier_id", "=", bronze.id)]
        )
        with Form(bronze.with_user(self.manager)) as form:
            self.assertEqual(form.contract_count, count)
            form.at_risk_percent = 70
        self.assertEqual(bronze.at_risk_percent, 70)
        # The tier's contracts, as the list behind its button reads them.
        self.contracts["bronze"].tag_ids = [(0, 0, {"name": "Key account"})]
        action = bronze.with_user(self.manager).action_view_contracts()
        contracts = self.env["contract.contract"].with_user(self.manager)
        listed = contracts.web_search_read(
            action["domain"],
            {"name": {}, "tag_ids": {"fields": {"display_name": {}}}},
        )
        self.assertEqual(listed["length"], count)
        tags = [tag for vals in listed["records"] for tag in vals["tag_ids"]]
        self.assertEqual([tag["display_name"] for tag in tags], ["Key account"])
        self._assert_sees_only(
            self.manager, self.ticket_bronze, self.ticket_silver, self.ticket_gold
        )

    # ------------------------------------------------------------------
    # accountant
    # ------------------------------------------------------------------

    def test_accountant_edits_a_contracts_sla(self):
        """The SLA tab applies to the contract's open tickets, seen or not."""
        contract = self.contracts["silver"]
        gold = self.env.ref("sla_contract.sla_tier_gold")
        with Form(contract.with_user(self.accountant)) as form:
            form.sla_tier_id = gold
            form.sla_slo_percent = 80.0
        self.assertEqual(contract.sla_tier_id, gold)
        clocks = self.ticket_silver.sla_clock_ids
        self.assertEqual(clocks.tier_id, gold)
        self.assertEqual(set(clocks.mapped("slo_percent")), {80.0})
        self._assert_sees_only(self.accountant)
        with self.assertRaises(AccessError):
            self.ticket_silver.with_user(self.accountant).read(["sla_state"])


@tagged("post_install", "-at_install")
class TestAccessUsersRpc(AccessFixtures, HttpCase):
    """The same rights over JSON-RPC, as the web client and scripts call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_access_fixtures()

    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def assertRpcDenied(self, model, method, *args, **kwargs):
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.call(model, method, *args, **kwargs)
        self.assertIn("AccessError", str(caught.exception))

    def clock_ids(self, domain=()):
        found = self.call("sla.clock", "search_read", list(domain), fields=["id"])
        return {vals["id"] for vals in found}

    def test_portal_customer_rpc(self):
        self.authenticate("access_portal", "access_portal")
        ticket = self.ticket_bronze
        [values] = self.call(
            "helpdesk.ticket", "web_read", ticket.ids, TICKET_FORM_SPEC
        )
        self.assertEqual(len(values["sla_clock_ids"]), 2)
        self.assertEqual(values["sla_tier_id"]["id"], ticket.sla_tier_id.id)
        # Every field the portal user may read (helpdesk_mgmt keeps the
        # attachments to internal users, with or without SLA).
        readable = self.call("helpdesk.ticket", "fields_get", attributes=["type"])
        readable.pop("attachment_ids")
        [values] = self.call("helpdesk.ticket", "read", ticket.ids, list(readable))
        self.assertEqual(values["sla_clock_ids"], ticket.sla_clock_ids.ids)
        self.assertEqual(self.clock_ids(), set(ticket.sla_clock_ids.ids))
        [clock] = self.call(
            "sla.clock", "read", ticket.sla_clock_ids[:1].ids, CLOCK_PUBLIC_FIELDS
        )
        self.assertFalse(set(CLOCK_INTERNAL_FIELDS) & set(clock))
        self.assertRpcDenied("sla.clock", "search_read", [], fields=["slo_deadline"])
        breaches = self.call("sla.breach", "search_read", [])
        self.assertEqual({b["id"] for b in breaches}, set(self.bronze_breaches.ids))
        self.assertFalse(set(BREACH_RCA_FIELDS) & set(breaches[0]))
        self.assertRpcDenied("sla.breach", "read", self.bronze_breaches.ids, ["cause"])
        self.assertRpcDenied("sla.clock", "read", self.ticket_gold.sla_clock_ids.ids)
        self.assertRpcDenied(
            "sla.clock", "write", ticket.sla_clock_ids.ids, {"target_minutes": 1}
        )

    def test_employee_rpc(self):
        self.authenticate("access_employee", "access_employee")
        ticket = self.ticket_silver
        spec = dict(TICKET_FORM_SPEC)
        spec["sla_clock_ids"] = {
            "fields": {**spec["sla_clock_ids"]["fields"], "slo_deadline": {}}
        }
        [values] = self.call("helpdesk.ticket", "web_read", [ticket.id], spec)
        self.assertEqual(len(values["sla_clock_ids"]), 2)
        self.assertEqual(self.clock_ids(), set(ticket.sla_clock_ids.ids))
        self.assertFalse(self.call("sla.breach", "search_read", [], fields=["id"]))

    def test_own_agent_rpc(self):
        self.authenticate("access_own_agent", "access_own_agent")
        self.assertEqual(self.clock_ids(), set(self.ticket_bronze.sla_clock_ids.ids))
        breaches = self.call("sla.breach", "search_read", [], fields=["cause"])
        self.assertEqual({b["id"] for b in breaches}, set(self.bronze_breaches.ids))
        groups = self.call(
            "sla.clock", "read_group", [], ["partner_id"], ["partner_id"], lazy=False
        )
        self.assertEqual(
            [g["partner_id"][0] for g in groups], [self.customers["bronze"].id]
        )

    def test_team_agent_rpc(self):
        self.authenticate("access_team_agent", "access_team_agent")
        expected = self.ticket_bronze.sla_clock_ids | self.ticket_silver.sla_clock_ids
        self.assertEqual(self.clock_ids(), set(expected.ids))
        silver = self.contracts["silver"]
        found = self.call(
            "contract.contract",
            "name_search",
            name="",
            args=[("commercial_partner_id", "=", self.customers["silver"].id)],
        )
        self.assertEqual([cid for cid, _name in found], [silver.id])
        self.call(
            "helpdesk.ticket",
            "web_save",
            self.ticket_silver.ids,
            {"partner_id": self.customers["gold"].id},
            specification=TICKET_FORM_SPEC,
        )
        self.ticket_silver.invalidate_recordset()
        self.assertEqual(self.ticket_silver.sla_contract_id, self.contracts["gold"])
        self.assertRpcDenied(
            "contract.contract", "write", silver.ids, {"sla_slo_percent": 90}
        )

    def test_manager_rpc(self):
        self.authenticate("access_manager", "access_manager")
        tier = self.env.ref("sla_contract.sla_tier_bronze")
        [values] = self.call(
            "sla.tier", "web_read", tier.ids, {"name": {}, "contract_count": {}}
        )
        self.assertGreaterEqual(values["contract_count"], 1)

    def test_accountant_rpc(self):
        self.authenticate("access_accountant", "access_accountant")
        contract = self.contracts["silver"]
        gold = self.env.ref("sla_contract.sla_tier_gold")
        self.call(
            "contract.contract",
            "web_save",
            contract.ids,
            {"sla_tier_id": gold.id},
            specification={"sla_tier_id": {}, "sla_slo_percent": {}},
        )
        self.ticket_silver.sla_clock_ids.invalidate_recordset()
        self.assertEqual(self.ticket_silver.sla_clock_ids.tier_id, gold)
        self.assertFalse(self.clock_ids())
