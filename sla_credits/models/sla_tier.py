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

    @api.constrains("credit_band_ids")
    def _check_credit_bands(self):
        for tier in self:
            self.env["sla.credit.band"]._check_owner_bands(tier, tier.credit_band_ids)
