from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

MONTHS = [(str(m), date(2000, m, 1).strftime("%B")) for m in range(1, 13)]


def _last_month():
    today = fields.Date.today()
    return date(today.year, today.month, 1) - relativedelta(months=1)


class SlaCreditComputeWizard(models.TransientModel):
    _name = "sla.credit.compute.wizard"
    _description = "Compute SLA Service Credits"

    month = fields.Selection(
        MONTHS, required=True, default=lambda self: str(_last_month().month)
    )
    year = fields.Integer(required=True, default=lambda self: _last_month().year)
    contract_ids = fields.Many2many(
        "contract.contract",
        string="Contracts",
        domain="[('contract_type', '=', 'sale'), ('sla_tier_id', '!=', False)]",
        help="Leave empty for every contract with an SLA.",
    )
    state = fields.Selection(
        [("choose", "Choose"), ("done", "Done")], default="choose", required=True
    )
    evaluated_contract_ids = fields.Many2many(
        "contract.contract",
        "sla_credit_compute_wizard_evaluated_rel",
        string="Evaluated Contracts",
        readonly=True,
    )
    result = fields.Text(readonly=True)

    @api.model
    def _period(self, year, month):
        return date(year, int(month), 1)

    def action_compute(self):
        self.ensure_one()
        if not 2000 <= self.year <= 2100:
            raise UserError(self.env._("Pick a year between 2000 and 2100."))
        period = self._period(self.year, self.month)
        if period + relativedelta(months=1) > fields.Date.today():
            raise UserError(
                self.env._(
                    "This month is not over yet: its credits are computed once "
                    "it has ended."
                )
            )
        evaluation = self.env["sla.credit.evaluation"]
        contracts = (self.contract_ids or evaluation._contracts_for(period)).filtered(
            lambda c: c.company_id in self.env.companies
        )
        credit_recs, errors = evaluation._evaluate_batch(contracts, period)
        if not errors:
            action = self._credits_action(contracts, period)
            if not contracts:
                action["help"] = self.env._("No contract with an SLA in that month.")
            return action
        # The credits that could be computed are kept: the manager reads
        # what stopped the others here, then opens the credits.
        failed = contracts.filtered(lambda c: c.id in errors).sorted("name")
        month = format_date(self.env, period, date_format="MMMM y")
        lines = [
            self.env._(
                "%(count)s credits of %(month)s computed. These contracts could "
                "not be evaluated:",
                count=len(credit_recs),
                month=month,
            )
        ]
        lines += [
            f"- {' '.join(filter(None, [contract.code, contract.name]))}: "
            f"{errors[contract.id]}"
            for contract in failed
        ]
        self.write(
            {
                "state": "done",
                "evaluated_contract_ids": [Command.set(contracts.ids)],
                "result": "\n".join(lines),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Service credits not computed"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_view_credits(self):
        self.ensure_one()
        return self._credits_action(
            self.evaluated_contract_ids, self._period(self.year, self.month)
        )

    def _credits_action(self, contracts, period):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sla_credits.sla_credit_action"
        )
        action["domain"] = [
            ("contract_id", "in", contracts.ids),
            ("period_start", "=", period),
        ]
        action["context"] = {}
        return action
