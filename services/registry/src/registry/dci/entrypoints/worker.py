"""The DCI background loop (a lifespan hook): runs the jobs of `application.jobs` — answers queued async
searches, turns registry events into `notify` callbacks (following the event store with the kit's
`StoreFollower`), delivers queued callbacks, forgets old records. An HTTP request wakes it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from gotong.api.app import runtime
from gotong.application.uow import UnitOfWorkFactory
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.follower import StoreFollower
from registry.config import Settings
from registry.dci.application import jobs
from registry.dci.application.jobs import BATCH, NOTIFY_BATCH
from registry.dci.entrypoints.inbound import dci_of

log = logging.getLogger("registry.dci")


async def forget_old_messages(app: Any) -> int:
    """At most every `jobs.PURGE_EVERY_S`: `purge_old_records`. Returns how many message ids were dropped."""
    return await jobs.forget_old_messages(runtime(app).units, dci_of(app))


async def purge_old_records(engine: AsyncEngine, settings: Settings) -> int:
    """`jobs.purge` on the database of `engine`. Callers hold `Dci.purge_lock`."""
    return await jobs.purge(UnitOfWorkFactory(PostgresEventStore(engine)), settings)


async def run_once(app: Any, follower: StoreFollower) -> None:
    ctx, units = dci_of(app), runtime(app).units
    steps: list[tuple[str, Callable[[], Awaitable[int]], int]] = [
        ("answer_searches", lambda: jobs.answer_searches(units, ctx), BATCH),
        ("notify", lambda: jobs.notify(units, ctx, follower), NOTIFY_BATCH),
        ("deliver", lambda: jobs.deliver(units, ctx), BATCH),
        ("forget_old_messages", lambda: jobs.forget_old_messages(units, ctx), BATCH),
    ]
    for name, step, full in steps:
        try:
            for _ in range(20):  # catch up (a ranking run moves many households) without starving the rest
                if await step() < full:
                    break
        except Exception as err:  # the database or a client may be briefly away; the next round retries
            log.warning("dci %s failed: %s", name, type(err).__name__)


@contextlib.asynccontextmanager
async def worker_lifespan(app: Any) -> AsyncIterator[None]:
    ctx = dci_of(app)
    follower = StoreFollower(runtime(app).store)
    await ctx.sender.start(ctx.settings.dci_callback_timeout_s)
    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(ctx.wake.wait(), ctx.settings.dci_worker_interval_s)
            ctx.wake.clear()
            if not stop.is_set():
                await run_once(app, follower)

    task = asyncio.create_task(loop(), name="dci-worker")
    try:
        yield
    finally:
        stop.set()
        ctx.wake.set()
        await task
        await ctx.sender.close()
