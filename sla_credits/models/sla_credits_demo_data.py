from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from .sla_credit_evaluation import month_start


class SlaCreditsDemoData(models.AbstractModel):
    """Demo credits, called from demo/sla_credits_demo.xml."""

    _name = "sla.credits.demo.data"
    _description = "SLA Credits Demo Data"

    @api.model
    def _sla_credits_demo_populate(self):
        ref = self.env.ref
        contracts = {
            name: ref(f"sla_contract.demo_contract_{name}")
            for name in ("bronze", "silver", "gold", "platinum")
        }
        this_month = month_start(fields.Date.context_today(self))
        last_month = this_month - relativedelta(months=1)
        # Silver signed its penalties from next month: its credits are what
        # would have been. Bronze measures only.
        contracts["silver"].sla_penalty_date = this_month + relativedelta(months=1)
        # Earlier months were invoiced outside the demo.
        for contract in contracts.values():
            contract.recurring_next_date = this_month
        self._demo_downtime(contracts, last_month)
        evaluation = self.env["sla.credit.evaluation"]
        for months_ago in (3, 2, 1):
            evaluation._evaluate(
                self.env["contract.contract"].browse(
                    [c.id for c in contracts.values()]
                ),
                this_month - relativedelta(months=months_ago),
            )
        # Gold's last month, approved and on a posted invoice.
        gold = contracts["gold"]
        credit = self.env["sla.credit"].search(
            [
                ("contract_id", "=", gold.id),
                ("period_start", "=", last_month),
                ("kind", "=", "credit"),
            ]
        )
        credit.action_approve()
        invoice = gold.recurring_create_invoice()
        invoice.action_post()
        # Each contract's first review meeting, planned with its review.
        for contract in contracts.values():
            contract.sla_next_review_date = fields.Date.context_today(self)
            contract._sla_plan_review_meeting()

    def _demo_downtime(self, contracts, month):
        gold, platinum = contracts["gold"], contracts["platinum"]
        service = self.env["sla.monitored.service"].create(
            {
                "name": "Trading API",
                "contract_id": gold.id,
                "alert_label": "service",
                "alert_value": "trading-api",
            }
        )
        portal = self.env["sla.monitored.service"].create(
            {
                "name": "Patient portal",
                "contract_id": platinum.id,
                "alert_label": "service",
                "alert_value": "patient-portal",
            }
        )

        def at(day, hour):
            return datetime.combine(month.replace(day=day), time(hour))

        self.env["sla.incident"].create(
            [
                {
                    "name": "Trading API unreachable (database failover)",
                    "contract_id": gold.id,
                    "service_id": service.id,
                    "start_at": at(9, 13),
                    "end_at": at(9, 13) + timedelta(hours=2, minutes=10),
                    "description": "Primary database lost its disk; failover "
                    "took longer than planned.",
                },
                {
                    "name": "Database upgrade (announced 3 days ahead)",
                    "contract_id": gold.id,
                    "service_id": service.id,
                    "start_at": at(16, 2),
                    "end_at": at(16, 4),
                    "planned": True,
                    "notice_at": at(13, 9),
                },
                {
                    "name": "Certificate rotation (announced the day before)",
                    "contract_id": platinum.id,
                    "service_id": portal.id,
                    "start_at": at(20, 1),
                    "end_at": at(20, 1) + timedelta(minutes=40),
                    "planned": True,
                    "notice_at": at(19, 9),
                },
            ]
        )
        gold.sla_upstream_ids = [
            (
                0,
                0,
                {
                    "name": "Cloud hosting",
                    "provider": "Hyperscaler",
                    "availability": 99.99,
                },
            ),
            (0, 0, {"name": "DNS", "provider": "Anycast DNS", "availability": 99.999}),
        ]
        platinum.sla_upstream_ids = [
            (
                0,
                0,
                {
                    "name": "Cloud hosting",
                    "provider": "Hyperscaler",
                    "availability": 99.95,
                },
            ),
            (
                0,
                0,
                {"name": "Payment gateway", "provider": "PayCo", "availability": 99.9},
            ),
        ]
