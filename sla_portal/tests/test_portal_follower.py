from odoo import Command
from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import SlaPortalCase


@tagged("post_install", "-at_install")
class TestPortalFollower(SlaPortalCase):
    """Staff made Alpha's portal user a follower of Beta's contract (a copy
    of an email, a wrong click): following is not owning."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.theirs = cls.contracts["beta"]
        cls.theirs.message_subscribe(partner_ids=cls.users["alpha"].partner_id.ids)

    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def assert_denied(self, model, records):
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.call(model, "read", records.ids, ["display_name"])
        self.assertIn("AccessError", str(caught.exception))

    def test_follower_reads_nothing_of_it_over_json_rpc(self):
        self.authenticate("portal_alpha", "portal_alpha")
        mine = self.contracts["alpha"]
        for model, domain, expected in (
            ("contract.contract", [], mine),
            ("contract.line", [], mine.contract_line_ids),
            ("sla.credit", [], self.credits["alpha"]),
        ):
            seen = self.call(model, "search_read", domain, fields=["display_name"])
            self.assertEqual(sorted(r["id"] for r in seen), sorted(expected.ids), model)
        self.assertEqual(
            self.call(
                "contract.contract", "search_count", [("id", "=", self.theirs.id)]
            ),
            0,
        )
        self.assert_denied("contract.contract", self.theirs)
        self.assert_denied("contract.line", self.theirs.contract_line_ids)
        self.assert_denied("sla.credit", self.credits["beta"])

    def test_contract_lines_and_changes_are_read_with_their_contract_only(self):
        # OCA contract's portal access rights on lines and modifications come
        # with no portal rule: without ours, any portal user read them all.
        changes = self.env["contract.modification"].create(
            [
                {
                    "contract_id": contract.id,
                    "date": self.last_month,
                    "description": f"{key} price review",
                }
                for key, contract in self.contracts.items()
            ]
        )
        self.authenticate("portal_beta", "portal_beta")
        mine = self.contracts["beta"]
        self.assert_denied("contract.line", self.contracts["alpha"].contract_line_ids)
        self.assert_denied("contract.modification", changes - mine.modification_ids)
        seen = self.call("contract.modification", "search_read", [], fields=["date"])
        self.assertEqual([r["id"] for r in seen], mine.modification_ids.ids)

    @mute_logger("odoo.http")
    def test_follower_gets_no_page_of_it(self):
        self.authenticate("portal_alpha", "portal_alpha")
        # his SLA contract is listed under "SLA & service", theirs nowhere
        listing = self.url_open("/my/sla")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(self.contracts["alpha"].name, listing.text)
        self.assertNotIn(self.theirs.name, listing.text)
        self.assertNotIn(self.theirs.name, self.url_open("/my/contracts").text)
        page = self.url_open(f"/my/contracts/{self.theirs.id}", allow_redirects=False)
        self.assertEqual(page.status_code, 303)
        self.assertTrue(page.headers["Location"].endswith("/my"))
        self.assertNotIn(self.theirs.name, self.url_open("/my/sla").text)
        for url in (
            f"/my/sla/{self.theirs.id}",
            f"/my/sla/{self.theirs.id}/review",
            f"/my/sla/{self.theirs.id}/review?kind=quarter",
        ):
            self.assertEqual(self.url_open(url).status_code, 404, url)

    def test_its_own_customer_still_sees_it(self):
        self.authenticate("portal_beta", "portal_beta")
        seen = self.call("contract.contract", "search_read", [], fields=["name"])
        self.assertEqual([r["id"] for r in seen], self.theirs.ids)
        lines = self.call("contract.line", "read", self.theirs.contract_line_ids.ids)
        self.assertEqual(len(lines), 1)
        self.assertIn(self.theirs.name, self.url_open("/my/sla").text)
        page = self.url_open(f"/my/contracts/{self.theirs.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.theirs.name, page.text)
        for url in (f"/my/sla/{self.theirs.id}", f"/my/sla/{self.theirs.id}/review"):
            self.assertEqual(self.url_open(url).status_code, 200, url)

    def test_internal_users_are_not_scoped_by_a_commercial_partner(self):
        # An employee is a follower of neither contract and belongs to
        # neither customer: the portal scope must not apply to him.
        manager = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Contract manager",
                    "login": "sla_contract_manager",
                    "password": "sla_contract_manager",
                    "parent_id": self.customers["alpha"].id,
                    "groups_id": [
                        Command.set([self.env.ref("account.group_account_invoice").id])
                    ],
                }
            )
        )
        self.authenticate("sla_contract_manager", "sla_contract_manager")
        both = self.contracts["alpha"] | self.theirs
        seen = self.call(
            "contract.contract",
            "search_read",
            [("id", "in", both.ids)],
            fields=["name"],
        )
        self.assertEqual(sorted(r["id"] for r in seen), sorted(both.ids))
        lines = self.call(
            "contract.line",
            "search_read",
            [("contract_id", "in", both.ids)],
            fields=["name"],
        )
        self.assertEqual(len(lines), 2)
        self.assertTrue(manager.has_group("base.group_user"))
