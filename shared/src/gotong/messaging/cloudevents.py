"""CloudEvents 1.0 in Kafka binary mode: attributes as `ce_*` headers, the JSON payload as the message value."""

from __future__ import annotations

import functools
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
    extensions: dict[str, str] = field(default_factory=dict)
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
# Header name -> slot: the core attributes, traceparent and content-type, looked up once a header (a replay decodes
# tens of thousands of events a second; one pass over the headers, no intermediate dicts).
_SLOTS = {**{f"ce_{a}": i for i, a in enumerate(_CORE)}, "traceparent": len(_CORE), "content-type": len(_CORE) + 1}
_POSITION_HEADER = f"ce_{EXT_POSITION}"


def decode(value: bytes | None, headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> CloudEvent:
    slots: list[str | None] = [None] * (len(_CORE) + 2)
    extensions: dict[str, str] = {}
    slot_of = _SLOTS.get
    for k, v in headers or ():
        i = slot_of(k)
        if i is not None:
            slots[i] = v.decode()
        elif k[:3] == "ce_":
            extensions[k[3:]] = v.decode()
    specversion, id_, source, type_, time, subject = slots[:6]
    if specversion is None or id_ is None or source is None or type_ is None:
        missing = [a for a, got in zip(_CORE[:4], slots[:4], strict=True) if got is None]
        raise NotACloudEvent(f"missing CloudEvents attribute(s): {', '.join(missing)}")
    if specversion != SPECVERSION:
        raise NotACloudEvent(f"unsupported specversion {specversion}")
    content_type = slots[-1]
    if content_type and not content_type.startswith("application/json"):
        raise NotACloudEvent(f"unsupported content-type {content_type}")
    raw_position = extensions.get(EXT_POSITION)
    return CloudEvent(
        id=id_, source=source, type=type_, time=time, subject=subject, data=loads(value) if value else None,
        extensions=extensions, traceparent=slots[-2],
        position=Position.parse(raw_position) if raw_position else None,
    )
