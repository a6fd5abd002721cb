from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import sla_math

UNITS = [
    (sla_math.UNIT_MINUTES, "Minutes"),
    (sla_math.UNIT_HOURS, "Hours"),
    (sla_math.UNIT_DAYS, "Support days"),
    (sla_math.UNIT_WEEKS, "Support weeks"),
]
# Units whose length comes from the tier's calendar.
CALENDAR_UNITS = (sla_math.UNIT_DAYS, sla_math.UNIT_WEEKS)


class SlaTierTarget(models.Model):
    _name = "sla.tier.target"
    _inherit = ["sla.cache.mixin"]
    _description = "SLA Tier Target"
    _order = "tier_id, priority_sequence, id"

    tier_id = fields.Many2one("sla.tier", required=True, ondelete="cascade", index=True)
    priority_id = fields.Many2one("sla.priority", required=True, ondelete="restrict")
    priority_sequence = fields.Integer(related="priority_id.sequence", store=True)
    response_value = fields.Float(string="Response", required=True)
    response_unit = fields.Selection(UNITS, required=True, default=sla_math.UNIT_HOURS)
    resolution_value = fields.Float(string="Resolution", required=True)
    resolution_unit = fields.Selection(
        UNITS, required=True, default=sla_math.UNIT_HOURS
    )
    response_minutes = fields.Integer(
        compute="_compute_minutes",
        store=True,
        help="Business minutes of the response target on the tier's calendar.",
    )
    resolution_minutes = fields.Integer(compute="_compute_minutes", store=True)

    _sql_constraints = [
        (
            "tier_priority_uniq",
            "unique(tier_id, priority_id)",
            "A tier has one target line per priority.",
        ),
    ]

    @api.depends(
        "response_value",
        "response_unit",
        "resolution_value",
        "resolution_unit",
        "tier_id.calendar_id.hours_per_day",
        "tier_id.calendar_id.two_weeks_calendar",
        "tier_id.calendar_id.attendance_ids.hour_from",
        "tier_id.calendar_id.attendance_ids.hour_to",
        "tier_id.calendar_id.attendance_ids.day_period",
        "tier_id.calendar_id.attendance_ids.display_type",
        "tier_id.calendar_id.attendance_ids.resource_id",
        "tier_id.calendar_id.attendance_ids.date_from",
        "tier_id.calendar_id.attendance_ids.date_to",
    )
    def _compute_minutes(self):
        for target in self:
            calendar = target.tier_id.calendar_id
            hours_per_day = calendar.hours_per_day or 0.0
            hours_per_week = calendar._sla_hours_per_week() if calendar else 0.0
            values = {}
            for metric in ("response", "resolution"):
                value = target[f"{metric}_value"]
                try:
                    values[metric] = sla_math.target_to_minutes(
                        value, target[f"{metric}_unit"], hours_per_day, hours_per_week
                    )
                except ValueError:
                    # _check_targets reports it with the tier's name.
                    values[metric] = 0
            target.response_minutes = values["response"]
            target.resolution_minutes = values["resolution"]

    @api.constrains(
        "response_value",
        "resolution_value",
        "response_unit",
        "resolution_unit",
        "response_minutes",
        "resolution_minutes",
    )
    def _check_targets(self):
        for target in self:
            label = f"{target.tier_id.name} {target.priority_id.code}"
            if target.response_value <= 0 or target.resolution_value <= 0:
                raise ValidationError(
                    self.env._(
                        "%(target)s: response and resolution targets must be positive.",
                        target=label,
                    )
                )
            for metric in ("response", "resolution"):
                if target[f"{metric}_minutes"]:
                    continue
                unit = target[f"{metric}_unit"]
                calendar = target.tier_id.calendar_id
                if unit in CALENDAR_UNITS and not (
                    calendar.hours_per_day
                    if unit == sla_math.UNIT_DAYS
                    else calendar._sla_hours_per_week()
                ):
                    reason = calendar._sla_unusable_reason() or self.env._(
                        "The working schedule '%(calendar)s' gives no length "
                        "for a day or a week: its average hours per day is "
                        "zero, or all its working periods have dates.",
                        calendar=calendar.display_name,
                    )
                    raise ValidationError(
                        self.env._(
                            "%(target)s: targets in support days or weeks take "
                            "their length from the tier's support hours. "
                            "%(reason)s",
                            target=label,
                            reason=reason,
                        )
                    )
                raise ValidationError(
                    self.env._(
                        "%(target)s: clocks count whole minutes, so a response "
                        "or resolution target must be at least one minute.",
                        target=label,
                    )
                )
            if target.resolution_minutes < target.response_minutes:
                raise ValidationError(
                    self.env._(
                        "%(target)s: the resolution target cannot be shorter than "
                        "the response target.",
                        target=label,
                    )
                )

    def write(self, vals):
        res = super().write(vals)
        self.tier_id._reapply_to_open_tickets()
        return res

    def unlink(self):
        tiers = self.tier_id
        res = super().unlink()
        tiers.exists()._check_all_priorities()
        return res

    def _compute_display_name(self):
        for target in self:
            target.display_name = f"{target.tier_id.name} / {target.priority_id.code}"
