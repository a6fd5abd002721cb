from odoo import api, fields, models


class SlaTier(models.Model):
    _inherit = "sla.tier"

    credit_band_ids = fields.One2many(
        "sla.credit.band",
        "tier_id",
        string="Credit Bands",
        copy=True,
        help="Service credit per monthly compliance band. Without bands the "
        "standard table applies: 99%+ none, 95-99% 5%, 90-95% 10%, 85-90% 15%, "
        "below 85% 20% and the right to terminate.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        with self.env["sla.credit.band"]._sla_saving_tables():
            return super().create(vals_list)

    def write(self, vals):
        with self.env["sla.credit.band"]._sla_saving_tables():
            return super().write(vals)
