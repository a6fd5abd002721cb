from odoo import fields, models

# Odoo's accounting shows these partner figures to every user, but computes
# them from journal entries, which only accounting users may read: anyone
# else reading a partner or a user in full (as odoorpc's browse() does, e.g.
# following a credit's decided_by_id) was refused. They are accounting
# figures, so they go to accounting users, like the partner's other ones.
ACCOUNTING_GROUPS = "account.group_account_invoice,account.group_account_readonly"


class ResPartner(models.Model):
    _inherit = "res.partner"

    days_sales_outstanding = fields.Float(groups=ACCOUNTING_GROUPS)
    journal_item_count = fields.Integer(groups=ACCOUNTING_GROUPS)
    supplier_invoice_count = fields.Integer(groups=ACCOUNTING_GROUPS)
