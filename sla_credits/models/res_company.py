from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    sla_credit_auto_approve = fields.Boolean(
        string="Approve Service Credits Automatically",
        help="Computed credits are approved at once and go on the next invoice "
        "without a manager's review. Credits in a grace period never are.",
    )
