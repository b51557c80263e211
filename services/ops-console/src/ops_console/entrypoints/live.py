"""The dashboard's live side: the counters read from the read model every moment, published as Prometheus
gauges on /metrics and pushed to open dashboards (Server-Sent Events) whenever they change."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from prometheus_client import Gauge

from gotong.api.app import runtime
from gotong.background import running
from ops_console.adapters.read_model import ReadModel
from ops_console.domain.counters import Counters

log = logging.getLogger("ops_console.live")
CYCLES = Gauge("gotong_console_cycles", "Disbursement cycles by the last state the published facts show",
               ["state"])
APPROVALS = Gauge("gotong_console_approvals_waiting", "Decisions waiting for an officer, by kind", ["kind"])
REVIEWS = Gauge("gotong_console_review_queue", "Households in the verification review queue, by reason and age",
                ["reason", "age"])
EXCEPTIONS = Gauge("gotong_console_exceptions_open", "Payments left failed or returned (reconciliation "
                   "exceptions), by kind", ["kind"])
PAYMENTS = Gauge("gotong_console_payments_per_minute", "Payments confirmed paid in the current minute")
HELD = Gauge("gotong_console_held_households", "Households held for verification in closed cycles")


class Live:
    """The newest counters and a way to wait for the next change."""

    def __init__(self) -> None:
        self.counters = Counters()
        self.version = 0
        self._changed = asyncio.Condition()

    async def publish(self, counters: Counters) -> None:
        if counters == self.counters and self.version:
            return
        self.counters = counters
        self.version += 1
        _export(counters)
        async with self._changed:
            self._changed.notify_all()

    async def next_change(self, seen: int, timeout: float) -> int:
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: self.version != seen), timeout)
        return self.version


def _export(c: Counters) -> None:
    for gauge in (CYCLES, APPROVALS, REVIEWS, EXCEPTIONS):
        gauge.clear()
    for state, n in c.cycles.items():
        CYCLES.labels(state).set(n)
    for kind, n in c.approvals_waiting.items():
        APPROVALS.labels(kind).set(n)
    for reason, ages in c.review_queue.items():
        for age, n in ages.items():
            REVIEWS.labels(reason, age).set(n)
    for kind, n in c.exceptions_open.items():
        EXCEPTIONS.labels(kind).set(n)
    PAYMENTS.set(c.payments_this_minute)
    HELD.set(c.held_households)


def live_of(app: FastAPI) -> Live:
    found = getattr(app.state, "console_live", None)
    if not isinstance(found, Live):
        raise RuntimeError("the console's live dashboard is not running")
    return found


async def refresh(app: FastAPI) -> Counters:
    kit = runtime(app)
    async with kit.database.read() as sql:
        counters = await ReadModel(sql).counters(kit.clock.now())
    await live_of(app).publish(counters)
    return counters


@contextlib.asynccontextmanager
async def live_lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.console_live = Live()
    await refresh(app)
    interval = app.state.settings.dashboard_refresh_s

    async def loop(stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
            if not stop.is_set():
                try:
                    await refresh(app)
                except Exception as err:  # the database is away: keep the last counters, try again
                    log.warning("dashboard refresh failed: %s", type(err).__name__)

    async with running([("console-dashboard", loop)]):
        yield


def sse_frame(counters: Counters, version: int) -> str:
    return f"id: {version}\nevent: counters\ndata: {json.dumps(counters.as_json(), sort_keys=True)}\n\n"


async def stream(app: FastAPI, *, keepalive_s: float = 15.0) -> AsyncIterator[str]:
    live = live_of(app)
    seen = live.version
    yield "retry: 3000\n\n" + sse_frame(live.counters, seen)
    while True:
        version = await live.next_change(seen, keepalive_s)
        if version == seen:
            yield ": keepalive\n\n"
            continue
        seen = version
        yield sse_frame(live.counters, seen)


def snapshot(app: FastAPI) -> dict[str, Any]:
    return live_of(app).counters.as_json()
