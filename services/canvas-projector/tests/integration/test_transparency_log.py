"""The transparency log fed from a real topic: one leaf per record however often delivered, signed checkpoints,
receipts that verify offline (and fail when tampered), and a rebuild from zero with the same root."""

import json
import subprocess
import sys
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from gotong_contracts.disbursement import PaymentRecorded

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.domain.transparency import TransparencyLog, verify_receipt
from canvas_projector.entrypoints.consumers.transparency import (
    CONSUMER,
    on_disbursement_event,
    seal_and_sign,
)
from gotong.adapters.sql import Database
from gotong.db import create_engine
from gotong.eventstore import AppendRequest, EventData
from gotong.eventstore.model import Position
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.consumer import EventConsumer
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import ensure_topics
from gotong.testing.plugin import create_test_database

KEY = Ed25519PrivateKey.generate()
TLOG = TransparencyLog("transparansi.test/log", "transparansi.test", KEY)


def payment(i: int, status: str = "paid", attempt: int = 1) -> dict:
    return PaymentRecorded(payment_id=f"pay-{i}", attempt=attempt, household_ref=f"hh_{i:05x}", program_id="pkh",
                           program_code="PKH",
                           cycle_id="2026-Q4", period="2026-Q4", amount=750_000, region_code="32.73.01.1001",
                           province_code="32", regency_code="32.73", desil=2, funding_source="apbn",
                           status=status, occurred_at="2026-11-28T08:00:00Z").model_dump(mode="json")


async def publish_payments(test_infra, kafka_bootstrap, topic: str, payments: list[dict], twice: bool = False) -> None:
    """A producer service's store and relay: the events carry real store positions and watermarks."""
    url = await create_test_database(test_infra.database_url)
    engine = create_engine(url, pool_size=2)
    store = PostgresEventStore(engine)
    for chunk in range(0, len(payments), 50):
        async with store.transaction() as tx:
            await tx.append_batch([AppendRequest(uuid4(), "payment", 0, [EventData("PaymentRecorded", p)])
                                   for p in payments[chunk:chunk + 50]])
    relay = OutboxRelay(engine, service=topic.removesuffix(".events"), bootstrap=kafka_bootstrap)
    await relay.drain()
    if twice:  # a relay that lost its checkpoint republishes everything
        relay.state.checkpoint = relay.state.checkpoint.__class__(0, 0)
        await relay.drain()
    await relay.close()
    await engine.dispose()


async def project(engine, kafka_bootstrap, topic: str) -> EventConsumer:
    consumer = EventConsumer(engine, name=CONSUMER, topics=[topic], handler=on_disbursement_event,
                             bootstrap=kafka_bootstrap)
    await consumer.run_until_idle(timeout=120)
    await seal_and_sign(Database(engine), TLOG, len(consumer.consumer.assignment()), topic)
    await consumer.stop()
    return consumer


@pytest.fixture
async def topic(kafka_bootstrap, unique_name):
    name = f"{unique_name}.events"
    await ensure_topics(kafka_bootstrap, [name, f"{name}.dlq"], partitions=3)
    return name


async def tree_state(engine) -> tuple[int, bytes, list[str]]:
    async with Database(engine).read() as sql:
        log = TransparencyLogTable(sql)
        size = await log.size()
        root = await transparency.tree_root(log, size)
        keys = [r[0] for r in await sql.fetch("SELECT record_key FROM tlog_leaves ORDER BY idx")]
    return size, root, keys


