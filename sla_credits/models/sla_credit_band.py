from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import credit_math


class SlaCreditBand(models.Model):
    _name = "sla.credit.band"
    _description = "SLA Compliance Credit Band"
    _order = "lower_percent desc, id"

    tier_id = fields.Many2one("sla.tier", ondelete="cascade", index="btree_not_null")
    contract_id = fields.Many2one(
        "contract.contract", ondelete="cascade", index="btree_not_null"
    )
    lower_percent = fields.Float(
        string="From (%)",
        digits=(6, 3),
        required=True,
        help="Compliance at or above this rate falls in the band.",
    )
    upper_percent = fields.Float(
        string="Below (%)",
        digits=(6, 3),
        required=True,
        help="Compliance below this rate falls in the band; the band ending "
        "at 100% also holds 100% itself.",
    )
    credit_percent = fields.Float(
        string="Credit (% of fee)", digits=(6, 3), required=True
    )
    right_to_terminate = fields.Boolean(
        help="Compliance in this band gives the customer the right to terminate."
    )

    _sql_constraints = [
        (
            "one_owner",
            "CHECK ((tier_id IS NULL) != (contract_id IS NULL))",
            "A credit band belongs to a tier or to a contract, not both.",
        ),
    ]

    def _to_band(self):
        return credit_math.Band(
            credit_math.to_decimal(self.lower_percent),
            credit_math.to_decimal(self.upper_percent),
            credit_math.to_decimal(self.credit_percent),
            self.right_to_terminate,
        )

    @api.model
    def _check_owner_bands(self, owner, bands):
        """Refuse bands that leave a gap or overlap, in the manager's words."""
        if not bands:
            return
        try:
            credit_math.validate_bands([band._to_band() for band in bands])
        except ValueError as error:
            raise ValidationError(
                self.env._(
                    "The credit bands of %(owner)s are not valid: %(error)s",
                    owner=owner.display_name,
                    error=str(error),
                )
            ) from error

    @api.model
    def _bands_of(self, records):
        """{record id: validated bands} for tiers or contracts, in one read."""
        field = "contract_id" if records._name == "contract.contract" else "tier_id"
        result = {}
        for band in self.sudo().search([(field, "in", records.ids)]):
            result.setdefault(band[field].id, []).append(band._to_band())
        return {key: credit_math.validate_bands(bands) for key, bands in result.items()}
