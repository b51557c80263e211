"""OpenTelemetry setup and the W3C traceparent glue that lets one trace cross the outbox and Kafka."""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

tracer = trace.get_tracer("gotong")
_configured = False


def configure_tracing(service_name: str, *, otlp_endpoint: str | None = None, console: bool = False,
                      extra_processors: list[SpanProcessor] | None = None, app: Any = None) -> None:
    """Install a tracer provider once per process and instrument FastAPI (when `app` given) and asyncpg."""
    global _configured
    if not _configured:
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
                endpoint=otlp_endpoint.rstrip("/") + "/v1/traces")))
        if console:
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
        for p in extra_processors or []:
            provider.add_span_processor(p)
        trace.set_tracer_provider(provider)
        instrument_asyncpg()
        _configured = True
    if app is not None:
        instrument_app(app)


def instrument_asyncpg() -> None:
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    if not instrumentor.is_instrumented_by_opentelemetry:
        # Statement text only, never parameters: parameters can hold personal data.
        instrumentor.instrument(capture_parameters=False)


def instrument_app(app: Any) -> None:
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    if not getattr(app, "_is_instrumented_by_opentelemetry", False):
        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context | None:
    if not traceparent:
        return None
    return propagate.extract({"traceparent": traceparent})
