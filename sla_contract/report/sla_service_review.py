from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..models.contract_contract_review import period_bounds


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
        contracts = self.env["contract.contract"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "contract.contract",
            "docs": contracts,
            "reviews": {
                contract.id: contract._sla_review_values(start, end, kind)
                for contract in contracts
            },
        }
