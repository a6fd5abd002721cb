from odoo import fields, models


class SlaClockPause(models.Model):
    _name = "sla.clock.pause"
    _description = "SLA Clock Pause"
    _order = "start_at, id"

    clock_id = fields.Many2one(
        "sla.clock", required=True, ondelete="cascade", index=True
    )
    start_at = fields.Datetime(required=True)
    stop_at = fields.Datetime(help="Empty while the clock is still paused.")
    business_minutes = fields.Float(
        help="Business minutes of the clock's calendar inside this pause."
    )
