from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SlaUpstreamService(models.Model):
    _name = "sla.upstream.service"
    _description = "Upstream Service a Contract Relies On"
    _order = "contract_id, sequence, id"

    sequence = fields.Integer(default=10)
    contract_id = fields.Many2one(
        "contract.contract", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(string="Service", required=True)
    provider = fields.Char()
    availability = fields.Float(
        string="Provider SLA (%)",
        digits=(6, 3),
        required=True,
        default=99.9,
        help="The availability the provider guarantees for this service.",
    )

    @api.constrains("availability")
    def _check_availability(self):
        for upstream in self:
            if not 0 < upstream.availability <= 100:
                raise ValidationError(
                    self.env._(
                        "The availability of %(service)s must be above 0 and at "
                        "most 100%%.",
                        service=upstream.name,
                    )
                )
