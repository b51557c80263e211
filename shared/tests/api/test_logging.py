"""Logs are JSON lines that never carry personal data: not in the message, the extras, nor exception text."""

import io
import json
import logging

import pytest

from gotong.observability.logging import JsonFormatter, PersonalDataFilter, configure_logging, scrub

NIK = "3273014101900001"
NAME = "Siti Aminah"


@pytest.fixture
def log_lines():
    """Everything logged through `configure_logging`'s handler, one parsed JSON object per line."""
    configure_logging("registry", "INFO", json=True)
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_gotong", False))
    stream = io.StringIO()
    handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(io.StringIO())


def test_scrub_removes_personal_values_and_keys_recursively():
    event = {"nik": NIK, "name": NAME, "note": f"lookup of {NIK} by phone 081234567890",
             "nested": [{"alamat": "Jl. Merdeka 1"}, {"memberName": NAME}], "Email": "siti@example.id",
             "desil": 3, "region": "32.73.01.1001", "service_name": "registry", "amount": 1_500_000}
    cleaned = scrub(event)
    text = json.dumps(cleaned)
    for secret in (NIK, NAME, "081234567890", "Jl. Merdeka", "siti@"):
        assert secret not in text
    assert cleaned["nik"] == "[REDACTED]"
    assert (cleaned["desil"], cleaned["region"], cleaned["amount"]) == (3, "32.73.01.1001", 1_500_000)
    assert cleaned["service_name"] == "registry", "operational names are not personal"


@pytest.mark.parametrize("text", ["3273-0141-0190-0001", "3273 0141 0190 0001", f"kk={NIK}"])
def test_grouped_or_keyed_nik_is_scrubbed(text):
    assert "0190" not in scrub(f"nik {text}")


def test_message_extras_and_exception_are_scrubbed_in_the_json_line(log_lines):
    log = logging.getLogger("registry.members")
    try:
        raise ValueError(f"duplicate member {{'nik': '{NIK}', 'nama': '{NAME}'}}")
    except ValueError:
        log.exception("member %s rejected: %s", NIK, {"full_name": NAME, "desil": 2},
                      extra={"nama": NAME, "household": "hh_1", "payload": {"no_kk": NIK, "members": 3}})
    log.info("registered nama=%s, desil=%d", NAME, 4)
    first, second = log_lines()
    raw = json.dumps([first, second])
    assert NIK not in raw
    assert NAME not in raw
    assert first["level"] == "error"
    assert first["logger"] == "registry.members"
    assert first["service"] == "registry"
    assert first["time"].endswith("Z")
    assert (first["household"], first["nama"]) == ("hh_1", "[REDACTED]")
    assert first["payload"] == {"no_kk": "[REDACTED]", "members": 3}
    assert "ValueError" in first["exception"]
    assert "[REDACTED]" in first["exception"]
    assert second["message"] == "registered nama=[REDACTED], desil=4"


def test_pydantic_validation_errors_in_logs_do_not_quote_the_input():
    from pydantic import BaseModel, Field, ValidationError

    class Member(BaseModel):
        phone_number: str = Field(max_length=3)

    try:
        Member(phone_number="Budi Santoso's 08123")
    except ValidationError as err:
        record = logging.makeLogRecord({"msg": "invalid: %s", "args": (str(err),), "levelno": logging.WARNING,
                                        "levelname": "WARNING"})
    line = JsonFormatter("registry").format(record)
    assert "Budi" not in line
    assert "08123" not in line


def test_trace_ids_are_added_inside_a_span(log_lines):
    from opentelemetry.sdk.trace import TracerProvider

    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("work") as span:
        logging.getLogger("t").warning("inside")
    (entry,) = log_lines()
    assert entry["trace_id"] == f"{span.get_span_context().trace_id:032x}"
    assert len(entry["span_id"]) == 16


def test_records_from_any_logger_pass_the_filter_once():
    record = logging.makeLogRecord({"msg": "nik %s", "args": (NIK,)})
    assert PersonalDataFilter().filter(record)
    assert record.getMessage() == "nik [REDACTED]"
    assert PersonalDataFilter().filter(record)
    assert record.getMessage() == "nik [REDACTED]"
