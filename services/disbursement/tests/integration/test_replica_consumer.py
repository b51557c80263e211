"""The eligibility replica fed through a real broker: newest state by household_version, an event delivered
twice or late changes nothing, erased households are gone, merged ones folded — and a household registered
twice is never paid twice."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from uuid import uuid4

from aiokafka import AIOKafkaProducer
from gotong_contracts.base import IntegrationEvent
from gotong_contracts.registry import HouseholdErased, HouseholdRanked, HouseholdsMerged

from disbursement.adapters import replica
from disbursement.entrypoints.consumers.registry import on_registry_event
from disbursement.fixtures import changed
from gotong.api.app import runtime
from gotong.eventstore.model import EventMetadata, Position, RecordedEvent
from gotong.messaging.cloudevents import encode
from gotong.messaging.consumer import EventConsumer
from gotong.messaging.topics import ensure_topics, events_topic

_positions = itertools.count(1)


def recorded(event: IntegrationEvent, stream=None, position: int | None = None) -> RecordedEvent:
    pos = next(_positions) if position is None else position
    return RecordedEvent(stream or uuid4(), "household", 1, uuid4(), event.event_type, event.schema_version,
                         event.model_dump(mode="json"), datetime.now(UTC), EventMetadata(), Position(100, pos))


async def publish(bootstrap: str, topic: str, events: list[RecordedEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for e in events:
            key, value, headers = encode("registry", e)
            await producer.send_and_wait(topic, value=value, key=key, headers=headers, partition=0)
    finally:
        await producer.stop()


async def test_replica_keeps_the_newest_state_whatever_the_delivery(env, kafka_bootstrap, unique_name):
    topic = events_topic(f"{unique_name}.registry")
    await ensure_topics(kafka_bootstrap, [topic, f"{topic}.dlq"], partitions=1)
    now = datetime.now(UTC).isoformat()
    v1 = recorded(changed("HH-1", 1, desil=3))
    v2 = recorded(changed("HH-1", 2, desil=2, change="member_added"))
    stale_republished = recorded(changed("HH-1", 1, desil=9))  # a new position, an old version
    ranked = recorded(HouseholdRanked(household_ref="HH-1", desil=1, desil_province=1, rule_version="DTSEN-R2",
                                      snapshot="2026-Q4", province_code="32", regency_code="32.73",
                                      occurred_at=now))
    erased_before = recorded(changed("HH-GONE", 1))
    erased = recorded(HouseholdErased(household_ref="HH-GONE", occurred_at=now))
    resurrect = recorded(changed("HH-GONE", 5))
    twins = [recorded(changed("HH-SAME-A", 1)), recorded(changed("HH-SAME-B", 1))]
    merged = recorded(HouseholdsMerged(surviving_ref="HH-SAME-A", merged_refs=["HH-SAME-B"], occurred_at=now))
    events = [v1, v2, v2, stale_republished, ranked, erased_before, erased, resurrect, *twins, merged]
    await publish(kafka_bootstrap, topic, events)
    consumer = EventConsumer(runtime(env.app).engine, name="disbursement.replica", topics=[topic],
                             handler=on_registry_event, bootstrap=kafka_bootstrap)
    try:
        await consumer.run_until_idle()
        await publish(kafka_bootstrap, topic, [v2, erased_before])  # delivered again, same positions
        await consumer.run_until_idle()
    finally:
        await consumer.stop()
    rows = {r["household_ref"]: r for r in await env.sql("SELECT * FROM households")}
    hh1 = rows["HH-1"]
    assert (hh1["household_version"], hh1["desil"], hh1["desil_snapshot"], hh1["desil_rule_version"]) == (
        2, 1, "2026-Q4", "DTSEN-R2")
    assert rows["HH-GONE"]["erased"] is True
    assert rows["HH-GONE"]["members"] in ("[]", [])
    assert rows["HH-SAME-B"]["merged_into"] == "HH-SAME-A"
    assert consumer.dead == 0
    # A household registered twice and merged: one entitlement, one payment.
    cid = await env.cycle(until="paying")
    await env.run_channel()
    paid = await env.sql("SELECT household_ref FROM payments WHERE status = 'paid' ORDER BY 1")
    assert [r["household_ref"] for r in paid] == ["HH-1", "HH-SAME-A"]
    assert cid


async def test_a_merge_after_payment_never_pays_the_other_record(env):
    await env.households(changed("HH-A", 1), changed("HH-B", 1))
    cid = await env.cycle(until="approved")
    # HH-B is paid first (as if instructed before the merge was known) …
    async with runtime(env.app).database.transaction() as d:
        await d.execute("UPDATE entitlements SET status = 'held' WHERE household_ref = 'HH-A'")
    r = await env.post(f"/v1/cycles/{cid}/pay")
    assert r.json()["instructed_now"] == 1
    # … then the registry finds HH-A and HH-B are one family, HH-A survives and is cleared.
    async with runtime(env.app).database.transaction() as d:
        await replica.apply_merged(d, HouseholdsMerged(surviving_ref="HH-A", merged_refs=["HH-B"],
                                                       occurred_at=datetime.now(UTC).isoformat()))
        await replica.apply_changed(d, changed("HH-A", 2, verification="verified"))
    r = await env.post(f"/v1/cycles/{cid}/pay")
    assert r.json()["instructed_now"] == 0
    rows = await env.sql("SELECT household_ref FROM payments")
    assert [r["household_ref"] for r in rows] == ["HH-B"]


async def test_an_erased_household_is_not_paid_even_after_computation(env):
    await env.households(changed("HH-A", 1), changed("HH-GONE", 1))
    cid = await env.cycle(until="approved")
    async with runtime(env.app).database.transaction() as sql:
        await replica.apply_erased(sql, HouseholdErased(
            household_ref="HH-GONE", occurred_at=datetime.now(UTC).isoformat()))
    r = await env.post(f"/v1/cycles/{cid}/pay")
    assert r.json()["instructed_now"] == 1
    rows = await env.sql("SELECT household_ref, status FROM entitlements ORDER BY 1")
    assert [tuple(r) for r in rows] == [("HH-A", "eligible"), ("HH-GONE", "cancelled")]
    r = await env.client.get(f"/v1/cycles/{cid}/entitlements/HH-GONE", headers=env.ops)
    assert r.json()["explanation_now"] is None
