"""A replay checks payments cheaply when they have exactly the contract's shape and through pydantic otherwise:
a payment the contract refuses goes to the dead-letter topic and the rest become leaves once; one the contract
accepts after coercion becomes the same leaf as its well-typed twin."""

import json

import pytest
from sqlalchemy import text

from canvas_projector.entrypoints.consumers.transparency import (
    CONSUMER,
    MAX_BATCH,
    on_disbursement_events,
    seal_and_sign,
)
from gotong.adapters.sql import Database
from gotong.messaging.consumer import EventConsumer
from gotong.messaging.topics import ensure_topics

from .test_transparency_log import TLOG, payment, publish_payments, tree_state


@pytest.fixture
async def topic(kafka_bootstrap, unique_name):
    name = f"{unique_name}.events"
    await ensure_topics(kafka_bootstrap, [name, f"{name}.dlq"], partitions=3)
    return name


async def test_a_payment_the_contract_refuses_is_dead_lettered_and_the_rest_sealed(engine, test_infra,
                                                                                   kafka_bootstrap, topic):
    refused = [{**payment(100), "amount": -5}, {**payment(101), "status": "lost"},
               {k: v for k, v in payment(102).items() if k != "program_id"}]
    coerced = {**payment(103), "amount": "750000"}  # lax pydantic: a numeric string is an int
    await publish_payments(test_infra, kafka_bootstrap, topic,
                           [payment(i) for i in range(30)] + refused + [coerced])
    consumer = EventConsumer(engine, name=CONSUMER, topics=[topic], batch_handler=on_disbursement_events,
                             bootstrap=kafka_bootstrap, max_batch=MAX_BATCH)
    try:
        await consumer.run_until_idle(timeout=120)
        for tp in consumer.consumer.assignment():  # delivered again, as after a crash before the commit
            consumer.consumer.seek(tp, 0)
        await consumer.run_until_idle(timeout=120)
        await seal_and_sign(Database(engine), TLOG, len(consumer.consumer.assignment()), topic)
    finally:
        await consumer.stop()
    size, _, keys = await tree_state(engine)
    assert size == 31, "30 good payments and the coerced one, each once however often delivered"
    assert "pay-103:1:paid" in keys
    assert not {"pay-100:1:paid", "pay-101:1:lost", "pay-102:1:paid"} & set(keys)
    async with engine.connect() as conn:
        errors = [r.error for r in (await conn.execute(text(
            "SELECT error FROM dead_letters WHERE consumer = :c ORDER BY kafka_offset"), {"c": CONSUMER})).all()]
        leaf = (await conn.execute(text("SELECT leaf FROM tlog_leaves WHERE payment_id = 'pay-103'"))).scalar_one()
    assert len(errors) == 3, "each refused payment once, though delivered twice"
    assert all(e.startswith("ValidationError") for e in errors)
    assert json.loads(bytes(leaf))["amount"] == 750_000
