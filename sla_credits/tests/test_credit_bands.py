"""Credit bands written over JSON-RPC by a helpdesk manager, as a script or
the web client would: every path (create, write, unlink, import, and the
tier and contract forms' batched save) leaves each table valid."""

import json
from datetime import date

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

GOLD_BANDS = [(0, 85, 20), (85, 90, 15), (90, 95, 10), (95, 99, 5), (99, 100, 0)]


@tagged("post_install", "-at_install")
class TestCreditBandsRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        cls.gold = ref("sla_contract.sla_tier_gold")
        cls.band = {
            lower: ref(f"sla_credits.sla_credit_band_gold_{lower}")
            for lower in (0, 85, 90, 95, 99)
        }
        partner = cls.env["res.partner"].create(
            {"name": "Band Customer", "is_company": True}
        )
        cls.contract = cls.env["contract.contract"].create(
            {
                "name": "Band customer support",
                "partner_id": partner.id,
                "contract_type": "sale",
                "date_start": date(2026, 1, 1),
                "sla_tier_id": cls.gold.id,
                "sla_date_start": date(2026, 1, 1),
            }
        )
        for login, group in (
            ("band_manager", "helpdesk_mgmt.group_helpdesk_manager"),
            # contracts are written by accounting managers
            ("band_accountant", "account.group_account_manager"),
        ):
            cls.env["res.users"].with_context(no_reset_password=True).create(
                {
                    "name": login,
                    "login": login,
                    "password": login,
                    "groups_id": [Command.set([ref(group).id])],
                }
            )

    def setUp(self):
        super().setUp()
        self.authenticate("band_manager", "band_manager")

    def post(self, model, method, args, kwargs):
        """The JSON-RPC answer: its result, or its error as the user reads it."""
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": kwargs,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return response.json()

    def call(self, model, method, *args, **kwargs):
        answer = self.post(model, method, args, kwargs)
        self.assertNotIn("error", answer)
        return answer["result"]

    def assertRefused(self, message, model, method, *args, **kwargs):
        with mute_logger("odoo.http"):
            answer = self.post(model, method, args, kwargs)
        error = answer.get("error", {}).get("data", {})
        self.assertEqual(error.get("name"), "odoo.exceptions.ValidationError", answer)
        self.assertIn(message, error["message"])

    def table(self, owner):
        self.env.invalidate_all()
        field = (
            "credit_band_ids" if owner._name == "sla.tier" else "sla_credit_band_ids"
        )
        return sorted(
            (band.lower_percent, band.upper_percent, band.credit_percent)
            for band in owner[field]
        )

    # ------------------------------------------------------------ one band

    def test_one_band_written_alone_is_checked(self):
        for band, vals, message in (
            # overlap, then gap, with the bands they concern
            (95, {"lower_percent": 94}, "90-95% and 94-99% overlap"),
            (90, {"upper_percent": 94}, "a gap between 94% and 95%"),
            # bounds and credit of the band itself
            (95, {"lower_percent": 99.5}, "99.5-99%: the lower bound must be below"),
            (95, {"credit_percent": -5}, "the credit -5% must be between 0 and 100%"),
            (95, {"credit_percent": 250}, "the credit 250% must be between 0 and 100%"),
            (99, {"upper_percent": 101}, "101% is above 100%"),
            (0, {"lower_percent": -1}, "-1% is below 0%"),
        ):
            with self.subTest(vals=vals):
                self.assertRefused(
                    message, "sla.credit.band", "write", self.band[band].ids, vals
                )
                self.assertRefused(
                    "The credit bands of Gold are not valid",
                    "sla.credit.band",
                    "write",
                    self.band[band].ids,
                    vals,
                )
        self.assertEqual(self.table(self.gold), GOLD_BANDS)
        # a change that keeps the table whole is taken
        self.call("sla.credit.band", "write", self.band[95].ids, {"credit_percent": 7})
        self.assertEqual(self.band[95].credit_percent, 7)

    def test_band_created_on_top_of_the_table(self):
        self.assertRefused(
            "overlap",
            "sla.credit.band",
            "create",
            [
                {
                    "tier_id": self.gold.id,
                    "lower_percent": 0,
                    "upper_percent": 100,
                    "credit_percent": 50,
                }
            ],
        )
        self.assertEqual(self.table(self.gold), GOLD_BANDS)

    def test_band_moved_to_another_table(self):
        # it would leave a gap in the tier, and a lone band on the contract
        self.assertRefused(
            "Band customer support are not valid: Compliance bands: rates from 0 "
            "to 90% are not covered",
            "sla.credit.band",
            "write",
            self.band[90].ids,
            {"tier_id": False, "contract_id": self.contract.id},
        )
        self.assertEqual(self.table(self.gold), GOLD_BANDS)
        self.assertEqual(self.table(self.contract), [])

    def test_deleting_a_band_leaves_a_gap(self):
        self.assertRefused(
            "a gap between 90% and 95%", "sla.credit.band", "unlink", self.band[90].ids
        )
        self.assertRefused(
            "rates from 99% to 100% are not covered",
            "sla.credit.band",
            "unlink",
            self.band[99].ids,
        )
        self.assertEqual(self.table(self.gold), GOLD_BANDS)

    def test_deleting_every_band_is_allowed(self):
        # no bands: the tier falls back to the standard table
        bands = [band.id for band in self.band.values()]
        self.call("sla.credit.band", "unlink", bands)
        self.assertEqual(self.table(self.gold), [])

    def test_a_whole_table_created_at_once(self):
        rows = [
            {
                "contract_id": self.contract.id,
                "lower_percent": lower,
                "upper_percent": upper,
                "credit_percent": credit,
            }
            for lower, upper, credit in ((0, 90, 25), (90, 100, 0))
        ]
        self.assertRefused(
            "rates from 0 to 90% are not covered", "sla.credit.band", "create", rows[1:]
        )
        self.call("sla.credit.band", "create", rows)
        self.assertEqual(self.table(self.contract), [(0, 90, 25), (90, 100, 0)])

    # ------------------------------------------------------------ import

    def test_import(self):
        columns = [
            "contract_id/.id",
            "lower_percent",
            "upper_percent",
            "credit_percent",
        ]
        cid = str(self.contract.id)
        result = self.call(
            "sla.credit.band",
            "load",
            columns,
            [[cid, "0", "95", "10"], [cid, "94", "100", "0"]],
        )
        self.assertFalse(result["ids"])
        self.assertIn(
            "0-95% and 94-100% overlap",
            " ".join(m["message"] for m in result["messages"]),
        )
        self.assertEqual(self.table(self.contract), [])
        result = self.call(
            "sla.credit.band",
            "load",
            columns,
            [[cid, "0", "95", "10"], [cid, "95", "100", "0"]],
        )
        self.assertEqual(len(result["ids"]), 2, result["messages"])
        self.assertEqual(self.table(self.contract), [(0, 95, 10), (95, 100, 0)])

    # ------------------------------------------------------------ the forms' save

    def test_tier_form_saves_its_bands_as_one_batch(self):
        # Moving the 95% boundary to 94% takes two writes; after the first
        # alone the table overlaps: only the final state counts.
        self.call(
            "sla.tier",
            "web_save",
            self.gold.ids,
            {
                "credit_band_ids": [
                    Command.update(self.band[95].id, {"lower_percent": 94}),
                    Command.update(self.band[90].id, {"upper_percent": 94}),
                ]
            },
            specification={"credit_band_ids": {}},
        )
        self.assertIn((94, 99, 5), self.table(self.gold))
        # splitting a band: the new band is created before the old one shrinks
        self.call(
            "sla.tier",
            "web_save",
            self.gold.ids,
            {
                "credit_band_ids": [
                    Command.create(
                        {"lower_percent": 40, "upper_percent": 85, "credit_percent": 18}
                    ),
                    Command.update(self.band[0].id, {"upper_percent": 40}),
                ]
            },
            specification={},
        )
        self.assertEqual(self.table(self.gold)[:2], [(0, 40, 20), (40, 85, 18)])
        # a batch that ends invalid is refused whole
        self.assertRefused(
            "a gap between 94% and 95%",
            "sla.tier",
            "web_save",
            self.gold.ids,
            {
                "credit_band_ids": [
                    Command.update(self.band[95].id, {"lower_percent": 95}),
                    Command.delete(self.band[99].id),
                    Command.update(self.band[95].id, {"upper_percent": 100}),
                ]
            },
            specification={},
        )
        self.assertIn((94, 99, 5), self.table(self.gold))

    def test_contract_form_saves_its_override_as_one_batch(self):
        self.authenticate("band_accountant", "band_accountant")

        def band(lower, upper, credit):
            return Command.create(
                {
                    "lower_percent": lower,
                    "upper_percent": upper,
                    "credit_percent": credit,
                }
            )

        self.assertRefused(
            "rates from 50% to 100% are not covered",
            "contract.contract",
            "web_save",
            self.contract.ids,
            {"sla_credit_band_ids": [band(0, 50, 30)]},
            specification={},
        )
        self.assertEqual(self.table(self.contract), [])
        self.call(
            "contract.contract",
            "web_save",
            self.contract.ids,
            {"sla_credit_band_ids": [band(0, 50, 30), band(50, 100, 0)]},
            specification={},
        )
        self.assertEqual(self.table(self.contract), [(0, 50, 30), (50, 100, 0)])
        # and back to the tier's bands
        self.call(
            "contract.contract",
            "web_save",
            self.contract.ids,
            {"sla_credit_band_ids": [Command.clear()]},
            specification={},
        )
        self.assertEqual(self.table(self.contract), [])
