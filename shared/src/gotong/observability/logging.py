"""Structured JSON logs, one object per line, personal data scrubbed from messages, extras, tracebacks."""

from __future__ import annotations

import dataclasses
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
_LONG_DIGITS = re.compile(r"(?<!\d)\+?\d{10,}(?!\d)")  # long digit runs: bank accounts, phone numbers
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Keys whose values are personal, in any casing; also matched as a suffix (`member_name`, `home_address`).
PERSONAL_KEYS = frozenset({
    "nik", "no_kk", "kk", "nkk", "name", "nama", "full_name", "nama_lengkap", "address", "alamat", "phone",
    "telepon", "hp", "no_hp", "phone_number", "account", "rekening", "no_rekening", "bank_account",
    "account_number", "email", "birth_date", "date_of_birth", "tanggal_lahir", "tempat_lahir", "mother_name",
    "nama_ibu", "nama_ibu_kandung"})
# Operational names that end like a personal key but are not about a person.
_NOT_PERSONAL = frozenset({
    "service_name", "topic_name", "event_name", "task_name", "program_name", "job_name", "policy_name",
    "region_name", "stream_name", "consumer_name", "group_name", "logger_name", "file_name", "table_name",
    "queue_name", "check_name"})
# `nama='Budi'`, `"nik": "3273..."`, `name=Budi Santoso,` in free text (dict and kwargs reprs, JSON, logfmt);
# an unquoted value runs until a delimiter or the next `key=`.
_KEY = re.compile(r"""(?<![A-Za-z0-9_])(['"]?)([A-Za-z][A-Za-z0-9_]*)\1\s*[:=]\s*""")
_VALUE = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|"""
                    r""".+?(?=\s+[A-Za-z_][A-Za-z0-9_]*\s*[:=]|[,;&)}\]\n]|$)""")
# pydantic's `input_value=...` in validation errors quotes the input whatever the field is called.
_INPUT_VALUE = re.compile(r"(input_value=)('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,\]\n]+)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName", "color_message",
                                                       "_gotong_scrubbed"}


def is_personal_key(key: object) -> bool:
    name = _CAMEL.sub("_", str(key)).lower().replace("-", "_")
    if name in PERSONAL_KEYS:
        return True
    return name not in _NOT_PERSONAL and any(name.endswith("_" + k) for k in PERSONAL_KEYS)


def _redact_keyed_values(text: str) -> str:
    out: list[str] = []
    pos = 0
    for key in _KEY.finditer(text):
        if key.start() < pos or not is_personal_key(key.group(2)):
            continue
        value = _VALUE.match(text, key.end())
        if value is None or not value.group(0):
            continue
        out += [text[pos:key.end()], REDACTED]
        pos = value.end()
    return "".join(out) + text[pos:] if out else text


def scrub_text(text: str) -> str:
    """Redact NIK-like numbers, long digit runs, e-mails and `personal_key=value` pairs in free text."""
    text = _INPUT_VALUE.sub(lambda m: m.group(1) + REDACTED, text)
    text = _redact_keyed_values(text)
    return _EMAIL.sub(REDACTED, _LONG_DIGITS.sub(REDACTED, _DIGITS16.sub(REDACTED, text)))


def scrub(obj: Any) -> Any:
    """Personal data out of any JSON-like value: values of personal keys and number-like identifiers."""
    if isinstance(obj, dict):
        return {k: (REDACTED if is_personal_key(k) else scrub(v)) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [scrub(v) for v in obj]
    if isinstance(obj, str):
        return scrub_text(obj)
    if hasattr(obj, "model_dump"):  # pydantic models: scrub their fields, not their repr
        return scrub(obj.model_dump(mode="json"))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return scrub(dataclasses.asdict(obj))
    if obj is None or isinstance(obj, bool | int | float):
        # A NIK or No. KK held as a number; smaller numbers (rupiah amounts, counts) stay readable.
        is_nik = isinstance(obj, int) and not isinstance(obj, bool) and len(str(abs(obj))) == 16
        return REDACTED if is_nik else obj
    return scrub_text(str(obj))


class PersonalDataFilter(logging.Filter):
    """Scrubs a record in place (message, args, extras, exception, stack) before any formatter sees it.

    Installed on handlers, so records propagated from any logger (uvicorn's included) pass through it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_gotong_scrubbed", False):
            return True
        if isinstance(record.args, dict):
            record.args = scrub(record.args)
        elif record.args:
            record.args = tuple(scrub(a) for a in record.args)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} {record.args}"
        record.msg, record.args = scrub_text(message), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and not key.startswith("_"):
                setattr(record, key, REDACTED if is_personal_key(key) else scrub(value))
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = scrub_text("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        elif record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info)
        record._gotong_scrubbed = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, service, trace ids, extras, exception."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self._scrubber = PersonalDataFilter()

    def format(self, record: logging.LogRecord) -> str:
        self._scrubber.filter(record)  # no-op when the handler's filter ran already
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:  # after scrubbing: hex ids may hold long digit runs by chance
            entry["trace_id"] = f"{span.trace_id:032x}"
            entry["span_id"] = f"{span.span_id:016x}"
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class ScrubbingTextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        PersonalDataFilter().filter(record)
        return scrub_text(super().format(record))


def configure_logging(service_name: str, level: str = "INFO", json: bool = True) -> None:
    """Route all logging to stderr as JSON lines (or text), scrubbed of personal data. Safe to call again."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_gotong", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._gotong = True  # type: ignore[attr-defined]
    handler.addFilter(PersonalDataFilter())
    handler.setFormatter(JsonFormatter(service_name) if json else
                         ScrubbingTextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Handlers a server configured itself (uvicorn with its own log config) scrub too.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        for other in logging.getLogger(name).handlers:
            if not any(isinstance(f, PersonalDataFilter) for f in other.filters):
                other.addFilter(PersonalDataFilter())
    for noisy in ("aiokafka", "kafka", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
