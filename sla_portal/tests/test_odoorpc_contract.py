"""A contract read in full by an integrator's script: odoorpc's browse()
reads every plain field of the record, and a script may then read the
others. Each field must be readable by whoever reads the contract, or
hidden from him; never an access error."""

import odoorpc

import odoo
from odoo import Command
from odoo.tests import tagged

from .common import SlaPortalCase

# what a customer must never get from his own contract
INTERNAL_FIELDS = (
    "sla_credit_band_ids",
    "sla_upstream_ids",
    "sla_composite_availability",
    "sla_guarantee_warning",
    "sla_service_ids",
    "sla_incident_ids",
    "sla_bonus_ids",
    "sla_credit_count",
    "sla_incident_count",
    "sla_credit_error",
    "sla_slo_percent",
)


@tagged("post_install", "-at_install")
class TestOdoorpcContract(SlaPortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.users"].with_context(no_reset_password=True).create(
            {
                "name": "Own tickets agent",
                "login": "rpc_own_agent",
                "password": "rpc_own_agent",
                "groups_id": [
                    Command.set(
                        [cls.env.ref("helpdesk_mgmt.group_helpdesk_user_own").id]
                    )
                ],
            }
        )

    def setUp(self):
        super().setUp()
        # the fixtures' writes, as the server's own cursor reads them
        self.env.flush_all()

    def odoorpc_as(self, login, password):
        client = odoorpc.ODOO("127.0.0.1", port=odoo.tools.config["http_port"])
        client.login(self.env.cr.dbname, login, password)
        return client

    def read_in_full(self, client, contract):
        """browse(), then every field the user is shown, as a script does."""
        model = client.env["contract.contract"]
        record = model.browse(contract.id)
        self.assertEqual(record.name, contract.name)
        names = list(model.fields_get())
        [values] = model.read([contract.id], names)
        self.assertEqual(set(values), set(names) | {"id"})
        return names, values

    def test_customer_reads_his_contract_in_full(self):
        client = self.odoorpc_as("portal_alpha", "portal_alpha")
        contract = self.contracts["alpha"]
        names, values = self.read_in_full(client, contract)
        self.assertFalse(set(INTERNAL_FIELDS) & set(names))
        # what sla_portal shows him stays: his tier and his applied credit
        self.assertEqual(values["sla_tier_id"][0], contract.sla_tier_id.id)
        self.assertEqual(values["sla_credit_ids"], self.credits["alpha"].ids)
        self.assertEqual(values["currency_id"][0], contract.currency_id.id)

    def test_customer_cannot_read_another_customers_contract(self):
        client = self.odoorpc_as("portal_alpha", "portal_alpha")
        model = client.env["contract.contract"]
        other = self.contracts["beta"]
        self.assertNotIn(other.id, model.search([]))
        with self.assertRaises(odoorpc.error.RPCError) as caught:
            model.read([other.id], ["name"])
        self.assertIn("AccessError", str(caught.exception.info))

    def test_personal_tickets_agent_reads_a_contract_in_full(self):
        client = self.odoorpc_as("rpc_own_agent", "rpc_own_agent")
        contract = self.contracts["alpha"]
        names, values = self.read_in_full(client, contract)
        # the SLA's internal figures are his to read; the invoicing lines are not
        self.assertIn("sla_composite_availability", names)
        self.assertEqual(values["sla_credit_count"], 1)
        self.assertNotIn("contract_line_ids", names)
        # and the contract form opens for him
        views = client.execute_kw("contract.contract", "get_views", [[[False, "form"]]])
        shown = views["models"]["contract.contract"]["fields"]
        [values] = client.execute_kw(
            "contract.contract",
            "web_read",
            [[contract.id]],
            {"specification": {name: {} for name in shown}},
        )
        self.assertEqual(values["sla_tier_id"], contract.sla_tier_id.id)
