"""OpenTelemetry setup and the W3C traceparent glue that lets one trace cross the outbox and Kafka."""

from __future__ import annotations

from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler, SamplingResult

tracer = trace.get_tracer("gotong")
_configured = False
_asyncpg_instrumented = False


class _RecordWhenExporting(Sampler):
    """Parent-based sampling while spans go somewhere; with no exporter, spans are not recorded (a recorded
    span costs ~0.15 ms of CPU per hop) but their ids are still made, so traceparent still travels."""

    def __init__(self) -> None:
        self.recording = False
        self._on = ParentBased(ALWAYS_ON)

    def should_sample(self, parent_context: Any, trace_id: int, name: str, kind: Any = None,
                      attributes: Any = None, links: Any = None, trace_state: Any = None) -> SamplingResult:
        chosen = self._on if self.recording else ALWAYS_OFF
        return chosen.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return "RecordWhenExporting"


_sampler = _RecordWhenExporting()


def recording() -> bool:
    """Whether spans are recorded (an exporter is set)."""
    return _sampler.recording


def add_span_processor(processor: SpanProcessor) -> None:
    """Send spans somewhere after setup (tests, late exporters): recording starts with it."""
    trace.get_tracer_provider().add_span_processor(processor)  # type: ignore[attr-defined]
    _sampler.recording = True


def configure_tracing(service_name: str, *, otlp_endpoint: str | None = None, console: bool = False,
                      untraced: tuple[str, ...] = (),
                      extra_processors: list[SpanProcessor] | None = None, app: Any = None) -> None:
    """Install a tracer provider once per process and instrument FastAPI (when `app` given) and asyncpg."""
    global _configured
    if not _configured:
        _sampler.recording = bool(otlp_endpoint or console or extra_processors)
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}), sampler=_sampler)
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
        instrument_app(app, untraced)


def instrument_asyncpg() -> None:
    """Spans for asyncpg's statements while spans are recorded. While they are not, a statement goes straight to
    asyncpg: the instrumentation would otherwise parse its text, gather its attributes and open a span nobody
    sees on every statement (tens of µs each, a tenth of a one-statement request's CPU). Nothing is lost: a
    statement's span is a leaf, and the ids that travel into the outbox come from the request's span."""
    global _asyncpg_instrumented
    if _asyncpg_instrumented:
        return
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    class WhileRecording(AsyncPGInstrumentor):
        _instance = None  # the instrumentors are singletons per class: this one, not its parent's

        async def _do_execute(self, func: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            if not _sampler.recording:
                return await func(*args, **kwargs)
            return await super()._do_execute(func, instance, args, kwargs)  # type: ignore[no-untyped-call]

        async def _do_cursor_execute(self, func: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            if not _sampler.recording:
                return await func(*args, **kwargs)
            return await super()._do_cursor_execute(  # type: ignore[no-untyped-call]
                func, instance, args, kwargs)

    # Statement text only, never parameters: parameters can hold personal data.
    WhileRecording().instrument(capture_parameters=False)  # type: ignore[no-untyped-call]
    _asyncpg_instrumented = True


def instrument_app(app: Any, untraced: tuple[str, ...] = ()) -> None:
    """Trace every request except health, readiness, metrics and the `untraced` URL patterns (regexes).

    While spans are recorded (an exporter is set), every request goes through OpenTelemetry's ASGI middleware.
    While they are not, it would still name each request's span by matching it against every route and wrap every
    message sent, for a span nobody sees: the request then only continues the caller's trace (or starts one) in a
    span that is not recorded, so the ids still travel into the outbox (`TraceContext`)."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    if not getattr(app, "_is_instrumented_by_opentelemetry", False):
        FastAPIInstrumentor.instrument_app(app, excluded_urls=",".join(["healthz", "readyz", "metrics", *untraced]))
        traced_stack = app.build_middleware_stack

        def build_middleware_stack() -> Any:
            return TraceContext.around(traced_stack())

        app.build_middleware_stack = build_middleware_stack


class TraceContext:
    """ASGI: OpenTelemetry's instrumented stack while spans are recorded; else the same stack without its tracing
    middleware, the request running in an unrecorded span that continues the caller's `traceparent`."""

    def __init__(self, traced: Any, untraced: Any) -> None:
        self.traced = traced
        self.untraced = untraced

    @classmethod
    def around(cls, stack: Any) -> Any:
        """The instrumented stack (ServerErrorMiddleware > OpenTelemetryMiddleware > the app's own stack) with the
        way round its tracing middleware; the stack as is when it is not built that way."""
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        inner = getattr(stack, "app", None)
        if not isinstance(inner, OpenTelemetryMiddleware):
            return stack
        return cls(stack, inner.app)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if _sampler.recording or scope["type"] != "http":
            await self.traced(scope, receive, send)
            return
        carrier = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers") or ()
                   if name in (b"traceparent", b"tracestate")}
        parent = propagate.extract(carrier) if carrier else None
        span = tracer.start_span(f"{scope.get('method', 'GET')} request", context=parent,
                                 kind=trace.SpanKind.SERVER)
        token = otel_context.attach(trace.set_span_in_context(span, parent))
        try:
            await self.untraced(scope, receive, send)
        finally:
            otel_context.detach(token)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> otel_context.Context | None:
    if not traceparent:
        return None
    return propagate.extract({"traceparent": traceparent})
