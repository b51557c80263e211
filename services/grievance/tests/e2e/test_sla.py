"""SLA deadlines driven by the periodic job on the kit's Clock: with a FixedClock, a sanggah (14 days) gets its
warning when 2 days remain and its breach at the deadline, once each, and both are published."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from gotong_contracts.grievance import EVENTS

from gotong.api.app import runtime
from gotong.domain.clock import FixedClock
from gotong.messaging.cloudevents import decode
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.kafka import read_topic
from gotong.testing.wait import eventually
from grievance.bootstrap import create_app

from .conftest import ISSUER, OFFICER, START, sanggah, settings


@pytest.fixture
async def running(database_url, kafka_bootstrap):
    """The app with its jobs on: the SLA job every 50 ms on a clock the test moves."""
    await ensure_topics(kafka_bootstrap, ["grievance.events", dlq_topic("grievance.events")])
    clock = FixedClock(START)
    app = create_app(settings(database_url, kafka_bootstrap, sla_interval_s=0.05, follow_up_interval_s=3600),
                     clock=clock)
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grievance") as c:
            yield c, clock, app


async def test_the_periodic_job_warns_before_and_reports_the_breach_at_the_deadline(running, kafka_bootstrap):
    client, clock, app = running
    r = await client.post("/v1/cases", json=sanggah(anonymous=False), headers=OFFICER)
    case_id = r.json()["id"]
    assert r.json()["due_at"] == (START + timedelta(days=14)).isoformat()

    async def case():
        return (await client.get(f"/v1/cases/{case_id}", headers=OFFICER)).json()

    async def sla_events():
        events = await runtime(app).store.read_all()
        return [(e.event_type, e.data["occurred_at"]) for e in events
                if str(e.stream_id) == case_id and e.event_type.startswith("Sla")]

    clock.advance(days=12, seconds=-1)
    await eventually(case, lambda c: c["version"] == 1 and not c["warned"], what="nothing due yet")
    assert await sla_events() == []
    clock.advance(seconds=1)  # two days before the deadline
    await eventually(case, lambda c: c["warned"], what="the SLA warning")
    clock.advance(days=2, seconds=-1)
    assert (await case())["breached"] is False
    clock.advance(seconds=1)  # the deadline
    await eventually(case, lambda c: c["breached"], what="the SLA breach")
    clock.advance(days=3)
    at = START + timedelta(days=12)
    assert await sla_events() == [("SlaWarningRaised", at.isoformat()),
                                  ("SlaBreached", (at + timedelta(days=2)).isoformat())]

    relay = OutboxRelay(app.state.engine, service="grievance", bootstrap=kafka_bootstrap,
                        mapper=runtime(app).contract_mapper)
    await relay.drain()
    await relay.close()
    published = [e for e in (decode(r.value, r.headers) for r in await read_topic(kafka_bootstrap,
                                                                                  "grievance.events"))
                 if e.data.get("case_id") == case_id]
    assert [e.event_type for e in published] == ["CaseReceived", "SlaWarning", "SlaBreached"]
    for e in published:
        EVENTS[e.event_type].model_validate(e.data)
    assert published[2].data["due_at"] == (START + timedelta(days=14)).isoformat()
