from odoo import models
from odoo.addons.sla_contract.engine import sla_math
from odoo.addons.sla_contract.models.contract_contract_review import format_target
from odoo.addons.sla_contract.tools import lang_format

from ..engine import credit_math
from .sla_credit import STATE_APPLIED, STATE_APPROVED

CSAT_TARGET = 4.0
# A credit the customer is told about: decided in his favour, not the grace
# period's "would have been". sla_portal's record rule on sla.credit says the
# same to RPC.
CUSTOMER_CREDIT_STATES = (STATE_APPROVED, STATE_APPLIED)
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
                self.env._(
                    "at least %(target)s%%", target=format_target(guarantee, self.env)
                )
                if guarantee
                else self.env._("no commitment"),
                uptime >= guarantee if guarantee and uptime is not None else None,
                # one decimal more than the guarantee, cut: 99.9074% against
                # 99.95% reads 99.907%, never 99.9%
                places=sla_math.rate_places(guarantee),
            )
        )
        self.env["rating.rating"].flush_model()
        self.env.cr.execute(CSAT_SQL, [start, end, self.id])
        csat, ratings = self.env.cr.fetchone()
        values["kpis"].append(
            {
                "name": self.env._("CSAT"),
                # cut like every printed rate: 3.996 never reads 4.00
                "value": f"{lang_format.rate(self.env, csat)} / 5 ({ratings})"
                if ratings
                else "-",
                "target": self.env._(
                    "above %(target)s / 5", target=format_target(CSAT_TARGET, self.env)
                ),
                "met": csat > CSAT_TARGET if ratings else None,
            }
        )
        # each month against the guarantee it was priced on
        values["uptime_texts"] = {
            credit.id: "{}%".format(
                sla_math.format_rate(
                    credit.uptime_percent,
                    sla_math.rate_places(credit.uptime_guarantee or guarantee),
                )
            )
            for credit in credits_in_period
        }
        values["credits"] = (
            self._sla_customer_credits(credits_in_period)
            if self._sla_review_for_customer()
            else credits_in_period
        )
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

    def _sla_customer_credits(self, candidates):
        """The credits among ``candidates`` that a customer sees, wherever he
        sees them (portal page, his copy of the service review): approved or
        applied, outside the grace period, with an amount. A computed credit
        is still the staff's to approve or waive."""
        return candidates.filtered(
            lambda credit: (
                credit.state in CUSTOMER_CREDIT_STATES
                and not credit.grace
                and credit.amount
            )
        )

    def _sla_credit_terms(self):
        """The penalty clauses as the evaluation will apply them, in the
        customer's language (they print in his agreement)."""
        self.ensure_one()
        lang = self.partner_id.lang
        if lang and lang != self.env.lang:
            return self.with_context(lang=lang)._sla_credit_terms()
        evaluation = self.env["sla.credit.evaluation"].sudo()
        bands = evaluation._load_bands(self)[self.id]
        guarantee = self.sla_tier_id.uptime_guarantee
        try:
            rate = credit_math.credit_per_hour(guarantee) if guarantee else None
        except ValueError:
            rate = None
        allowed = (
            credit_math.allowed_downtime_minutes(guarantee, 30 * 24 * 60)
            if guarantee
            else None
        )

        def local(text):
            return lang_format.localize(self.env, text)

        return {
            "bands": [
                {
                    "label": local(evaluation._band_label(band)),
                    "credit": local(credit_math.format_percent(band.credit_percent))
                    + "%"
                    if band.credit_percent
                    else self.env._("none"),
                    "terminate": self.env._("right to terminate")
                    if band.right_to_terminate
                    else "",
                }
                for band in sorted(bands, key=lambda b: b.lower, reverse=True)
            ],
            "uptime": f"{local(f'{guarantee:g}')}%",
            "uptime_rate": f"{local(credit_math.format_percent(rate))}%"
            if rate
            else None,
            "allowed": f"{lang_format.fixed(self.env, float(allowed), 1)} min"
            if allowed is not None
            else "",
            "uptime_mode": self.env._("counting every started hour")
            if self.sla_uptime_per_started_hour
            else self.env._("pro rata per minute"),
            "notice": f"{local(f'{self.sla_notice_hours:g}')} h",
            "allowance": f"{local(f'{self.sla_maintenance_allowance_hours:g}')} h",
            "cap": f"{local(f'{self.sla_credit_cap_percent:g}')}%",
        }
