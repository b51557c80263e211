"""The relay builds each Kafka record itself (`relay.message`): the same key, value and headers as
`cloudevents.encode`, and the same partition as Kafka's own murmur2."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import orjson
import pytest
from aiokafka.partitioner import murmur2 as kafka_murmur2

from gotong.eventstore.model import EventMetadata, Position, RecordedEvent
from gotong.messaging.cloudevents import NotACloudEvent, decode, encode
from gotong.messaging.relay import _Times, message, murmur2


def _event(at: datetime, **meta: object) -> RecordedEvent:
    return RecordedEvent(uuid4(), "Household", 3, uuid4(), "HouseholdVerified", 2, {"state": {"a": [1, "x"]}}, at,
                         EventMetadata(**meta), Position(1234, 56))  # type: ignore[arg-type]


@pytest.mark.parametrize("meta", [{}, {"correlation_id": uuid4(), "causation_id": uuid4(), "actor": "a"},
                                  {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}])
def test_message_is_what_cloudevents_encode_gives(meta: dict[str, object]) -> None:
    times = _Times()
    for at in [datetime(2026, 12, 1, 8, 30, 1, 123456, tzinfo=UTC)] * 2 + [
            datetime(2026, 12, 1, 15, 30, 1, tzinfo=timezone(timedelta(hours=7))),  # same instant, another zone
            datetime(2026, 12, 1, 8, 30, 1, tzinfo=UTC), datetime(2026, 12, 1, 8, 30, 2, tzinfo=UTC)]:
        e = _event(at, **meta)
        tp = e.metadata.traceparent
        assert message("registry", e, e.event_type, e.schema_version, orjson.dumps(e.data), tp, times) == encode(
            "registry", e, traceparent=tp)


def test_a_mapped_message_is_what_cloudevents_encode_gives_for_the_mapped_event() -> None:
    e = _event(datetime(2026, 12, 1, tzinfo=UTC), correlation_id=uuid4())
    mapped = {"household_ref": str(e.stream_id), "desil": 3}
    as_mapped = RecordedEvent(**{**{s: getattr(e, s) for s in RecordedEvent.__slots__},
                                 "event_type": "HouseholdChanged", "schema_version": 1})
    assert message("registry", e, "HouseholdChanged", 1, orjson.dumps(mapped), None, _Times()) == encode(
        "registry", as_mapped, data=mapped)


def test_murmur2_is_kafkas() -> None:
    keys = [os.urandom(n) for n in range(64) for _ in range(20)] + [str(uuid4()).encode() for _ in range(500)]
    assert [murmur2(k) for k in keys] == [kafka_murmur2(k) for k in keys]


def test_decoding_gives_back_every_attribute_and_extension_encoded() -> None:
    """A decoded event's extensions are read from its headers when first asked for: the same as encoded, a foreign
    extension too; a header that is not an extension (content type, trace parent) is none."""
    e = _event(datetime(2026, 12, 1, 8, 30, tzinfo=UTC), correlation_id=uuid4(),
               traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    _, value, headers = encode("registry", e)
    event = decode(value, [*headers, ("ce_region", b"32.73")])
    assert (event.id, event.source, event.type, event.subject, event.data, event.position) == (
        str(e.event_id), "/gotong/registry", "id.gotong.registry.HouseholdVerified.v2", str(e.stream_id), e.data,
        Position(1234, 56))
    assert (event.time, event.traceparent, event.stream_version) == ("2026-12-01T08:30:00Z", e.metadata.traceparent, 3)
    assert dict(event.extensions) == {"storeposition": "1234:56", "streamtype": "Household", "streamversion": "3",
                                      "partitionkey": str(e.stream_id), "correlationid": str(e.metadata.correlation_id),
                                      "region": "32.73"}
    assert len(event.extensions) == 6
    assert event.extensions["region"] == "32.73"
    assert "traceparent" not in event.extensions
    bare = decode(value, [h for h in headers if h[0] != "ce_storeposition"])
    assert bare.position is None
    assert "storeposition" not in bare.extensions


def test_an_event_without_its_required_attributes_is_no_cloudevent() -> None:
    _, value, headers = encode("registry", _event(datetime(2026, 12, 1, tzinfo=UTC)))
    with pytest.raises(NotACloudEvent, match="type"):
        decode(value, [h for h in headers if h[0] != "ce_type"])
    with pytest.raises(NotACloudEvent, match="specversion 0.3"):
        decode(value, [("ce_specversion", b"0.3") if h[0] == "ce_specversion" else h for h in headers])
