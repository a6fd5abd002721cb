"""Unit tests of the Alertmanager webhook payload parser.

The module is loaded by path, like the other engine tests, so no database or
registry is needed. Payloads follow Alertmanager's documented webhook format
(version 4); times are what Go's RFC 3339 encoder sends.
"""

import copy
import importlib.util
import json
from datetime import datetime
from pathlib import Path

import pytest

_PATH = (
    Path(__file__).resolve().parents[1]
    / "sla_credits"
    / "engine"
    / "alertmanager_payload.py"
)
_SPEC = importlib.util.spec_from_file_location("alertmanager_payload_under_test", _PATH)
ap = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(ap)

ZERO = "0001-01-01T00:00:00Z"


def alert(status="firing", service="api-eu", **overrides):
    result = {
        "status": status,
        "labels": {
            "alertname": "ServiceDown",
            "service": service,
            "severity": "critical",
        },
        "annotations": {
            "summary": f"{service} is down",
            "description": "Probe failed for 2 minutes.",
        },
        "startsAt": "2026-09-10T08:00:00.123456789Z",
        "endsAt": ZERO if status == "firing" else "2026-09-10T08:30:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
        "fingerprint": "c4a1d2f3e5b60718",
    }
    result.update(overrides)
    return result


def payload(*alerts, status=None):
    alerts = list(alerts) or [alert()]
    return {
        "version": "4",
        "groupKey": '{}:{alertname="ServiceDown"}',
        "truncatedAlerts": 0,
        "status": status or alerts[0]["status"],
        "receiver": "sla",
        "groupLabels": {"alertname": "ServiceDown"},
        "commonLabels": {"alertname": "ServiceDown"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    }


def parse(data, label="service", value="api-eu"):
    return ap.parse_payload(data, label, value)


def error_of(data, label="service", value="api-eu"):
    with pytest.raises(ap.PayloadError) as info:
        parse(data, label, value)
    return info.value


# ---------------------------------------------------------------- parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Go's RFC3339Nano: nanoseconds, trailing zeros trimmed
        ("2026-09-10T08:00:00.123456789Z", datetime(2026, 9, 10, 8, 0, 0, 123456)),
        ("2026-09-10T08:00:00.1Z", datetime(2026, 9, 10, 8, 0, 0, 100000)),
        # truncated, never rounded into the next second
        ("2026-09-10T08:00:59.999999999Z", datetime(2026, 9, 10, 8, 0, 59, 999999)),
        ("2026-09-10T08:00:00.1234Z", datetime(2026, 9, 10, 8, 0, 0, 123400)),
        ("2026-09-10T08:00:00Z", datetime(2026, 9, 10, 8, 0, 0)),
        # offsets are turned into naive UTC
        ("2026-09-10T10:00:00+02:00", datetime(2026, 9, 10, 8, 0, 0)),
        ("2026-09-10T10:00:00.5+02:00", datetime(2026, 9, 10, 8, 0, 0, 500000)),
        ("2026-09-10T03:30:00.000000001-05:00", datetime(2026, 9, 10, 8, 30, 0)),
        # across midnight and a day
        ("2026-09-10T01:00:00+05:30", datetime(2026, 9, 9, 19, 30, 0)),
    ],
)
def test_parse_time_is_naive_utc(text, expected):
    result = ap.parse_time(text, "startsAt")
    assert result == expected
    assert result.tzinfo is None


def test_parse_time_zero_is_none():
    assert ap.parse_time(ZERO, "endsAt") is None


@pytest.mark.parametrize(
    "value",
    ["", None, 1694332800, "yesterday", "2026-09-10T08:00:00", "2026-13-10T08:00:00Z"],
)
def test_parse_time_rejects(value):
    with pytest.raises(ap.PayloadError) as info:
        ap.parse_time(value, "startsAt")
    assert info.value.status == 400
    assert "startsAt" in str(info.value)


# ---------------------------------------------------------------- accepted


def test_firing_alert():
    (result,) = parse(payload(alert()))
    assert result == ap.Alert(
        status="firing",
        fingerprint="c4a1d2f3e5b60718",
        start=datetime(2026, 9, 10, 8, 0, 0, 123456),
        end=None,
        name="api-eu is down",
        description="Probe failed for 2 minutes.",
    )


