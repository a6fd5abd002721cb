from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    sla_credit_id = fields.Many2one(
        "sla.credit",
        string="SLA Credit",
        index="btree_not_null",
        readonly=True,
        copy=False,
        ondelete="restrict",
    )

    def init(self):
        res = super().init()
        # Money is never applied twice: one live invoice line per credit, even
        # when two invoicing runs race. A cancelled invoice frees the credit.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS account_move_line_sla_credit_live_uniq
                ON account_move_line (sla_credit_id)
             WHERE sla_credit_id IS NOT NULL AND parent_state IN ('draft', 'posted')
            """
        )
        return res
