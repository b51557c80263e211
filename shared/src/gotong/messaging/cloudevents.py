"""CloudEvents 1.0 in Kafka binary mode: attributes as `ce_*` headers, the JSON payload as the message value."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from gotong.eventstore.codec import dumpb, loads
from gotong.eventstore.model import Position, RecordedEvent

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
TYPE_PREFIX = "id.gotong"

# Extension attributes (lowercase alphanumerics, as the spec asks).
EXT_POSITION = "storeposition"  # the source event store's (tx_id:position); consumers dedupe on it
EXT_STREAM_TYPE = "streamtype"
EXT_STREAM_VERSION = "streamversion"
EXT_CORRELATION = "correlationid"
EXT_CAUSATION = "causationid"
EXT_PARTITION_KEY = "partitionkey"  # CloudEvents partitioning extension


def ce_type(service: str, event_type: str, schema_version: int) -> str:
    return f"{TYPE_PREFIX}.{service}.{event_type}.v{schema_version}"


@functools.lru_cache(maxsize=4096)
def parse_ce_type(value: str) -> tuple[str, str, int]:
    """`id.gotong.registry.HouseholdRegistered.v2` -> ("registry", "HouseholdRegistered", 2)."""
    rest = value.removeprefix(TYPE_PREFIX + ".")
    service, _, tail = rest.partition(".")
    event_type, _, version = tail.rpartition(".v")
    if not service or not event_type or not version.isdigit():
        raise ValueError(f"not a Gotong CloudEvents type: {value!r}")
    return service, event_type, int(version)


def _iso(dt: datetime) -> str:
    if dt.utcoffset():
        dt = dt.astimezone(UTC)
    return dt.replace(tzinfo=None).isoformat() + "Z"


@dataclass(frozen=True, slots=True)
class CloudEvent:
    id: str
    source: str
    type: str
    time: str | None
    subject: str | None
    data: Any
    extensions: Mapping[str, str] = field(default_factory=dict)
    traceparent: str | None = None
    position: Position | None = None  # the source store position (extension `storeposition`), parsed once

    @property
    def service(self) -> str:
        return parse_ce_type(self.type)[0]

    @property
    def event_type(self) -> str:
        return parse_ce_type(self.type)[1]

    @property
    def schema_version(self) -> int:
        return parse_ce_type(self.type)[2]

    @property
    def stream_id(self) -> UUID | None:
        return UUID(self.subject) if self.subject else None

    @property
    def stream_version(self) -> int | None:
        raw = self.extensions.get(EXT_STREAM_VERSION)
        return int(raw) if raw else None


@functools.lru_cache(maxsize=1024)
def _type_header(service: str, event_type: str, schema_version: int) -> bytes:
    return ce_type(service, event_type, schema_version).encode()


@functools.lru_cache(maxsize=64)
def _source_header(service: str) -> bytes:
    return f"/gotong/{service}".encode()


def encode(service: str, event: RecordedEvent, *, traceparent: str | None = None,
           data: Any = None) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) for one stored event; `data` overrides the payload (contract mapping)."""
    m = event.metadata
    stream = str(event.stream_id).encode()
    headers: list[tuple[str, bytes]] = [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(event.event_id).encode()),
        ("ce_source", _source_header(service)),
        ("ce_type", _type_header(service, event.event_type, event.schema_version)),
        ("ce_time", _iso(event.occurred_at).encode()),
        ("ce_subject", stream),
        ("content-type", b"application/json"),
        (f"ce_{EXT_POSITION}", f"{event.position.tx_id}:{event.position.position}".encode()),
        (f"ce_{EXT_STREAM_TYPE}", event.stream_type.encode()),
        (f"ce_{EXT_STREAM_VERSION}", str(event.version).encode()),
        (f"ce_{EXT_PARTITION_KEY}", stream),
    ]
    if m.correlation_id:
        headers.append((f"ce_{EXT_CORRELATION}", str(m.correlation_id).encode()))
    if m.causation_id:
        headers.append((f"ce_{EXT_CAUSATION}", str(m.causation_id).encode()))
    tp = traceparent or m.traceparent
    if tp:
        headers.append(("traceparent", tp.encode()))
    value = dumpb(event.data if data is None else data)
    return stream, value, headers


