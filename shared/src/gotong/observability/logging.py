"""Structured JSON logs, one object per line, with personal data scrubbed from messages, extras and tracebacks."""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

REDACTED = "[REDACTED]"
# 16 digits in a row (NIK, No. KK, card numbers), optionally spaced or dashed in groups of four.
_DIGITS16 = re.compile(r"(?<!\d)(?:\d[ -]?){15}\d(?!\d)")
_ACCOUNT = re.compile(r"(?<!\d)\d{10,}(?!\d)")  # long digit runs: bank accounts, phone numbers
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PERSONAL_KEYS = {"nik", "no_kk", "kk", "nkk", "name", "nama", "full_name", "nama_lengkap", "address", "alamat",
                  "phone", "telepon", "hp", "account", "rekening", "bank_account", "account_number", "email",
                  "birth_date", "tanggal_lahir", "mother_name", "nama_ibu"}
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message"}


def scrub_text(text: str) -> str:
    return _EMAIL.sub(REDACTED, _ACCOUNT.sub(REDACTED, _DIGITS16.sub(REDACTED, text)))


def scrub(obj: Any) -> Any:
    """Personal data out of any JSON-like value: known personal keys and number-like identifiers."""
    if isinstance(obj, dict):
        return {k: (REDACTED if str(k).lower() in _PERSONAL_KEYS else scrub(v)) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [scrub(v) for v in obj]
    if isinstance(obj, str):
        return scrub_text(obj)
    return obj


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None | dict | list) else str(value)
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info))
        entry = scrub(entry)
        span = trace.get_current_span().get_span_context()
        if span.is_valid:  # added after scrubbing: hex ids may hold long digit runs by chance
            entry["trace_id"] = f"{span.trace_id:032x}"
            entry["span_id"] = f"{span.span_id:016x}"
        return json.dumps(entry, ensure_ascii=False, default=str)


class ScrubbingTextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub_text(super().format(record))


def configure_logging(service: str, level: str = "INFO", *, json: bool = True) -> None:
    """Route all logging to stderr through the scrubbing formatter (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_gotong", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._gotong = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter(service) if json else
                         ScrubbingTextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "kafka", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
