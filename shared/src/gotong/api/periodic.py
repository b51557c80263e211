"""A lifespan hook that runs a job every few seconds while the app lives, surviving the job's failures."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from gotong.background import running

log = logging.getLogger("gotong.periodic")


def periodic(name: str, interval: Callable[[Any], float],
             job: Callable[[Any], Awaitable[None]]) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """`create_app(..., lifespan_hooks=[periodic("expiry", lambda app: 30.0, expire)])`; `job(app)` runs after
    each interval until shutdown; a failing run is logged and the next one tries again."""

    @contextlib.asynccontextmanager
    async def hook(app: Any) -> AsyncIterator[None]:
        async def loop(stop: asyncio.Event) -> None:
            while not stop.is_set():
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval(app))
                if stop.is_set():
                    return
                try:
                    await job(app)
                except Exception as err:  # the database may be briefly away; keep going
                    log.warning("%s failed: %s", name, type(err).__name__)

        async with running([(f"periodic-{name}", loop)], grace_s=interval(app) + 60):
            yield

    return hook
