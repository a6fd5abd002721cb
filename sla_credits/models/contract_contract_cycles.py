from dateutil.relativedelta import relativedelta

from odoo import models

from .sla_credit import LOCKED_STATES


# Kept apart from the credits' own contract fields: this is the cycles'
# side of a closed month.
class ContractContract(models.Model):
    _inherit = "contract.contract"  # pylint: disable=consider-merging-classes-inherited

    def _sla_frozen_until(self):
        """A month whose credit was approved, applied or waived is closed:
        what its cycles counted as stays as it was."""
        result = super()._sla_frozen_until()
        self.env["sla.credit"].flush_model()
        self.env.cr.execute(
            """SELECT contract_id, MAX(period_start) FROM sla_credit
                WHERE contract_id = ANY(%s) AND kind = 'credit'
                  AND state IN %s
                GROUP BY contract_id""",
            [self.ids, tuple(LOCKED_STATES)],
        )
        for contract_id, last in self.env.cr.fetchall():
            result[contract_id] = last + relativedelta(months=1)
        return result