def test_firing_alert_with_zero_ends_at_has_no_end():
    # Alertmanager sends endsAt in the future for some firing alerts: a
    # firing alert is never over, whatever endsAt says.
    (zero,) = parse(payload(alert(endsAt=ZERO)))
    (future,) = parse(payload(alert(endsAt="2026-09-10T08:05:00Z")))
    (missing,) = parse(payload({k: v for k, v in alert().items() if k != "endsAt"}))
    assert zero.end is future.end is missing.end is None


def test_resolved_alert_with_offsets():
    resolved = alert(
        "resolved",
        startsAt="2026-09-10T10:00:00.987654321+02:00",
        endsAt="2026-09-10T10:45:30.000000001+02:00",
    )
    (result,) = parse(payload(resolved))
    assert result.status == "resolved"
    assert result.start == datetime(2026, 9, 10, 8, 0, 0, 987654)
    assert result.end == datetime(2026, 9, 10, 8, 45, 30)


def test_resolved_may_end_when_it_starts():
    resolved = alert(
        "resolved", startsAt="2026-09-10T08:00:00Z", endsAt="2026-09-10T10:00:00+02:00"
    )
    (result,) = parse(payload(resolved))
    assert result.start == result.end == datetime(2026, 9, 10, 8, 0)


def test_several_alerts_in_order():
    first = alert(fingerprint="aaaa")
    second = alert("resolved", fingerprint="bbbb")
    results = parse(payload(first, second))
    assert [(a.fingerprint, a.status) for a in results] == [
        ("aaaa", "firing"),
        ("bbbb", "resolved"),
    ]


def test_version_may_be_a_number():
    data = payload()
    data["version"] = 4
    assert len(parse(data)) == 1


def test_custom_label():
    labels = {"alertname": "Down", "instance": "db-1:9100", "service": "api-us"}
    data = payload(alert(labels=labels))
    (result,) = parse(data, "instance", "db-1:9100")
    assert result.name == "api-eu is down"
    # the default label no longer decides
    assert error_of(data, "instance", "db-2:9100").status == 422


def test_name_falls_back_to_alertname_then_value():
    (by_alertname,) = parse(payload(alert(annotations={})))
    assert by_alertname.name == "ServiceDown"
    assert by_alertname.description == ""
    (by_value,) = parse(payload(alert(labels={"service": "api-eu"}, annotations={})))
    assert by_value.name == "api-eu"


def test_missing_fingerprint_fallback_is_stable():
    bare = alert()
    del bare["fingerprint"]
    (first,) = parse(payload(copy.deepcopy(bare)))
    # the same labels in another order, and resolved later: the same alert
    reordered = dict(bare, status="resolved", endsAt="2026-09-10T08:30:00Z")
    reordered["labels"] = dict(reversed(list(bare["labels"].items())))
    (second,) = parse(payload(reordered))
    assert first.fingerprint
    assert first.fingerprint == second.fingerprint
    # another label set is another alert
    other = copy.deepcopy(bare)
    other["labels"]["severity"] = "warning"
    (third,) = parse(payload(other))
    assert third.fingerprint != first.fingerprint
    # an empty fingerprint counts as missing
    (empty,) = parse(payload(dict(bare, fingerprint="")))
    assert empty.fingerprint == first.fingerprint


def test_parse_does_not_change_the_payload():
    data = payload(alert(), alert("resolved", fingerprint="bbbb"))
    before = copy.deepcopy(data)
    parse(data)
    assert data == before


# ---------------------------------------------------------------- rejected


@pytest.mark.parametrize("data", [None, [], ["alerts"], "payload", 4, True])
def test_non_object_payload(data):
    error = error_of(data)
    assert error.status == 400
    assert "JSON object" in str(error)


@pytest.mark.parametrize("version", ["3", 3, "5", None, "", "4.0"])
def test_wrong_version(version):
    data = payload()
    data["version"] = version
    error = error_of(data)
    assert error.status == 400
    assert "version 4" in str(error)


def test_missing_version():
    data = payload()
    del data["version"]
    assert error_of(data).status == 400