async def test_records_become_leaves_once_and_receipts_verify(engine, test_infra, kafka_bootstrap, topic, tmp_path):
    # pay-3 was paid, returned, reissued and paid again: its second attempt's records are new leaves
    payments = [payment(i) for i in range(40)] + [payment(3, "returned"), payment(3, "reissued", 2),
                                                  payment(3, "paid", 2)]
    await publish_payments(test_infra, kafka_bootstrap, topic, payments, twice=True)
    await project(engine, kafka_bootstrap, topic)
    size, root, keys = await tree_state(engine)
    assert size == 43, "each record once, however often delivered"
    assert len(set(keys)) == 43
    async with Database(engine).read() as sql:
        log = TransparencyLogTable(sql)
        receipt = await transparency.receipt(log, TLOG, "pay-7", "paid")
        latest = await transparency.receipt(log, TLOG, "pay-3", "paid")
        first = await transparency.receipt(log, TLOG, "pay-3", "paid", attempt=1)
    assert (latest["record"]["attempt"], first["record"]["attempt"]) == (2, 1)
    assert latest["leaf_index"] > first["leaf_index"]
    assert receipt is not None
    assert "household_ref" not in receipt["record"], "a receipt names no household"
    assert verify_receipt(receipt, TLOG.verifier_key).size == 43
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt))
    cli = subprocess.run([sys.executable, "-m", "canvas_projector.verify", str(path), "--key", TLOG.verifier_key],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert "verified" in cli.stdout
    receipt["record"]["amount"] = 7_500_000  # tampered record
    path.write_text(json.dumps(receipt))
    cli = subprocess.run([sys.executable, "-m", "canvas_projector.verify", str(path), "--key", TLOG.verifier_key],
                         capture_output=True, text=True)
    assert cli.returncode == 1
    assert "NOT VERIFIED" in cli.stderr
    with pytest.raises(ValueError, match="signature|no signature"):
        verify_receipt({**receipt, "record": payment(7)}, TransparencyLog("x", "transparansi.test",
                                                                           Ed25519PrivateKey.generate()).verifier_key)


async def test_rebuild_from_zero_gives_the_same_leaves_and_root(engine, test_infra, kafka_bootstrap, topic):
    await publish_payments(test_infra, kafka_bootstrap, topic, [payment(i) for i in range(60)])
    await project(engine, kafka_bootstrap, topic)
    first = await tree_state(engine)
    rebuilt_url = await create_test_database(test_infra.database_url, "canvas-projector")
    rebuilt = create_engine(rebuilt_url, pool_size=2)
    try:
        await project(rebuilt, kafka_bootstrap, topic)
        assert await tree_state(rebuilt) == first
    finally:
        await rebuilt.dispose()


async def test_checkpoints_grow_consistently_and_a_forked_log_is_never_signed(engine, test_infra, kafka_bootstrap,
                                                                              topic):
    await publish_payments(test_infra, kafka_bootstrap, topic, [payment(i) for i in range(10)])
    await project(engine, kafka_bootstrap, topic)
    await publish_payments(test_infra, kafka_bootstrap, topic, [payment(i) for i in range(10, 25)])
    await project(engine, kafka_bootstrap, topic)
    async with Database(engine).transaction() as sql:
        log = TransparencyLogTable(sql)
        sizes = [r[0] for r in await sql.fetch("SELECT size FROM tlog_checkpoints ORDER BY size")]
        assert sizes == [10, 25]
        # Rewrite history (a changed old record), then let the log grow: it must refuse to sign.
        await sql.execute("UPDATE tlog_nodes SET hash = sha256(hash) WHERE (level = 0 AND idx = 2) OR level >= 1")
        await transparency.stage(log, "late:paid", Position(2**62, 0), {"payment_id": "late", "amount": 1})
        assert await transparency.seal(log, Position(2**62, 0)) == 1
        with pytest.raises(RuntimeError, match="not consistent"):
            await transparency.sign_checkpoint(log, TLOG)


async def test_a_partition_the_topic_no_longer_has_does_not_stop_sealing(engine, test_infra, kafka_bootstrap, topic):
    """A topic recreated with fewer partitions leaves rows for the ones it lost, frozen at an old watermark; the
    seal horizon is taken over the partitions the consumer reads now."""
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO consumer_positions (consumer, topic, partition, kafka_offset) VALUES ($1, $2, 7, 0)",
            (CONSUMER, topic))
    await publish_payments(test_infra, kafka_bootstrap, topic, [payment(i) for i in range(12)])
    await project(engine, kafka_bootstrap, topic)
    size, _, _ = await tree_state(engine)
    assert size == 12
    assert await seal_and_sign(Database(engine), TLOG, [0, 1, 2, 7], topic) == 0, \
        "partition 7 read nothing: wait for it"
