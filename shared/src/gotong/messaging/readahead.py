"""Reading ahead: a consumer fetches (and decodes) its next poll while the current poll's transaction runs.

A replay spends about as long waiting on the broker and decoding records as applying them; done one after the
other, neither the broker nor the database is busy half of the time. A `ReadAhead` is started once a poll's records
are in hand (after that poll paused what it holds): it calls `getmany` again and again, adds what it gets, in
order, to its own records, has the broker checked after every fetch that returned records (as a poll does), and
decodes them, until it holds `limit` records or the next poll takes them. Taking them ends it: a fetch still
waiting is cancelled (aiokafka has handed over nothing then), so a poll never gets records from a fetch that had
ended before it began, empty or not.

What it read is kept per partition with the partition's seek generation when the records came: a partition the
consumer seeked since (an assignment, a rebalance) or that is no longer assigned gives nothing — its position was
set anew, and the records are read again from there. Memory is bounded by `limit` records.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord

from gotong.messaging.cloudevents import CloudEvent, decode

Records = dict[TopicPartition, list[ConsumerRecord[Any, Any]]]
Decoded = dict[int, CloudEvent | Exception]  # by offset: the event, or why it is none

_DECODE_SLICE = 500  # records decoded between two turns of the event loop (the transaction's replies wait meanwhile)


class ReadAhead:
    def __init__(self, fetch: Callable[[int], Awaitable[Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]]]],
                 verify: Callable[[], Awaitable[None]], generation: Callable[[TopicPartition], int], *,
                 limit: int) -> None:
        self._fetch = fetch  # getmany for at most this many records
        self._verify = verify  # the broker check after a fetch that returned records; raises if another answers
        self._generation = generation
        self.limit = limit
        self.records: Records = {}
        self.generations: dict[TopicPartition, int] = {}
        self.decoded: dict[TopicPartition, Decoded] = {}
        self.count = 0
        self.unverified = False  # records arrived whose broker check has not ended
        self.error: BaseException | None = None
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            while self.count < self.limit:
                got = await self._fetch(self.limit - self.count)
                fresh: list[tuple[TopicPartition, list[ConsumerRecord[Any, Any]]]] = []
                for tp, records in got.items():
                    if not records:
                        continue
                    generation = self._generation(tp)
                    if self.generations.get(tp, generation) != generation:  # seeked since: those went stale
                        self.count -= len(self.records.pop(tp, ()))
                        self.decoded.pop(tp, None)
                    self.generations[tp] = generation
                    self.records.setdefault(tp, []).extend(records)
                    self.count += len(records)
                    fresh.append((tp, records))
                if not fresh:
                    continue
                self.unverified = True
                await self._verify()
                self.unverified = False
                await self._decode(fresh)
        except asyncio.CancelledError:
            pass
        except Exception as err:  # given to the poll that takes these records, as its own fetch would have raised it
            self.error = err

    async def _decode(self, fresh: list[tuple[TopicPartition, list[ConsumerRecord[Any, Any]]]]) -> None:
        done = 0
        for tp, records in fresh:
            decoded = self.decoded.setdefault(tp, {})
            for record in records:
                try:
                    decoded[record.offset] = decode(record.value, record.headers)
                except Exception as err:
                    decoded[record.offset] = err
                done += 1
                if done % _DECODE_SLICE == 0:
                    await asyncio.sleep(0)

    async def finish(self) -> None:
        """End reading ahead (a fetch waiting is cancelled; what arrived stays)."""
        if not self._task.done():
            self._task.cancel()
        try:
            await asyncio.wait({self._task})
        except asyncio.CancelledError:  # our own task was cancelled: do not leave the read-ahead running
            self._task.cancel()
            raise

    def valid(self, assigned: set[TopicPartition]) -> tuple[Records, dict[TopicPartition, Decoded]]:
        """The records (and their decoded events) of partitions still assigned and not seeked since they came."""
        keep = [tp for tp in self.records
                if tp in assigned and self.generations.get(tp) == self._generation(tp)]
        return {tp: self.records[tp] for tp in keep}, {tp: self.decoded[tp] for tp in keep if tp in self.decoded}

    def cancel(self) -> None:
        self._task.cancel()


async def close(read_ahead: ReadAhead | None) -> None:
    if read_ahead is not None:
        with contextlib.suppress(Exception):
            await read_ahead.finish()
