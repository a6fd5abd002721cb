"""Prometheus Alertmanager webhook: downtime incidents from monitoring.

Alertmanager posts its webhook payload (version 4) with the monitored
service's token as a bearer token. A "firing" alert opens an incident for the
service its label names, "resolved" closes it. The whole payload is checked
before anything is written: a bad or unknown payload gets a 4xx and changes
nothing. Alerts are keyed by fingerprint and start, so a repeated
notification (Alertmanager re-sends every group interval) is idempotent.
"""

from odoo import http
from odoo.http import request

from ..engine.alertmanager_payload import (
    MAX_BODY,
    PayloadError,
    load_body,
    parse_payload,
)


class AlertmanagerController(http.Controller):
    @http.route(
        "/sla/alertmanager",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        # auth="none" routes default to a read-only cursor in Odoo 18: this
        # one writes incidents.
        readonly=False,
    )
    def alertmanager_webhook(self, **_kwargs):
        header = request.httprequest.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self._reply(401, error="A bearer token is required.")
        # archived services too, so that their token gets a 403, not a 401
        service = (
            request.env["sla.monitored.service"]
            .sudo()
            .with_context(active_test=False)
            ._by_token(token.strip())
        )
        if not service:
            return self._reply(401, error="Unknown token.")
        if not service.active:
            return self._reply(403, error="This monitored service is archived.")
        if (request.httprequest.content_length or 0) > MAX_BODY:
            return self._reply(413, error="The payload is too large.")
        # Cached: Odoo re-runs the handler after a serialization failure, and
        # the request's stream can be read only once.
        body = request.httprequest.get_data()
        if len(body) > MAX_BODY:
            return self._reply(413, error="The payload is too large.")
        try:
            payload = load_body(body)
            alerts = parse_payload(payload, service.alert_label, service.alert_value)
        except PayloadError as error:
            return self._reply(error.status, error=str(error))
        counts = service._sla_apply_alerts(alerts)
        return self._reply(200, **counts)

    def _reply(self, status, **body):
        return request.make_json_response(body, status=status)
