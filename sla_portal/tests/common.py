from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import HttpCase


class SlaPortalCase(HttpCase):
    """Two customers with an SLA contract and a portal user each; the first
    has a breached and an on-time ticket last month, and its credit for that
    month on a posted invoice."""

    # {"alpha": "fr_FR"}: the language of a customer (company and portal
    # user), active with our addons' translations before his contract,
    # credits and invoice are written
    customer_langs = {}
    translated_addons = ["sla_contract", "sla_credits", "sla_escalation", "sla_portal"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        langs = sorted(set(cls.customer_langs.values()))
        for lang in langs:
            cls.env["res.lang"]._activate_lang(lang)
        if langs:
            cls.env["ir.module.module"]._load_module_terms(cls.translated_addons, langs)
        today = fields.Date.today()
        cls.last_month = today.replace(day=1) - timedelta(days=1)
        cls.last_month = cls.last_month.replace(day=1)
        cls.product = cls.env["product.product"].create(
            {"name": "Managed support", "type": "service", "list_price": 1000}
        )
        cls.customers, cls.contracts, cls.users, cls.tickets = {}, {}, {}, {}
        for key, tier in (("alpha", "gold"), ("beta", "silver")):
            lang = cls.customer_langs.get(key)
            partner = cls.env["res.partner"].create(
                {
                    "name": f"Portal {key.title()} Ltd",
                    "is_company": True,
                    **({"lang": lang} if lang else {}),
                }
            )
            cls.customers[key] = partner
            start = date(today.year - 1, 1, 1)
            cls.contracts[key] = cls.env["contract.contract"].create(
                {
                    "name": f"{key.title()} {tier} support",
                    "partner_id": partner.id,
                    "contract_type": "sale",
                    "date_start": start,
                    "sla_tier_id": ref(f"sla_contract.sla_tier_{tier}").id,
                    "sla_date_start": start,
                    "sla_penalty_date": start,
                    "line_recurrence": True,
                    "contract_line_ids": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "name": "Managed support",
                                "quantity": 1,
                                "price_unit": 1000.0,
                                "recurring_rule_type": "monthly",
                                "date_start": start,
                                "recurring_next_date": today.replace(day=1),
                            }
                        )
                    ],
                }
            )
            cls.users[key] = (
                cls.env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": f"{key.title()} customer",
                        "login": f"portal_{key}",
                        "password": f"portal_{key}",
                        "email": f"{key}@example.com",
                        "parent_id": partner.id,
                        "tz": "America/New_York",
                        **({"lang": lang} if lang else {}),
                        "groups_id": [Command.set([ref("base.group_portal").id])],
                    }
                )
            )
            done = ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
            tickets = cls.env["helpdesk.ticket"]
            for day, late in ((3, False), (4, True)):
                opened = datetime.combine(
                    cls.last_month + timedelta(days=day), datetime.min.time()
                ) + timedelta(hours=10)
                with freeze_time(opened):
                    ticket = cls.env["helpdesk.ticket"].create(
                        {
                            "name": f"{key} outage {day}",
                            "description": "Down.",
                            "partner_id": cls.users[key].partner_id.id,
                            "priority": "2",
                        }
                    )
                closed = opened + timedelta(days=10 if late else 0, minutes=1)
                with freeze_time(closed):
                    ticket.stage_id = done
                tickets |= ticket
            cls.tickets[key] = tickets
        evaluation = cls.env["sla.credit.evaluation"]
        evaluation._evaluate(
            cls.contracts["alpha"] | cls.contracts["beta"], cls.last_month
        )
        cls.credits = {
            key: cls.env["sla.credit"].search([("contract_id", "=", contract.id)])
            for key, contract in cls.contracts.items()
        }
        for credit in cls.credits.values():
            credit.action_approve()
        cls.invoices = {
            key: contract.recurring_create_invoice()
            for key, contract in cls.contracts.items()
        }
        for invoice in cls.invoices.values():
            invoice.action_post()
