from odoo import fields, models


class SlaMonitoredServiceToken(models.AbstractModel):
    """A webhook token shown once, when issued: the record is never saved,
    its value comes with the action that opens it."""

    _name = "sla.monitored.service.token"
    _description = "Webhook Token of a Monitored Service"

    # needed by the onchange that fills the form from the action's context
    id = fields.Id()
    service_name = fields.Char(string="Monitored Service", readonly=True)
    token = fields.Char(readonly=True)
