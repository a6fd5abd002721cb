from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..models.contract_contract_review import period_bounds

# data["audience"] of the review the customer downloads from his portal.
AUDIENCE_CUSTOMER = "customer"


class ReportSlaServiceReview(models.AbstractModel):
    _name = "report.sla_contract.report_sla_service_review"
    _description = "SLA Service Review"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        kind = data.get("kind") or "month"
        if data.get("start"):
            start = fields.Date.to_date(data["start"])
        else:
            # From the Print menu: the last full period.
            start = period_bounds(fields.Date.context_today(self), kind)[0] - (
                relativedelta(months=3 if kind == "quarter" else 1)
            )
        start, end = period_bounds(start, kind)
        # Printed with options (Action > Service Review), the web client's
        # URL carries no ids: they come in the data, read as the user.
        docids = docids or data.get("contract_ids") or []
        # The staff's review holds what the customer must not read (credits
        # not decided yet, root causes). A portal user gets the customer's
        # version whatever data he sends: the flag can only narrow it.
        for_customer = data.get("audience") == AUDIENCE_CUSTOMER or (
            self.env.user.share
        )
        contracts = (
            self.env["contract.contract"]
            .browse(docids)
            .with_context(sla_review_for_customer=for_customer)
        )
        contracts.check_access("read")
        return {
            "doc_ids": docids,
            "doc_model": "contract.contract",
            "docs": contracts,
            "for_customer": for_customer,
            "reviews": {
                # the customer's language, as the template's t-lang
                contract.id: contract.with_context(
                    lang=contract.partner_id.lang or self.env.lang
                )._sla_review_values(start, end, kind)
                for contract in contracts
            },
        }
