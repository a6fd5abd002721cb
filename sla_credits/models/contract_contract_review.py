from odoo import models

CSAT_TARGET = 4.0
CSAT_SQL = """
    SELECT AVG(r.rating), COUNT(*)
      FROM rating_rating r
      JOIN helpdesk_ticket t ON t.id = r.res_id
     WHERE r.res_model = 'helpdesk.ticket'
       AND r.consumed
       AND r.rating > 0
       AND r.write_date >= %s AND r.write_date < %s
       AND t.sla_contract_id = %s
"""


# The service review is its own concern, kept out of the contract's SLA terms.
class ContractContract(models.Model):
    _inherit = "contract.contract"  # pylint: disable=consider-merging-classes-inherited

    def _sla_review_values(self, start, end, kind="month"):
        values = super()._sla_review_values(start, end, kind)
        credits_in_period = (
            self.env["sla.credit"]
            .sudo()
            .search(
                [
                    ("contract_id", "=", self.id),
                    ("period_start", ">=", start),
                    ("period_start", "<", end),
                ],
                order="period_start, kind, id",
            )
        )
        months = credits_in_period.filtered(lambda c: c.kind == "credit")
        minutes = sum(months.mapped("month_minutes"))
        uptime = (
            sum(c.uptime_percent * c.month_minutes for c in months) / minutes
            if minutes
            else None
        )
        guarantee = self.sla_tier_id.uptime_guarantee
        values["kpis"].append(
            self._sla_kpi(
                self.env._("Uptime"),
                uptime,
                "%",
                self.env._("at least %(target)s%%", target=f"{guarantee:g}")
                if guarantee
                else self.env._("no commitment"),
                uptime >= guarantee if guarantee and uptime is not None else None,
            )
        )
        self.env["rating.rating"].flush_model()
        self.env.cr.execute(CSAT_SQL, [start, end, self.id])
        csat, ratings = self.env.cr.fetchone()
        values["kpis"].append(
            {
                "name": self.env._("CSAT"),
                "value": f"{csat:.2f} / 5 ({ratings})" if ratings else "-",
                "target": self.env._("above %(target)s / 5", target=f"{CSAT_TARGET:g}"),
                "met": csat > CSAT_TARGET if ratings else None,
            }
        )
        values["credits"] = credits_in_period
        values["incidents"] = (
            self.env["sla.incident"]
            .sudo()
            .search(
                [
                    ("contract_id", "=", self.id),
                    ("start_at", "<", end),
                    "|",
                    ("end_at", "=", False),
                    ("end_at", ">=", start),
                ],
                order="start_at",
            )
        )
        values["bonuses"] = (
            self.env["sla.bonus"]
            .sudo()
            .search(
                [
                    ("contract_id", "=", self.id),
                    ("quarter_start", ">=", start),
                    ("quarter_start", "<", end),
                ]
            )
        )
        return values
