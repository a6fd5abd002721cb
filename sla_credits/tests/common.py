from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.addons.sla_contract.tests.common import SlaCase

P1, P2, P3, P4 = "3", "2", "1", "0"
SEPTEMBER = date(2026, 9, 1)  # 30 days: 43,200 minutes
FEE = 1000.0


class CreditCase(SlaCase):
    """The shipped tiers' contracts, each billed 1,000 a month from January
    2026 with penalties from then on, and helpers to close tickets on time or
    late at a given moment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.evaluation = cls.env["sla.credit.evaluation"]
        cls.tax = cls.env["account.tax"].create(
            {"name": "VAT 21%", "amount": 21.0, "type_tax_use": "sale"}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Managed support",
                "type": "service",
                "list_price": FEE,
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.account_manager = cls.env["res.users"].create(
            {
                "name": "Account Manager",
                "login": "sla_account_manager",
                "email": "am@example.com",
                "groups_id": [
                    Command.set(
                        [cls.env.ref("helpdesk_mgmt.group_helpdesk_manager").id]
                    )
                ],
            }
        )
        for contract in cls.contracts.values():
            contract.write(
                {
                    "sla_penalty_date": date(2026, 1, 1),
                    "sla_account_manager_id": cls.account_manager.id,
                    "line_recurrence": True,
                    "contract_line_ids": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "name": "Managed support",
                                "quantity": 1,
                                "price_unit": FEE,
                                "recurring_rule_type": "monthly",
                                "recurring_interval": 1,
                                "recurring_invoicing_type": "pre-paid",
                                "date_start": date(2026, 1, 1),
                                # January to September already invoiced
                                "last_date_invoiced": date(2026, 9, 30),
                                "recurring_next_date": date(2026, 10, 1),
                            }
                        )
                    ],
                }
            )
        cls.gold_contract = cls.contracts["Gold"]

    def handled(self, tier_name, at, late=False, priority=P3):
        """A ticket opened at ``at`` (naive UTC) and closed a minute later, or
        ten days later (every clock breached)."""
        ticket = self.open_ticket(tier_name, priority, at)
        closed = at + (timedelta(days=10) if late else timedelta(minutes=1))
        self.move(ticket, self.stage_done, closed)
        return ticket

    def incident(self, contract, start, minutes, **vals):
        return self.env["sla.incident"].create(
            {
                "name": "Outage",
                "contract_id": contract.id,
                "start_at": start,
                "end_at": start + timedelta(minutes=minutes),
                **vals,
            }
        )

    def evaluate(self, contracts, period=SEPTEMBER, now=None):
        now = now or datetime(period.year, period.month, 1) + timedelta(days=40)
        with freeze_time(now):
            return self.evaluation._evaluate(contracts, period)

    def credit(self, contract, period=SEPTEMBER, kind="credit"):
        return self.env["sla.credit"].search(
            [
                ("contract_id", "=", contract.id),
                ("period_start", "=", period),
                ("kind", "=", kind),
            ]
        )

    def invoice_on(self, day):
        """OCA contract's own invoicing cron, run on ``day``."""
        with freeze_time(day):
            self.env["contract.contract"].cron_recurring_create_invoice()
        return self.env["account.move"].search(
            [("invoice_origin", "in", [c.name for c in self.contracts.values()])]
        )


def sept(day, hour=10, minute=0):
    return datetime(2026, 9, day, hour, minute)


__all__ = ["FEE", "P1", "P2", "P3", "P4", "SEPTEMBER", "CreditCase", "sept"]
