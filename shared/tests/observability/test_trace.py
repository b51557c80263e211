"""One HTTP command is one trace: the request, the append, the relay's publish and the consumer's processing."""

from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI
from opentelemetry.trace import SpanKind

from gotong.eventstore import EventData, EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.consumer import EventConsumer
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import ensure_topics, events_topic
from gotong.observability.tracing import current_traceparent, instrument_app


async def test_http_command_append_publish_and_consume_share_one_trace(
        engine, kafka_bootstrap, unique_name, span_exporter):
    await ensure_topics(kafka_bootstrap, [events_topic(unique_name)], partitions=1)
    store = PostgresEventStore(engine)
    app = FastAPI()

    @app.post("/things")
    async def create_thing() -> dict[str, str]:
        sid = uuid4()
        async with store.transaction() as tx:
            await tx.append(sid, "thing", 0, [EventData("ThingCreated", {"n": 1},
                                                        metadata=EventMetadata(traceparent=current_traceparent()))])
        return {"id": str(sid)}

    instrument_app(app)
    span_exporter.clear()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post("/things")
    assert response.status_code == 200
    stream_id = UUID(response.json()["id"])

    relay = OutboxRelay(engine, service=unique_name, bootstrap=kafka_bootstrap)
    await relay.drain()
    await relay.close()
    handled: list[UUID] = []

    async def handler(conn, message) -> None:
        handled.append(message.event.stream_id)

    consumer = EventConsumer(engine, name="tracer", topics=[events_topic(unique_name)], handler=handler,
                             bootstrap=kafka_bootstrap)
    await consumer.run_until_idle()
    await consumer.stop()
    assert handled == [stream_id]

    spans = span_exporter.get_finished_spans()
    server = [s for s in spans if s.kind == SpanKind.SERVER and s.name.startswith("POST /things")]
    assert len(server) == 1
    trace_id = server[0].context.trace_id
    in_trace = [s for s in spans if s.context.trace_id == trace_id]
    names = {s.name for s in in_trace}
    assert any(s.attributes.get("db.system") == "postgresql" and "INSERT INTO events" in
               str(s.attributes.get("db.statement", "")) for s in in_trace), names
    publish = [s for s in in_trace if s.kind == SpanKind.PRODUCER]
    process = [s for s in in_trace if s.kind == SpanKind.CONSUMER]
    assert [s.name for s in publish] == [f"{unique_name}.events publish"]
    assert [s.name for s in process] == [f"{unique_name}.events process"]
    assert process[0].parent.span_id == publish[0].context.span_id, "the consumer continues the relay's span"
