"""Found by the fault suite (broker killed, under load): a consumer whose poll failed right as its broker died
restarted itself, and closing its aiokafka consumer re-raised a cancellation of aiokafka's own fetch task. The
cancellation went through `contextlib.suppress(Exception)` and ended the consumer's task, silently: that replica
never read another event until its process was restarted. Closing a client may fail or hang; the consumer lives."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.errors import NodeNotReadyError

from gotong.messaging import consumer as consumer_module
from gotong.messaging.consumer import EventConsumer
from gotong.testing.wait import eventually


class LeakingClient:
    """Like aiokafka's consumer closed just after its broker died: stop() re-raises the cancellation of a task
    of its own (its fetcher awaits the pending tasks it has just cancelled)."""

    async def stop(self) -> None:
        pending = asyncio.ensure_future(asyncio.sleep(3600))
        await asyncio.sleep(0)
        pending.cancel()
        await pending


class HangingClient:
    async def stop(self) -> None:
        await asyncio.Event().wait()


async def _nothing(conn: Any, message: Any) -> None:
    return None


async def test_a_consumer_outlives_a_kafka_client_that_leaks_a_cancellation_when_closed():
    consumer = EventConsumer(None, name="pinned", topics=["pinned.events"], handler=_nothing,  # type: ignore[arg-type]
                             bootstrap="127.0.0.1:9", dlq_enabled=False)
    starts = 0

    async def start() -> None:
        nonlocal starts
        starts += 1
        consumer.consumer = LeakingClient()  # type: ignore[assignment]

    async def poll_once(timeout_ms: int = 500) -> int:
        raise NodeNotReadyError("node 111 is not ready (its broker just died)")

    consumer.start = start  # type: ignore[method-assign]
    consumer.poll_once = poll_once  # type: ignore[method-assign]
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await eventually(lambda: asyncio.sleep(0, starts), lambda n: n >= 3 or task.done(), timeout=30,
                         what="the consumer restarting after failed polls")
        assert not task.done(), "the consumer's task ended"
        assert starts >= 3
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def test_closing_a_client_that_hangs_gives_up_after_the_timeout():
    await asyncio.wait_for(consumer_module._close_quietly("hanging", HangingClient().stop(), timeout=0.2), 5)
    await asyncio.wait_for(consumer_module._close_quietly("leaking", LeakingClient().stop(), timeout=5), 5)
