"""Wait for the effect a test asserts, never for a count or a fixed sleep (a busy 2-core machine is slow)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], until: Callable[[T], bool] = bool, *,
                     timeout: float = 60.0, interval: float = 0.1, what: str = "the expected effect") -> T:
    """Call `probe` until `until(result)` holds and return that result; after `timeout` seconds fail with the
    last result seen. The timeout is a bound for a stuck system, not a speed goal: keep it generous."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f}s; last seen: {result!r}")
        await asyncio.sleep(interval)
