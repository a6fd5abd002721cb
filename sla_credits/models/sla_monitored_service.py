import logging
import secrets

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class SlaMonitoredService(models.Model):
    _name = "sla.monitored.service"
    _description = "Monitored Service"
    _inherit = ["mail.thread"]
    _order = "contract_id, name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    contract_id = fields.Many2one(
        "contract.contract",
        required=True,
        ondelete="cascade",
        index=True,
        tracking=True,
        domain="[('contract_type', '=', 'sale'), ('sla_tier_id', '!=', False)]",
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    partner_id = fields.Many2one(related="contract_id.partner_id", store=True)
    alert_label = fields.Char(
        required=True,
        default="service",
        help="The alert label that names the service in the monitoring's "
        "webhook, e.g. service.",
    )
    alert_value = fields.Char(
        string="Label Value",
        required=True,
        help="The value of that label for this service, e.g. api-eu.",
    )
    token = fields.Char(
        copy=False,
        readonly=True,
        groups="helpdesk_mgmt.group_helpdesk_manager",
        default=lambda self: secrets.token_urlsafe(32),
        help="Secret the monitoring sends as a bearer token: keep it private.",
    )
    webhook_url = fields.Char(compute="_compute_webhook_url")
    incident_ids = fields.One2many("sla.incident", "service_id")
    incident_count = fields.Integer(compute="_compute_incident_count")

    _sql_constraints = [
        ("token_uniq", "unique(token)", "Two services cannot share a token."),
        (
            "label_uniq",
            "unique(contract_id, alert_label, alert_value)",
            "The contract already has a service with this label value.",
        ),
    ]

    def _compute_webhook_url(self):
        base = self.get_base_url()
        for service in self:
            service.webhook_url = f"{base}/sla/alertmanager"

    def _compute_incident_count(self):
        groups = self.env["sla.incident"]._read_group(
            [("service_id", "in", self.ids)], ["service_id"], ["__count"]
        )
        counts = {service.id: count for service, count in groups}
        for service in self:
            service.incident_count = counts.get(service.id, 0)

    def action_regenerate_token(self):
        if not self.env.user.has_group("helpdesk_mgmt.group_helpdesk_manager"):
            raise AccessError(
                self.env._("Only helpdesk managers issue monitoring tokens.")
            )
        for service in self:
            service.sudo().token = secrets.token_urlsafe(32)
            service.message_post(body=self.env._("A new webhook token was issued."))

    def action_view_incidents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "sla_credits.sla_incident_action"
        )
        action["domain"] = [("service_id", "=", self.id)]
        action["context"] = {
            "default_service_id": self.id,
            "default_contract_id": self.contract_id.id,
        }
        return action

    @api.model
    def _by_token(self, token):
        """The service holding ``token``, archived or not, or an empty recordset."""
        if not token:
            return self.browse()
        return (
            self.sudo()
            .with_context(active_test=False)
            .search([("token", "=", token)], limit=1)
        )

    def _sla_apply_alerts(self, alerts):
        """Open, close or leave each alert's incident; returns the counts."""
        self.ensure_one()
        incidents = self.env["sla.incident"].sudo()
        counts = {"opened": 0, "closed": 0, "unchanged": 0}
        for alert in alerts:
            try:
                with self.env.cr.savepoint():
                    incident = incidents.search(
                        [
                            ("service_id", "=", self.id),
                            ("fingerprint", "=", alert.fingerprint),
                            ("start_at", "=", alert.start),
                        ],
                        limit=1,
                    )
                    if not incident:
                        incidents.create(
                            {
                                "name": alert.name,
                                "description": alert.description or False,
                                "contract_id": self.contract_id.id,
                                "service_id": self.id,
                                "start_at": alert.start,
                                "end_at": alert.end,
                                "source": "alertmanager",
                                "fingerprint": alert.fingerprint,
                            }
                        )
                        counts["closed" if alert.end else "opened"] += 1
                    elif alert.end and incident.end_at != alert.end:
                        incident.end_at = alert.end
                        counts["closed"] += 1
                    else:
                        counts["unchanged"] += 1
            except psycopg2.IntegrityError as error:
                if alert.end is None:
                    # The same firing, delivered twice at once: the other
                    # request wrote it.
                    counts["unchanged"] += 1
                    continue
                # Its firing was written at the same instant by another
                # request, invisible to this transaction: Odoo re-runs the
                # request on a serialization failure, and the re-run closes
                # the incident the firing opened.
                # Raised by PostgreSQL itself, so that the failure carries its
                # error code as Odoo's retry loop expects.
                _logger.info("Alert %s written concurrently: retrying", alert)
                self.env.cr.execute(
                    SQL(
                        "DO $$ BEGIN RAISE EXCEPTION 'alert written concurrently' "
                        "USING ERRCODE = 'serialization_failure'; END $$"
                    ),
                    log_exceptions=False,
                )
                raise error  # not reached: the statement above raises
        return counts
