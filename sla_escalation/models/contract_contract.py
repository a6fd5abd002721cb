from odoo import models
from odoo.addons.sla_contract.models.contract_contract_review import format_target

ESCALATION_TARGET = 10.0


class ContractContract(models.Model):
    _inherit = "contract.contract"

    def _sla_review_values(self, start, end, kind="month"):
        values = super()._sla_review_values(start, end, kind)
        [[rate]] = (
            self.env["sla.escalation.ticket.report"]
            .sudo()
            ._read_group(
                [
                    ("contract_id", "=", self.id),
                    ("report_date", ">=", start),
                    ("report_date", "<", end),
                ],
                [],
                ["escalated:avg"],
            )
        )
        values["kpis"].append(
            self._sla_kpi(
                self.env._("Escalation rate"),
                rate,
                "%",
                self.env._(
                    "below %(target)s%%",
                    target=format_target(ESCALATION_TARGET, self.env),
                ),
                rate is not None and rate < ESCALATION_TARGET,
            )
        )
        return values

    def _sla_escalation_matrix(self):
        """The escalation rules that apply to this contract's tier, named in
        the customer's language (they print in his agreement)."""
        self.ensure_one()
        return (
            self.env["sla.escalation.rule"]
            .sudo()
            .with_context(lang=self.partner_id.lang or self.env.lang)
            .search(
                [
                    ("company_id", "in", (self.company_id.id, False)),
                    "|",
                    ("tier_ids", "=", False),
                    ("tier_ids", "in", self.sla_tier_id.ids),
                ],
                order="metric desc, threshold_percent, sequence",
            )
        )
