from dateutil.relativedelta import relativedelta

from odoo import fields, models

from ..models.contract_contract_review import period_bounds


def _last_month(wizard):
    return period_bounds(fields.Date.context_today(wizard), "month")[0] - (
        relativedelta(months=1)
    )


class SlaServiceReviewWizard(models.TransientModel):
    _name = "sla.service.review.wizard"
    _description = "Print an SLA Service Review"

    contract_ids = fields.Many2many(
        "contract.contract",
        string="Contracts",
        required=True,
        domain="[('sla_tier_id', '!=', False)]",
    )
    kind = fields.Selection(
        [("month", "Month"), ("quarter", "Quarter")],
        string="Period",
        required=True,
        default="month",
    )
    date = fields.Date(
        string="Any Day In The Period", required=True, default=_last_month
    )

    def action_print(self):
        self.ensure_one()
        start, _end = period_bounds(self.date, self.kind)
        # With data, the web client puts the options in the report's URL and
        # leaves the record ids out of it: the contracts travel in the data.
        action = self.env.ref(
            "sla_contract.action_report_sla_service_review"
        ).report_action(
            self.contract_ids,
            data={
                "start": fields.Date.to_string(start),
                "kind": self.kind,
                "contract_ids": self.contract_ids.ids,
            },
            # The review prints its own letterhead: no document layout to
            # configure first.
            config=False,
        )
        action["close_on_report_download"] = True
        return action
