"""The app factory every service uses: plumbing installed once, the service brings its routers and hooks."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute
from sqlalchemy.ext.asyncio import AsyncEngine

from gotong.adapters.sql import Database
from gotong.api import health, metrics, security_headers
from gotong.api.auth import JWKSVerifier
from gotong.api.input import InputGuard
from gotong.api.limits import BodySizeLimit
from gotong.api.metrics import HttpMetrics
from gotong.api.problem import APP_PROBLEMS, CatchAll, install_problem_handlers, problem_openapi
from gotong.api.ratelimit import RateLimit, TokenBuckets
from gotong.application.uow import NO_PROJECTORS, Projectors, UnitOfWorkFactory
from gotong.db import create_engine
from gotong.domain.clock import SYSTEM_CLOCK, Clock
from gotong.eventstore.model import RecordedEvent
from gotong.eventstore.postgres import PostgresEventStore
from gotong.observability.logging import configure_logging
from gotong.observability.tracing import configure_tracing
from gotong.reference import check_reference_data
from gotong.settings import KitSettings

LifespanHook = Callable[[FastAPI], AbstractAsyncContextManager[None]]
ReadinessCheck = Callable[[], Awaitable[tuple[str, bool]]]
ContractMapper = Callable[[RecordedEvent], tuple[str, int, dict[str, Any]] | None]


@dataclass
class Runtime:
    """What the kit builds for a running app (typed; read with `runtime(app)` or `RuntimeDep`)."""

    settings: KitSettings
    engine: AsyncEngine
    store: PostgresEventStore
    database: Database
    units: UnitOfWorkFactory
    projectors: Projectors
    clock: Clock
    #: What the relay publishes for a stored event: (type, version, data), or None to keep it internal.
    contract_mapper: ContractMapper | None
    #: Checks /readyz runs besides the database (the relay registers Kafka's).
    readiness_checks: list[ReadinessCheck]


def runtime(app: FastAPI) -> Runtime:
    """The running app's kit parts; only valid inside the lifespan (after startup)."""
    found = getattr(app.state, "runtime", None)
    if found is None:
        raise RuntimeError("the app has not started: its runtime is built in the lifespan")
    return cast(Runtime, found)


def _request_runtime(request: Request) -> Runtime:
    return runtime(request.app)


RuntimeDep = Annotated[Runtime, Depends(_request_runtime)]


def operation_ids(service: str) -> Callable[[APIRoute], str]:
    """Stable OpenAPI operationIds, `<service>_<function name>` (`registry_get_household`), so a generated
    client gets readable method names that do not change when a path does; unique per service (the OpenAPI
    lint test holds every service to it)."""
    prefix = service.replace("-", "_")

    def unique_id(route: APIRoute) -> str:
        return f"{prefix}_{route.name}"

    return unique_id


def create_app(settings: KitSettings, *, title: str, version: str = "0.1.0",
               routers: Sequence[APIRouter] = (), lifespan_hooks: Sequence[LifespanHook] = (),
               description: str = "", projectors: Projectors = NO_PROJECTORS,
               clock: Clock = SYSTEM_CLOCK, contract_mapper: ContractMapper | None = None) -> FastAPI:
    """A FastAPI app with problem+json, limits, auth, health and metrics, plus `routers` and `lifespan_hooks`.

    Refuses to build (ProductionNotReady) in production without real secrets and servers, and
    (ReferenceDataMissing) when the installed package lacks its reference data.
    On startup: the engine (unless one was put in `app.state.engine` before), the event store, the token
    verifier from `settings.jwks_url` (unless one was set), then each hook in order; the reverse on shutdown.
    """

    settings.check_production()
    check_reference_data()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owns_engine = getattr(app.state, "engine", None) is None
        if owns_engine:
            app.state.engine = create_engine(settings.service_database_url,
                                             pool_size=settings.database_pool_size)
        app.state.store = store = PostgresEventStore(app.state.engine)
        app.state.runtime = Runtime(settings, app.state.engine, store, store.database,
                                    UnitOfWorkFactory(store, projectors=projectors, clock=clock), projectors, clock,
                                    contract_mapper, app.state.readiness_checks)
        if getattr(app.state, "token_verifier", None) is None and settings.jwks_url:
            app.state.token_verifier = JWKSVerifier(settings.jwks_url, issuer=settings.jwt_issuer,
                                                    audience=settings.token_audience)
        try:
            async with contextlib.AsyncExitStack() as stack:
                for hook in lifespan_hooks:
                    await stack.enter_async_context(hook(app))
                yield
        finally:
            app.state.runtime = None
            if owns_engine:
                await app.state.engine.dispose()
                app.state.engine = None

    # FastAPI's own telemetry off: the kit traces through OpenTelemetry's instrumentation (`configure_tracing`), and
    # FastAPI's would open a second server span per request (unrecorded or not) and wrap `send` and `receive` again.
    app = FastAPI(title=title, version=version, description=description, lifespan=lifespan,
                  responses=APP_PROBLEMS, generate_unique_id_function=operation_ids(settings.service_name),
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    problem_openapi(app)
    app.state.settings = settings
    app.state.engine = None
    # None: JWKS from settings at startup; without `auth_required` and a verifier, callers are "anonymous".
    app.state.token_verifier = None
    app.state.readiness_checks = []
    app.state.runtime = None
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    for router in routers:
        app.include_router(router)
    # Added innermost first; a request meets them in the reverse order: headers, CatchAll, metrics, rate, size, input.
    app.add_middleware(InputGuard)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    buckets = TokenBuckets(settings.rate_limit_per_minute, settings.rate_limit_burst)
    app.add_middleware(RateLimit, buckets=buckets)
    app.state.rate_buckets = buckets  # a fast path (`gotong.api.fast_path`) counts in the same buckets
    app.add_middleware(HttpMetrics)
    app.add_middleware(CatchAll)
    security_headers.install(app)  # outermost: every answer, crashes included, carries the headers
    configure_logging(settings.service_name, settings.log_level, json=settings.log_json)
    configure_tracing(settings.service_name, otlp_endpoint=settings.otel_exporter_otlp_endpoint,
                      untraced=tuple(settings.otel_untraced_urls),
                      console=settings.otel_traces_console, app=app)
    return app


def app_state(app: FastAPI) -> Any:
    return app.state
