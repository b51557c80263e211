"""Background loops for an app's lifetime: one stop signal, a grace period, then cancellation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

Loop = Callable[[asyncio.Event], Coroutine[Any, Any, Any]]


@contextlib.asynccontextmanager
async def running(loops: Sequence[tuple[str, Loop]], *, grace_s: float = 15.0) -> AsyncIterator[asyncio.Event]:
    """Start each `loop(stop)` as a task named `name`; on exit set `stop`, wait up to `grace_s` for each, then
    cancel what is still running. Yields the stop event (a loop may also end early by itself)."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[Any]] = [asyncio.create_task(loop(stop), name=name) for name, loop in loops]
    try:
        yield stop
    finally:
        stop.set()
        for task in tasks:
            try:
                await asyncio.wait_for(task, grace_s)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()


__all__ = ["Loop", "running"]
