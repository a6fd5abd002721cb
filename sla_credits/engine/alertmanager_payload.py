"""Prometheus Alertmanager webhook payloads (version 4), checked and parsed.

No ORM here: the controller hands the parsed alerts to the model.
"""

import hashlib
import json
import re
from collections import namedtuple
from datetime import UTC, datetime

MAX_BODY = 1024 * 1024
# An Alertmanager payload is four levels deep (payload, alerts, alert,
# labels); anything much deeper is not one, and deep enough nesting makes
# Python's own JSON parser, or any code walking the result, recurse too far.
MAX_DEPTH = 32
# Alertmanager's "zero" time, sent as endsAt of a firing alert.
ZERO_TIME_PREFIX = "0001-01-01"
_FRACTION = re.compile(r"(\.\d{6})\d+")

Alert = namedtuple("Alert", "status fingerprint start end name description")


class PayloadError(ValueError):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def load_body(body):
    """The JSON document in ``body`` (bytes), or :class:`PayloadError` 400."""
    try:
        document = json.loads(body)
    except RecursionError as error:
        raise PayloadError(400, _too_deep()) from error
    except ValueError as error:  # UnicodeDecodeError included
        raise PayloadError(400, "The body is not JSON.") from error
    if _depth_exceeds(document, MAX_DEPTH):
        raise PayloadError(400, _too_deep())
    return document


def _too_deep():
    return f"The payload is nested more than {MAX_DEPTH} levels deep."


def _depth_exceeds(document, limit):
    """Whether ``document`` nests lists or objects deeper than ``limit``;
    walked with a stack, never by recursion."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_time(value, field):
    """An RFC 3339 time as naive UTC; Go sends nanoseconds, Python takes
    microseconds."""
    if not isinstance(value, str) or not value:
        raise PayloadError(400, f"{field} must be an RFC 3339 time.")
    if value.startswith(ZERO_TIME_PREFIX):
        return None
    text = _FRACTION.sub(r"\1", value.replace("Z", "+00:00"))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise PayloadError(
            400, f"{field} {value!r} is not an RFC 3339 time."
        ) from error
    if moment.tzinfo is None:
        raise PayloadError(400, f"{field} {value!r} has no time zone.")
    return moment.astimezone(UTC).replace(tzinfo=None)


def parse_payload(payload, label, value):
    """The alerts of an Alertmanager payload for the service whose ``label``
    is ``value``, or :class:`PayloadError`."""
    if not isinstance(payload, dict):
        raise PayloadError(400, "The payload must be a JSON object.")
    if str(payload.get("version")) != "4":
        raise PayloadError(
            400, "Only Alertmanager webhook payloads version 4 are accepted."
        )
    alerts = payload.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise PayloadError(400, "The payload has no alerts.")
    result = []
    for index, alert in enumerate(alerts):
        where = f"alerts[{index}]"
        if not isinstance(alert, dict):
            raise PayloadError(400, f"{where} must be an object.")
        status = alert.get("status")
        if status not in ("firing", "resolved"):
            raise PayloadError(400, f"{where}.status must be firing or resolved.")
        labels = alert.get("labels")
        if not isinstance(labels, dict):
            raise PayloadError(400, f"{where}.labels must be an object.")
        if labels.get(label) != value:
            raise PayloadError(
                422,
                f"{where} is for {label}={labels.get(label)!r}, not for this "
                f"token's service {label}={value!r}.",
            )
        start = parse_time(alert.get("startsAt"), f"{where}.startsAt")
        if start is None:
            raise PayloadError(400, f"{where}.startsAt is missing.")
        end = parse_time(alert.get("endsAt", ZERO_TIME_PREFIX), f"{where}.endsAt")
        if status == "resolved" and end is None:
            raise PayloadError(400, f"{where} is resolved but has no endsAt.")
        if status == "firing":
            end = None
        if end is not None and end < start:
            raise PayloadError(400, f"{where} ends before it starts.")
        fingerprint = (
            alert.get("fingerprint")
            or hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[
                :16
            ]
        )
        annotations = alert.get("annotations") or {}
        if not isinstance(annotations, dict):
            raise PayloadError(400, f"{where}.annotations must be an object.")
        result.append(
            Alert(
                status=status,
                fingerprint=str(fingerprint),
                start=start,
                end=end,
                name=str(
                    annotations.get("summary") or labels.get("alertname") or value
                ),
                description=str(annotations.get("description") or ""),
            )
        )
    return result
