"""Prometheus metrics: HTTP request counts and latency by route template, and the `/metrics` endpoint."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

router = APIRouter(tags=["health"])
UNMATCHED = "unmatched"
_NOT_COUNTED = frozenset({"/metrics", "/healthz", "/readyz"})

REQUESTS = Counter("gotong_http_requests_total", "HTTP requests", ["route", "method", "status"])
LATENCY = Histogram("gotong_http_request_seconds", "HTTP request latency", ["route", "method", "status"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"description": "Prometheus text exposition format",
                             "content": {"text/plain": {"schema": {"type": "string"}}}}})
async def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


class HttpMetrics:
    """Counts and times requests by route template (never the raw path, which may carry ids)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # each label set's counter and histogram, looked up once (labels() takes a lock and builds a key)
        self._series: dict[tuple[str, str, str], tuple[Any, Any]] = {}

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
            # The router writes the matched route into the scope; requests refused before routing (429, 413)
            # or matching nothing (404) count under one label, so a scan of random paths cannot blow up the
            # label set.
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            if template not in _NOT_COUNTED:
                labels = (template, scope["method"], str(status))
                series = self._series.get(labels)
                if series is None:
                    series = self._series[labels] = (REQUESTS.labels(*labels), LATENCY.labels(*labels))
                series[0].inc()
                series[1].observe(time.perf_counter() - started)
