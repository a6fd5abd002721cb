from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine.credit_math import Incident

SOURCES = [
    ("manual", "Entered"),
    ("import", "Imported"),
    ("alertmanager", "Alertmanager"),
]


class SlaIncident(models.Model):
    _name = "sla.incident"
    _description = "Downtime Incident"
    _inherit = ["mail.thread"]
    _order = "start_at desc, id desc"

    name = fields.Char(string="Summary", required=True, tracking=True)
    contract_id = fields.Many2one(
        "contract.contract",
        required=True,
        index=True,
        ondelete="cascade",
        tracking=True,
        domain="[('contract_type', '=', 'sale'), ('sla_tier_id', '!=', False)]",
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    partner_id = fields.Many2one(related="contract_id.partner_id", store=True)
    service_id = fields.Many2one(
        "sla.monitored.service",
        string="Affected Service",
        index="btree_not_null",
        domain="[('contract_id', '=', contract_id)]",
        tracking=True,
    )
    start_at = fields.Datetime(string="Start", required=True, tracking=True)
    end_at = fields.Datetime(
        string="End", tracking=True, help="Empty while the service is still down."
    )
    planned = fields.Boolean(
        string="Planned Maintenance",
        tracking=True,
        help="Excluded from downtime only when announced in time and within "
        "the month's maintenance allowance.",
    )
    notice_at = fields.Datetime(
        string="Notice Given",
        tracking=True,
        help="When the customer was told about the maintenance.",
    )
    duration_minutes = fields.Float(
        string="Duration (min)", compute="_compute_duration", store=True
    )
    source = fields.Selection(SOURCES, default="manual", required=True, readonly=True)
    fingerprint = fields.Char(
        readonly=True,
        help="The monitoring's alert fingerprint, for idempotent updates.",
    )
    description = fields.Text()

    _sql_constraints = [
        (
            "alert_uniq",
            "unique(service_id, fingerprint, start_at)",
            "This alert is already recorded.",
        ),
        (
            "end_after_start",
            "CHECK (end_at IS NULL OR end_at >= start_at)",
            "An incident cannot end before it starts.",
        ),
    ]

    @api.depends("start_at", "end_at")
    def _compute_duration(self):
        for incident in self:
            if incident.start_at and incident.end_at:
                delta = incident.end_at - incident.start_at
                incident.duration_minutes = delta.total_seconds() / 60
            else:
                incident.duration_minutes = 0.0

    @api.onchange("service_id")
    def _onchange_service_id(self):
        if self.service_id:
            self.contract_id = self.service_id.contract_id

    @api.constrains("contract_id", "service_id", "planned", "notice_at", "start_at")
    def _check_incident(self):
        for incident in self:
            if (
                incident.service_id
                and incident.service_id.contract_id != incident.contract_id
            ):
                raise ValidationError(
                    self.env._(
                        "Service %(service)s belongs to another contract.",
                        service=incident.service_id.display_name,
                    )
                )
            if incident.notice_at and not incident.planned:
                raise ValidationError(
                    self.env._(
                        "Incident %(incident)s has a notice date but is not "
                        "planned maintenance.",
                        incident=incident.name,
                    )
                )

    @api.model
    def _load_for(self, contracts, start, end):
        """{contract id: [credit_math.Incident]} of the incidents touching
        ``[start, end)``, in one query."""
        self.env.cr.execute(
            """
            SELECT contract_id, start_at, end_at, planned, notice_at
              FROM sla_incident
             WHERE contract_id = ANY(%s)
               AND start_at < %s
               AND (end_at IS NULL OR end_at > %s)
            """,
            [list(contracts.ids), end, start],
        )
        result = {}
        for contract_id, start_at, end_at, planned, notice_at in self.env.cr.fetchall():
            result.setdefault(contract_id, []).append(
                Incident(start_at, end_at, bool(planned), notice_at)
            )
        return result
