"""Liveness, readiness (database and registered checks such as Kafka) and Prometheus metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import BaseModel
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotong.api.problem import problem

ReadinessCheck = Callable[[], Awaitable[tuple[str, bool]]]
router = APIRouter(tags=["health"])

REQUESTS = Counter("gotong_http_requests_total", "HTTP requests", ["route", "method", "status"])
LATENCY = Histogram("gotong_http_request_seconds", "HTTP request latency", ["route", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


@router.get("/healthz", summary="The process is alive")
async def healthz(request: Request) -> dict[str, str]:
    return {"status": "ok", "service": request.app.state.settings.service_name}


async def _database(request: Request) -> tuple[str, bool]:
    async with request.app.state.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return "database", True


async def _run(check: Callable[[], Awaitable[tuple[str, bool]]], name: str) -> tuple[str, bool]:
    try:
        return await asyncio.wait_for(check(), 2.0)
    except Exception:
        return name, False


@router.get("/readyz", summary="Ready: the database and Kafka answer", responses={503: {"description": "not ready"}})
async def readyz(request: Request) -> Response:
    checks: list[ReadinessCheck] = list(getattr(request.app.state, "readiness_checks", []))
    results = await asyncio.gather(_run(lambda: _database(request), "database"),
                                   *(_run(c, f"check{i}") for i, c in enumerate(checks)))
    status = {name: ("ok" if ok else "failing") for name, ok in results}
    failing = [name for name, ok in results if not ok]
    if failing:
        return problem(503, "not-ready", "Not ready", f"failing: {', '.join(failing)}",
                       instance="/readyz", checks=status)
    return JSONResponse({"status": "ready", "checks": status})


class ServiceInfo(BaseModel):
    name: str
    version: str
    topic: str


@router.get("/info", summary="Name, version and the topic this service publishes", tags=["service"])
async def info(request: Request) -> ServiceInfo:
    settings = request.app.state.settings
    return ServiceInfo(name=settings.service_name, version=request.app.version, topic=settings.topic)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class HttpMetrics:
    """Counts and times requests by route template (never the raw path, which may carry ids)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", "unmatched")
            if template not in ("/metrics", "/healthz", "/readyz"):
                REQUESTS.labels(template, scope["method"], str(status)).inc()
                LATENCY.labels(template, scope["method"]).observe(time.perf_counter() - started)
