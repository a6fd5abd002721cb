import logging
import secrets

import psycopg2
from passlib.context import CryptContext

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# As Odoo's API keys: only a salted hash of the token is stored, with its
# first characters to find it. A random 256-bit token needs no slow hash.
TOKEN_BYTES = 32
PREFIX_SIZE = 8
TOKEN_CRYPT_CONTEXT = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=6000)
# Verified when no service has the prefix, so that a wrong token costs as
# long as a right one.
_DUMMY_HASH = TOKEN_CRYPT_CONTEXT.hash("no service has this token")


def hash_token(token):
    """(prefix, hash) to store for ``token``."""
    return token[:PREFIX_SIZE], TOKEN_CRYPT_CONTEXT.hash(token)


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
    token_prefix = fields.Char(
        string="Token",
        copy=False,
        readonly=True,
        index=True,
        groups="helpdesk_mgmt.group_helpdesk_manager",
        help="The first characters of the webhook token, to recognise it. The "
        "token itself is shown once, when it is issued, and never stored.",
    )
    token_hash = fields.Char(
        copy=False, readonly=True, prefetch=False, groups="base.group_system"
    )
    webhook_url = fields.Char(compute="_compute_webhook_url")
    incident_ids = fields.One2many("sla.incident", "service_id")
    incident_count = fields.Integer(compute="_compute_incident_count")

    _sql_constraints = [
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
        """Issue a new token and show it, once: only its hash is kept."""
        self.ensure_one()
        token = self._sla_issue_token()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Webhook Token"),
            "res_model": "sla.monitored.service.token",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_service_name": self.display_name,
                "default_token": token,
            },
        }

    def _sla_issue_token(self):
        """A new token for this service, replacing the old one; returned,
        never stored."""
        self.ensure_one()
        if not (
            self.env.su
            or self.env.user.has_group("helpdesk_mgmt.group_helpdesk_manager")
        ):
            raise AccessError(
                self.env._("Only helpdesk managers issue monitoring tokens.")
            )
        token = secrets.token_urlsafe(TOKEN_BYTES)
        prefix, token_hash = hash_token(token)
        self.sudo().write({"token_prefix": prefix, "token_hash": token_hash})
        # a note in the history, which needs no e-mail address of its author
        self._message_log(body=self.env._("A new webhook token was issued."))
        return token

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
        """The service holding ``token``, archived or not, or an empty
        recordset; compared in constant time."""
        candidates = self.browse()
        if token and len(token) > PREFIX_SIZE:
            candidates = (
                self.sudo()
                .with_context(active_test=False)
                .search_fetch(
                    [("token_prefix", "=", token[:PREFIX_SIZE])], ["token_hash"]
                )
            )
        for service in candidates:
            if TOKEN_CRYPT_CONTEXT.verify(token, service.token_hash):
                return service
        if not candidates:
            TOKEN_CRYPT_CONTEXT.verify(token or "", _DUMMY_HASH)
        return self.browse()

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
