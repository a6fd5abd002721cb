from dateutil.relativedelta import relativedelta

from odoo import models

from .sla_credit import STATE_COMPUTED
from .sla_credit_evaluation import month_start

# Platinum's account manager waives the credit of the months whose breaches
# came from the outage the customer's own change caused (counted from the
# first month of the history).
WAIVED_MONTHS = {"platinum": (6,)}


class SlaDemoData(models.AbstractModel):
    """The money side of the demo's year: monitored services with their
    outages and planned maintenance, the customers' ratings, and each
    month's job: credits evaluated, approved or waived, and the contract
    invoiced for the new month with the credits it carries."""

    _inherit = "sla.demo.data"

    def _sla_demo_prepare(self, ctx):
        res = super()._sla_demo_prepare(ctx)
        contracts = ctx.contracts
        this_month = month_start(ctx.now.date())
        # Silver signed its penalties from next month: its credits are what
        # would have been. Bronze measures only.
        contracts["silver"].sla_penalty_date = this_month + relativedelta(months=1)
        services = {
            "gold": self.env["sla.monitored.service"].create(
                {
                    "name": "Trading API",
                    "contract_id": contracts["gold"].id,
                    "alert_label": "service",
                    "alert_value": "trading-api",
                }
            ),
            "platinum": self.env["sla.monitored.service"].create(
                {
                    "name": "Patient portal",
                    "contract_id": contracts["platinum"].id,
                    "alert_label": "service",
                    "alert_value": "patient-portal",
                }
            ),
        }
        self.env["sla.incident"].create(
            [
                {
                    "name": outage.title,
                    "contract_id": contracts[outage.customer].id,
                    "service_id": services[outage.customer].id,
                    "start_at": outage.start,
                    "end_at": outage.end,
                    "planned": outage.planned,
                    "notice_at": outage.notice_at or False,
                    "description": outage.description,
                }
                for outage in ctx.plan.outages
            ]
        )
        self._sla_demo_upstreams(contracts)
        ctx.ratings = []
        return res

    def _sla_demo_upstreams(self, contracts):
        contracts["gold"].sla_upstream_ids = [
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
        contracts["platinum"].sla_upstream_ids = [
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

    def _sla_demo_rate(self, ctx, player, ticket, at, score, feedback):  # noqa: PLR0917
        res = super()._sla_demo_rate(ctx, player, ticket, at, score, feedback)
        ctx.ratings.append((ticket, at, score, feedback))
        return res

    def _sla_demo_flush_ratings(self, ctx):
        """The ratings given so far, dated when they were given: the CSAT
        of a quarter counts those written in it."""
        if not ctx.ratings:
            return
        model_id = self.env["ir.model"]._get_id("helpdesk.ticket")
        ratings = self.env["rating.rating"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": ticket.id,
                    "partner_id": ticket.partner_id.id,
                    "rated_partner_id": ticket.user_id.partner_id.id,
                    "rating": score,
                    "feedback": feedback or False,
                    "consumed": True,
                }
                for ticket, _at, score, feedback in ctx.ratings
            ]
        )
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE rating_rating r SET create_date = v.at, write_date = v.at
                 FROM unnest(%s::int[], %s::timestamp[]) AS v(id, at)
                WHERE r.id = v.id""",
            [ratings.ids, [at for _ticket, at, _score, _feedback in ctx.ratings]],
        )
        ratings.invalidate_recordset()
        ctx.ratings = []

    def _sla_demo_month(self, ctx, player, closed, month, at):
        res = super()._sla_demo_month(ctx, player, closed, month, at)
        self._sla_demo_flush_ratings(ctx)
        contracts = self.env["contract.contract"].browse(
            [contract.id for contract in ctx.contracts.values()]
        )
        if closed:
            period_credits = self.env["sla.credit.evaluation"]._evaluate(
                contracts, closed
            )
            index = (closed.year - ctx.plan.start.year) * 12 + (
                closed.month - ctx.plan.start.month
            )
            for key, contract in ctx.contracts.items():
                todo = period_credits.filtered(
                    lambda c, k=contract: (
                        c.contract_id == k
                        and c.state == STATE_COMPUTED
                        and not c.grace
                        and c.amount
                    )
                )
                if not todo:
                    continue
                if index in WAIVED_MONTHS.get(key, ()):
                    todo._decide(
                        "waived",
                        self.env._(
                            "The outage followed a change the customer made "
                            "without notice."
                        ),
                    )
                else:
                    todo._decide("approved")
        due = contracts.filtered(
            lambda c: c.recurring_next_date and c.recurring_next_date <= month
        )
        for contract in due:
            invoices = contract.recurring_create_invoice()
            invoices.action_post()
        return res

    def _sla_demo_finish(self, ctx):
        self._sla_demo_flush_ratings(ctx)
        res = super()._sla_demo_finish(ctx)
        # Each contract's next review meeting, planned with its review.
        for contract in ctx.contracts.values():
            contract.sla_next_review_date = ctx.now.date()
            contract._sla_plan_review_meeting()
        return res