WATERMARK_TYPE = f"{TYPE_PREFIX}.kit.Watermark.v1"


def encode_watermark(service: str, position: Position) -> tuple[list[tuple[str, bytes]], bytes]:
    """A control event the relay sends to every partition: all of this producer's events up to `position`
    were acknowledged before it, so a consumer that has read it on every partition has all of them."""
    headers = [("ce_specversion", b"1.0"), ("ce_id", f"wm-{service}-{position}".encode()),
               ("ce_source", _source_header(service)), ("ce_type", WATERMARK_TYPE.encode()),
               ("content-type", b"application/json"), (f"ce_{EXT_POSITION}", str(position).encode())]
    return headers, b"{}"


class NotACloudEvent(ValueError):
    pass


_CORE = ("specversion", "id", "source", "type", "time", "subject", "dataschema", "datacontenttype")
# Headers that are not extensions: the core attributes, traceparent and content-type.
_NOT_EXTENSIONS = frozenset({*(f"ce_{a}" for a in _CORE), "traceparent", "content-type"})
_POSITION_HEADER = f"ce_{EXT_POSITION}"
_SPECVERSION = SPECVERSION.encode()
_JSON = CONTENT_TYPE.encode()
# A replay decodes tens of thousands of events a second: the headers go into a dict at C speed (the last of a name
# wins, as it did), and the event is built without the frozen dataclass's __init__ (a call per field).
_new = object.__new__
_tuple_new = tuple.__new__
_set_id, _set_source, _set_type, _set_time, _set_subject, _set_data, _set_extensions, _set_traceparent, \
    _set_position = (getattr(CloudEvent, f).__set__ for f in (
        "id", "source", "type", "time", "subject", "data", "extensions", "traceparent", "position"))


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode()


class _Extensions(Mapping[str, str]):
    """A decoded event's extension attributes, taken from its headers when first asked for: consumers read the
    store position (parsed apart by `decode`) and seldom anything else, and a replay decodes tens of thousands of
    events a second (the dict of extensions was a fifth of `decode`)."""

    __slots__ = ("_decoded", "_found")

    def __init__(self, found: dict[str, bytes]) -> None:
        self._found = found
        self._decoded: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        decoded = self._decoded
        if decoded is None:
            found = self._found
            decoded = self._decoded = {k[3:]: found[k].decode() for k in found.keys() - _NOT_EXTENSIONS
                                       if k[:3] == "ce_"}
        return decoded

    def __getitem__(self, key: str) -> str:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


def decode(value: bytes | None, headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> CloudEvent:
    found = dict(headers) if headers else {}
    get = found.get
    specversion, id_, source, type_ = get("ce_specversion"), get("ce_id"), get("ce_source"), get("ce_type")
    if specversion is None or id_ is None or source is None or type_ is None:
        missing = [a for a in _CORE[:4] if get(f"ce_{a}") is None]
        raise NotACloudEvent(f"missing CloudEvents attribute(s): {', '.join(missing)}")
    if specversion != _SPECVERSION:
        raise NotACloudEvent(f"unsupported specversion {specversion.decode()}")
    content_type = get("content-type")
    if content_type and content_type != _JSON and not content_type.decode().startswith(CONTENT_TYPE):
        raise NotACloudEvent(f"unsupported content-type {content_type.decode()}")
    raw_position = get(_POSITION_HEADER)
    if raw_position:
        tx_id, _, position = raw_position.decode().partition(":")
        at: Position | None = _tuple_new(Position, (int(tx_id), int(position)))
    else:
        at = None
    data = loads(value) if value else None
    event: CloudEvent = _new(CloudEvent)
    _set_id(event, id_.decode())
    _set_source(event, source.decode())
    _set_type(event, type_.decode())
    _set_time(event, _text(get("ce_time")))
    _set_subject(event, _text(get("ce_subject")))
    _set_data(event, data)
    _set_extensions(event, _Extensions(found))
    _set_traceparent(event, _text(get("traceparent")))
    _set_position(event, at)
    return event
