"""Structured logs: one JSON object per line, one line per request with its id and timing."""

import io
import json
import logging

import pytest

from exhibit.logs import JsonFormatter, RequestIdFilter


@pytest.fixture
def json_lines():
    """Captures what the configured console handler would print, as parsed JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_writes_one_parseable_json_line(client, json_lines):
    response = client.get("/exhibits/")
    lines = [line for line in json_lines() if line["logger"] == "exhibit.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["method"] == "GET"
    assert line["path"] == "/exhibits/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["time"].endswith("+00:00")


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_and_a_forged_one_replaced(client, json_lines):
    kept = client.get("/exhibits/", headers={"x-request-id": "nginx-4f2a9c"})
    assert kept["X-Request-ID"] == "nginx-4f2a9c"
    forged = client.get("/exhibits/", headers={"x-request-id": 'x" status=200\nfake'})
    assert forged["X-Request-ID"] != 'x" status=200\nfake'
    assert len(forged["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_lines_written_during_a_request_carry_its_id(client, json_lines):
    client.get("/images/no-such-image/original", headers={"x-request-id": "req-17"})
    lines = json_lines()
    assert lines and all(line.get("request_id") == "req-17" for line in lines)
    assert lines[-1]["status"] == 404


def test_exceptions_and_extras_are_fields_of_the_same_object():
    formatter = JsonFormatter()
    try:
        raise ValueError("bad scan")
    except ValueError:
        record = logging.getLogger("exhibit").makeRecord(
            "exhibit", logging.ERROR, __file__, 1, "Processing %s failed", ("scan.tif",),
            exc_info=__import__("sys").exc_info(), extra={"image": 42},
        )  # fmt: skip
    entry = json.loads(formatter.format(record))
    assert entry["message"] == "Processing scan.tif failed"
    assert entry["image"] == 42
    assert "ValueError: bad scan" in entry["exception"]
    assert "\n" not in formatter.format(record)


def test_settings_choose_json_unless_debug(settings):
    assert settings.LOG_FORMAT == "json"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "json"


@pytest.mark.django_db
def test_passing_health_probes_are_not_logged_at_info(client, json_lines):
    client.get("/healthz")
    assert [line for line in json_lines() if line["logger"] == "exhibit.request"] == []
