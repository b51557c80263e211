"""From the grievance service's store to the portal's figures over the real broker: the demo cases `gotong up`
loads, published by the grievance relay through its contract mapper (twice: a relay that lost its checkpoint),
consumed by the canvas-projector's grievance consumer, give figures that count every case once; and nothing the
portal stored names a person or a tracking number."""

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from canvas_projector.adapters.grievance_cases import GrievanceCases
from canvas_projector.entrypoints.consumers.grievance import CONSUMER, on_event
from gotong.adapters.sql import Database
from gotong.db import create_engine, drop_database
from gotong.messaging.consumer import EventConsumer
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import ensure_topics
from gotong.testing.plugin import create_test_database
from grievance.application.publishing import publish_contract
from grievance.config import Settings as GrievanceSettings
from grievance.demo import load_demo


@pytest.fixture
def schema_service() -> str:
    return "canvas-projector"


async def test_the_demo_cases_reach_the_portal_figures_once(engine: AsyncEngine, test_infra: Any, kafka_bootstrap: str,
                                                           unique_name: str) -> None:
    topic = f"{unique_name}.events"
    await ensure_topics(kafka_bootstrap, [topic, f"{topic}.dlq"], partitions=3)
    grievance_url = await create_test_database(test_infra.database_url, "grievance")
    source = create_engine(grievance_url, pool_size=2)
    try:
        await load_demo(GrievanceSettings(database_url=grievance_url))
        async with source.connect() as conn:
            cases, decided = (await conn.execute(text(
                "SELECT count(*), count(*) FILTER (WHERE outcome IS NOT NULL) FROM cases"))).one()
            tracking = [r[0] for r in (await conn.execute(text("SELECT tracking_number FROM cases"))).all()]
        relay = OutboxRelay(source, service=unique_name, bootstrap=kafka_bootstrap, mapper=publish_contract)
        await relay.drain()
        relay.state.checkpoint = relay.state.checkpoint.__class__(0, 0)  # lost its checkpoint: all again
        await relay.drain()
        await relay.close()
    finally:
        await source.dispose()
        await drop_database(grievance_url)

    consumer = EventConsumer(engine, name=CONSUMER, topics=[topic], handler=on_event, bootstrap=kafka_bootstrap)
    await consumer.run_until_idle(timeout=120)
    await consumer.stop()

    async with Database(engine).read() as sql:
        found = await GrievanceCases(sql).figures(datetime.now(UTC))
        stored = " ".join(str(tuple(r)) for r in await sql.fetch("SELECT * FROM proj_grievance_cases"))
    assert (found.total, found.decided) == (cases, decided) == (28, 19), "each case once, however often sent"
    assert found.median_days is not None, "enough decided cases to publish a median"
    assert found.breach_rate is not None
    assert found.breached >= 1, "the demo month has late cases"
    assert found.upheld_share is not None
    for number in tracking:
        assert number not in stored
    assert "Contoh" not in stored, "no name (the demo's people are all 'Contoh')"