@pytest.mark.parametrize("alerts", [[], None, {}, "alerts", {"0": {}}])
def test_empty_or_missing_alerts(alerts):
    data = payload()
    data["alerts"] = alerts
    error = error_of(data)
    assert error.status == 400
    assert "no alerts" in str(error)


def test_resolved_without_ends_at():
    for resolved in (
        alert("resolved", endsAt=ZERO),
        {k: v for k, v in alert("resolved").items() if k != "endsAt"},
    ):
        error = error_of(payload(resolved))
        assert error.status == 400
        assert "alerts[0]" in str(error)
        assert "endsAt" in str(error)


def test_label_of_another_service():
    error = error_of(payload(alert(service="api-us")))
    assert error.status == 422
    assert "api-us" in str(error)
    assert "api-eu" in str(error)


def test_label_missing():
    error = error_of(payload(alert(labels={"alertname": "ServiceDown"})))
    assert error.status == 422


def test_label_value_is_compared_exactly():
    for value in ("API-EU", "api-eu ", "api"):
        assert error_of(payload(alert(service=value))).status == 422


def test_one_foreign_alert_rejects_the_whole_payload():
    data = payload(alert(), alert(fingerprint="bbbb"), alert(service="billing"))
    error = error_of(data)
    assert error.status == 422
    assert "alerts[2]" in str(error)


def test_ends_before_start():
    resolved = alert(
        "resolved",
        startsAt="2026-09-10T08:00:00Z",
        # 09:59 at +02:00 is 07:59 UTC, a minute before the start
        endsAt="2026-09-10T09:59:00+02:00",
    )
    error = error_of(payload(resolved))
    assert error.status == 400
    assert "ends before it starts" in str(error)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"status": "pending"}, "status"),
        ({"status": None}, "status"),
        ({"labels": None}, "labels"),
        ({"labels": ["service", "api-eu"]}, "labels"),
        ({"startsAt": ZERO}, "startsAt"),
        ({"startsAt": None}, "startsAt"),
        ({"startsAt": "2026-09-10 08:00"}, "startsAt"),
        ({"annotations": ["summary"]}, "annotations"),
    ],
)
def test_bad_alert_fields(overrides, field):
    error = error_of(payload(alert(**overrides)))
    assert error.status == 400
    assert f"alerts[0].{field}" in str(error)


def test_alert_not_an_object():
    data = payload(alert(), "firing")
    error = error_of(data)
    assert error.status == 400
    assert "alerts[1]" in str(error)


def test_payload_error_is_a_value_error():
    error = ap.PayloadError(422, "nope")
    assert isinstance(error, ValueError)
    assert error.status == 422
    assert str(error) == "nope"


# ---------------------------------------------------------------- load_body


def _nested(depth):
    value = []
    for _level in range(depth - 1):
        value = [value]
    return value


def test_load_body_reads_a_payload():
    data = payload(alert())
    assert ap.load_body(json.dumps(data).encode()) == data


@pytest.mark.parametrize(
    "body", [b"", b"version=4", b'{"version": "4", "alerts": [', b"\xff\xfe{}"]
)
def test_load_body_rejects_what_is_not_json(body):
    with pytest.raises(ap.PayloadError) as info:
        ap.load_body(body)
    assert info.value.status == 400
    assert str(info.value) == "The body is not JSON."


@pytest.mark.parametrize(
    "body",
    [
        # beyond what Python's parser can recurse into
        b"[" * 50_000,
        b"[" * 50_000 + b"]" * 50_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        # within it, but far deeper than any Alertmanager payload
        b"[" * 100 + b"]" * 100,
        json.dumps(payload(alert(labels={"service": _nested(40)}))).encode(),
    ],
)
def test_load_body_rejects_deep_nesting(body):
    with pytest.raises(ap.PayloadError) as info:
        ap.load_body(body)
    assert info.value.status == 400
    assert "nested more than 32 levels" in str(info.value)


def test_load_body_accepts_nesting_up_to_the_limit():
    depth = ap.MAX_DEPTH
    assert ap.load_body(b"[" * depth + b"]" * depth) is not None
    # brackets inside strings are text, not nesting
    text = json.dumps({"a": "[" * 1000})
    assert ap.load_body(text.encode()) == {"a": "[" * 1000}
