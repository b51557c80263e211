"""While no span is recorded, a request skips OpenTelemetry's middleware but still continues the caller's trace (the
ids travel into the outbox); once spans are recorded, the same app records its server span again."""

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.trace import SpanKind

from gotong.observability import tracing
from gotong.observability.tracing import current_traceparent, instrument_app

CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()

    @app.get("/where")
    async def where() -> dict[str, str | None]:
        return {"traceparent": current_traceparent()}

    instrument_app(app)
    return app


async def ask(app: FastAPI, headers: dict[str, str] | None = None) -> str:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.get("/where", headers=headers)
    assert response.status_code == 200
    found = response.json()["traceparent"]
    assert isinstance(found, str)
    return found


async def test_unrecorded_requests_continue_the_callers_trace_in_a_span_of_their_own(app, monkeypatch):
    monkeypatch.setattr(tracing._sampler, "recording", False)
    tracing.configure_tracing("gotong-tests")
    inside = await ask(app, {"traceparent": CALLER})
    _, trace_id, span_id, _ = inside.split("-")
    assert trace_id == CALLER.split("-")[1], "the caller's trace goes on"
    assert span_id != CALLER.split("-")[2], "in the request's own span"
    fresh = await ask(app)
    assert fresh.split("-")[1] not in ("0" * 32, trace_id), "without a caller, a trace of its own"


async def test_recorded_requests_go_through_the_instrumentation(app, span_exporter):
    span_exporter.clear()
    inside = await ask(app, {"traceparent": CALLER})
    assert inside.split("-")[1] == CALLER.split("-")[1]
    server = [s for s in span_exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert [s.name for s in server] == ["GET /where"]
    assert server[0].context.trace_id == int(CALLER.split("-")[1], 16)
