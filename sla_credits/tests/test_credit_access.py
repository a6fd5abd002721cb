from datetime import date, timedelta

import odoorpc
from freezegun import freeze_time

import odoo
from odoo import Command
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import FEE, SEPTEMBER, sept


@tagged("post_install", "-at_install")
class TestCreditAccessRpc(HttpCase):
    """Each kind of user over JSON-RPC, as the web client calls: who reads
    credits, who approves, who sees the invoice, and that each can still
    open the screens of his job."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        customer = cls.env["res.partner"].create(
            {"name": "Credit Access Customer", "is_company": True}
        )
        cls.gold_contract = cls.env["contract.contract"].create(
            {
                "name": "Credit access Gold support",
                "partner_id": customer.id,
                "contract_type": "sale",
                "date_start": date(2026, 1, 1),
                "sla_tier_id": ref("sla_contract.sla_tier_gold").id,
                "sla_date_start": date(2026, 1, 1),
                "sla_penalty_date": date(2026, 1, 1),
                "contract_line_ids": [
                    Command.create(
                        {
                            "name": "Managed support",
                            "quantity": 1,
                            "price_unit": FEE,
                            "date_start": date(2026, 1, 1),
                            "recurring_next_date": date(2026, 10, 1),
                        }
                    )
                ],
            }
        )
        done = ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        for day, late in ((3, False), (4, True)):
            with freeze_time(sept(day)):
                ticket = cls.env["helpdesk.ticket"].create(
                    {"name": "Down", "description": "Down.", "partner_id": customer.id}
                )
            with freeze_time(sept(day) + timedelta(days=10 if late else 0, minutes=1)):
                ticket.stage_id = done
        with freeze_time(date(2026, 10, 2)):
            cls.env["sla.credit.evaluation"]._evaluate(cls.gold_contract, SEPTEMBER)
        cls.credit = cls.env["sla.credit"].search(
            [("contract_id", "=", cls.gold_contract.id)]
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})

        def user(login, groups, **vals):
            return (
                cls.env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": login,
                        "login": login,
                        "password": login,
                        "groups_id": [Command.set([ref(g).id for g in groups])],
                        **vals,
                    }
                )
            )

        user("credit_portal", ["base.group_portal"])
        user("credit_employee", ["base.group_user"])
        user("credit_own_agent", ["helpdesk_mgmt.group_helpdesk_user_own"])
        user("credit_team_agent", ["helpdesk_mgmt.group_helpdesk_user_team"])
        user("credit_manager", ["helpdesk_mgmt.group_helpdesk_manager"])
        user("credit_accountant", ["account.group_account_invoice"])
        user(
            "credit_other_manager",
            ["helpdesk_mgmt.group_helpdesk_manager"],
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )

    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def assertRpcDenied(self, error, model, method, *args, **kwargs):
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.call(model, method, *args, **kwargs)
        self.assertIn(error, str(caught.exception))

    def open_form(self):
        """The credit form as the web client loads it for this user."""
        views = self.call("sla.credit", "get_views", [[False, "form"]])
        fields = views["models"]["sla.credit"]["fields"]
        [values] = self.call(
            "sla.credit", "web_read", self.credit.ids, {name: {} for name in fields}
        )
        return fields, values

    def test_portal_and_plain_employee_see_no_credit(self):
        self.authenticate("credit_employee", "credit_employee")
        for model in ("sla.credit", "sla.bonus", "sla.incident"):
            self.assertRpcDenied("AccessError", model, "search_read", [])
        self.authenticate("credit_portal", "credit_portal")
        for model in ("sla.bonus", "sla.incident"):
            self.assertRpcDenied("AccessError", model, "search_read", [])
        # sla_portal lets a customer read his own applied credits: never
        # another customer's
        try:
            seen = self.call("sla.credit", "search_read", [], fields=["id"])
        except JsonRpcException as error:
            self.assertIn("AccessError", str(error))
            seen = []
        self.assertEqual(seen, [])
        self.assertRpcDenied("AccessError", "sla.credit", "read", self.credit.ids)

    def test_agents_read_credits_but_cannot_approve(self):
        for login in ("credit_own_agent", "credit_team_agent"):
            self.authenticate(login, login)
            found = self.call("sla.credit", "search_read", [], fields=["amount"])
            self.assertIn(
                {"id": self.credit.id, "amount": 200.0},
                found,
            )
            fields, values = self.open_form()
            self.assertNotIn("invoice_id", fields)
            self.assertIn("0-85%", values["band_label"] + values["description"])
            self.assertRpcDenied(
                "UserError", "sla.credit", "action_approve", self.credit.ids
            )
            self.assertEqual(self.credit.state, "computed")
            self.assertRpcDenied(
                "AccessError", "sla.credit", "write", self.credit.ids, {"amount": 0}
            )

    def test_manager_without_accounting_approves(self):
        self.authenticate("credit_manager", "credit_manager")
        fields, _values = self.open_form()
        self.assertNotIn("invoice_id", fields)
        self.call("sla.credit", "action_approve", self.credit.ids)
        self.assertEqual(self.credit.state, "approved")
        self.assertRpcDenied(
            "AccessError", "sla.credit", "write", self.credit.ids, {"amount": 0}
        )

    def test_accountant_sees_the_invoice_side(self):
        self.credit.action_approve()
        invoice = self.gold_contract.recurring_create_invoice()
        self.authenticate("credit_accountant", "credit_accountant")
        fields, values = self.open_form()
        self.assertIn("invoice_id", fields)
        self.assertEqual(values["invoice_id"], invoice.id)
        # and the contract form, with its service credits tab, still opens
        views = self.call("contract.contract", "get_views", [[False, "form"]])
        contract_fields = views["models"]["contract.contract"]["fields"]
        self.assertIn("sla_credit_ids", contract_fields)
        [contract] = self.call(
            "contract.contract",
            "web_read",
            self.gold_contract.ids,
            {name: {} for name in contract_fields},
        )
        self.assertEqual(contract["sla_credit_ids"], self.credit.ids)

    def test_another_company_sees_nothing(self):
        self.authenticate("credit_other_manager", "credit_other_manager")
        self.assertFalse(self.call("sla.credit", "search_read", [], fields=["id"]))
        self.assertRpcDenied("AccessError", "sla.credit", "read", self.credit.ids)

    def test_compute_wizard_names_the_contracts_it_could_not_evaluate(self):
        customer = self.env["res.partner"].create(
            {"name": "Credit Access Silver Customer", "is_company": True}
        )
        silver = self.env["contract.contract"].create(
            {
                "name": "Credit access Silver support",
                "partner_id": customer.id,
                "contract_type": "sale",
                "date_start": date(2026, 1, 1),
                "sla_tier_id": self.env.ref("sla_contract.sla_tier_silver").id,
                "sla_date_start": date(2026, 1, 1),
            }
        )
        # A gap in the Silver tier's bands, written before bands were checked.
        self.env.cr.execute(
            "UPDATE sla_credit_band SET upper_percent = 94 WHERE id = %s",
            [self.env.ref("sla_credits.sla_credit_band_silver_90").id],
        )
        self.env.invalidate_all()
        self.authenticate("credit_manager", "credit_manager")
        wizard_id = self.call(
            "sla.credit.compute.wizard",
            "create",
            {
                "month": "9",
                "year": 2026,
                "contract_ids": [Command.set([self.gold_contract.id, silver.id])],
            },
        )
        action = self.call("sla.credit.compute.wizard", "action_compute", [wizard_id])
        # the wizard stays open and says which contract, and why
        self.assertEqual(
            (action["res_model"], action["res_id"], action["target"]),
            ("sla.credit.compute.wizard", wizard_id, "new"),
        )
        [wizard] = self.call(
            "sla.credit.compute.wizard", "read", [wizard_id], ["state", "result"]
        )
        self.assertEqual(wizard["state"], "done")
        self.assertIn(
            "- Credit access Silver support: The credit bands of Silver are not "
            "valid: Compliance bands: a gap between 94% and 95%.",
            wizard["result"],
        )
        self.assertNotIn("Gold", wizard["result"])
        # the contracts that could be evaluated were, and the manager opens them
        credits_action = self.call(
            "sla.credit.compute.wizard", "action_view_credits", [wizard_id]
        )
        found = self.call(
            "sla.credit",
            "search_read",
            credits_action["domain"],
            fields=["contract_id"],
        )
        self.assertEqual([c["contract_id"][0] for c in found], self.gold_contract.ids)
        # the contract keeps the reason, for its Service Credits tab
        [contract] = self.call(
            "contract.contract", "read", silver.ids, ["sla_credit_error"]
        )
        self.assertIn("a gap between 94% and 95%", contract["sla_credit_error"])

    def odoorpc_as(self, login):
        """An integrator's script: odoorpc logged in as ``login``."""
        client = odoorpc.ODOO("127.0.0.1", port=odoo.tools.config["http_port"])
        client.login(self.env.cr.dbname, login, login)
        return client

    def test_manager_without_accounting_follows_who_decided(self):
        self.credit.with_user(self.env.ref("base.user_admin")).action_approve()
        self.env.flush_all()
        client = self.odoorpc_as("credit_manager")
        credit = client.env["sla.credit"].browse(self.credit.id)
        # browse() reads every field of the user the link leads to
        self.assertEqual(credit.decided_by_id.name, "Mitchell Admin")
        self.assertEqual(credit.decided_by_id.partner_id.name, "Mitchell Admin")
        # an automatic approval is signed by OdooBot
        self.credit.write({"decided_by_id": self.env.ref("base.user_root").id})
        self.env.flush_all()
        credit = client.env["sla.credit"].browse(self.credit.id)
        self.assertEqual(credit.decided_by_id.name, "OdooBot")
        # the partner's accounting figures stay with accounting users
        partner_fields = client.env["res.partner"].fields_get()
        self.assertNotIn("days_sales_outstanding", partner_fields)
        accountant = self.odoorpc_as("credit_accountant")
        partner = accountant.env["res.partner"].browse(self.gold_contract.partner_id.id)
        self.assertEqual(partner.supplier_invoice_count, 0)
        self.assertIn(
            "days_sales_outstanding", accountant.env["res.partner"].fields_get()
        )
