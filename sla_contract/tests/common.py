from datetime import date, datetime

import pytz
from freezegun import freeze_time

from odoo.tests import TransactionCase

BRUSSELS = pytz.timezone("Europe/Brussels")


def local(*args):
    """Naive UTC datetime of a Brussels wall-clock time (how Odoo stores it)."""
    return BRUSSELS.localize(datetime(*args)).astimezone(pytz.utc).replace(tzinfo=None)


class SlaCase(TransactionCase):
    """Shipped tiers and calendars, one customer per tier, and helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        ref = cls.env.ref
        cls.bronze = ref("sla_contract.sla_tier_bronze")
        cls.silver = ref("sla_contract.sla_tier_silver")
        cls.gold = ref("sla_contract.sla_tier_gold")
        cls.platinum = ref("sla_contract.sla_tier_platinum")
        cls.business_hours = ref("sla_contract.resource_calendar_business_hours")
        cls.stage_new = ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
        cls.stage_progress = ref("helpdesk_mgmt.helpdesk_ticket_stage_in_progress")
        cls.stage_waiting = ref("sla_contract.helpdesk_ticket_stage_waiting_customer")
        cls.stage_done = ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.team = cls.env["helpdesk.ticket.team"].create({"name": "SLA test team"})
        cls.agent = cls.env["res.users"].create(
            {
                "name": "SLA Agent",
                "login": "sla_agent",
                "email": "agent@example.com",
                "groups_id": [(6, 0, [ref("helpdesk_mgmt.group_helpdesk_user").id])],
            }
        )
        cls.team.user_ids = [(4, cls.agent.id)]
        cls.customers = {}
        cls.contracts = {}
        for tier in (cls.bronze, cls.silver, cls.gold, cls.platinum):
            partner = cls.env["res.partner"].create(
                {"name": f"{tier.name} Customer", "is_company": True}
            )
            cls.customers[tier.name] = partner
            cls.contracts[tier.name] = cls.env["contract.contract"].create(
                {
                    "name": f"{tier.name} support",
                    "partner_id": partner.id,
                    "contract_type": "sale",
                    "date_start": date(2026, 1, 1),
                    "sla_tier_id": tier.id,
                    "sla_date_start": date(2026, 1, 1),
                }
            )

    def open_ticket(self, tier_name, priority, at, **vals):
        with freeze_time(at):
            return self.env["helpdesk.ticket"].create(
                {
                    "name": f"{tier_name} P{4 - int(priority)} issue",
                    "description": "It is broken.",
                    "partner_id": self.customers[tier_name].id,
                    "priority": priority,
                    "team_id": self.team.id,
                    "user_id": self.agent.id,
                    **vals,
                }
            )

    def clock(self, ticket, metric, cycle=None):
        clocks = ticket.sla_clock_ids.filtered(lambda c: c.metric == metric)
        if cycle:
            clocks = clocks.filtered(lambda c: c.cycle == cycle)
        return clocks.sorted("cycle")[-1:]

    def move(self, ticket, stage, at):
        with freeze_time(at):
            ticket.stage_id = stage

    def holiday(self, calendar, day):
        return self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": calendar.id,
                "date_from": local(day.year, day.month, day.day, 0, 0),
                "date_to": local(day.year, day.month, day.day, 23, 59, 59),
            }
        )
