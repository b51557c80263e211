"""The public status check's one query: the blind index, the household's desil and the programs it received."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from typing import Any

import asyncpg

from gotong.db import asyncpg_dsn
from registry.adapters.households import Queryable

# One round trip: the candidate households with their desil (at most two: a name twice in a village is ambiguous),
# then the programs of the single one; no row when there is none or two. $2 chooses the index: NIK + name, or
# village + name. (Each household read once, the ambiguity judged on the two ids as they come, without sorting or
# grouping them: about a tenth less of PostgreSQL's CPU per check than with a GROUP BY and a second households read.)
LOOKUP = """
WITH hit AS (
    SELECT h.household_id, h.desil FROM person_index p JOIN households h USING (household_id)
    WHERE $2 AND p.name_check = $1 AND p.active AND h.status = 'active'
    UNION ALL
    SELECT h.household_id, h.desil FROM name_index n JOIN households h USING (household_id)
    WHERE NOT $2 AND n.name_hash = $1 AND h.status = 'active'
    LIMIT 2),
one AS (SELECT array_agg(household_id) AS ids, min(desil) AS desil FROM hit)
SELECT one.desil, coalesce((SELECT array_agg(r.program_code || '|' || r.period || '|' || r.status || '|'
                                             || coalesce(r.amount::text, '') || '|' || coalesce(r.payment_id, '')
                                             ORDER BY r.period DESC, r.program_code)
                            FROM recipients r WHERE r.household_id = one.ids[1]), '{}') AS programs
FROM one WHERE one.ids[1] = one.ids[cardinality(one.ids)]
"""


class StatusCheck:
    """`sql` may be a pooled asyncpg connection or pool (the hot path) or a transaction's `Sql`."""

    def __init__(self, sql: Queryable) -> None:
        self.sql = sql

    async def lookup(self, key: bytes, by_nik: bool) -> Any:
        return await self.sql.fetchrow(LOOKUP, key, by_nik)


class StatusPool:
    """The status check's own few connections: opened as needed up to `max_size`, handed out from a free list,
    closed with the app.

    asyncpg's `Pool` costs about 40 µs of CPU per statement besides the statement itself (the acquisition under a
    timeout, a proxy object per acquisition, a shielded release, the inactivity timer re-armed each time): a sixth
    of the check's CPU in the API. The check runs one statement per use of a connection and changes no session
    state (so nothing to reset when one goes back), which a free list serves as well. A connection whose statement
    failed for any reason but PostgreSQL's answer (a lost connection, a cancelled request) is closed, not reused,
    and one the server closed while it was idle is passed over; a request then opens a fresh one."""

    def __init__(self, database_url: str, max_size: int = 8) -> None:
        self.dsn = asyncpg_dsn(database_url)
        self.max_size = max_size
        self._free: list[Any] = []
        self._waiters: collections.deque[asyncio.Future[Any]] = collections.deque()
        self._open = 0  # open or being opened
        self._closed = False

    async def connections(self) -> StatusPool:
        return self

    async def fetchrow(self, query: str, *args: Any) -> Any:
        return await self._on_a_connection("fetchrow", query, args)

    async def execute(self, query: str, *args: Any) -> Any:
        return await self._on_a_connection("execute", query, args)

    async def _on_a_connection(self, method: str, query: str, args: tuple[Any, ...]) -> Any:
        conn = await self._acquire()
        try:
            answer = await getattr(conn, method)(query, *args)
        except asyncpg.PostgresError:  # PostgreSQL's answer: the connection is as good as before
            self._release(conn)
            raise
        except BaseException:
            self._drop(conn)
            raise
        self._release(conn)
        return answer

    async def lookup(self, key: bytes, by_nik: bool) -> Any:
        return await self.fetchrow(LOOKUP, key, by_nik)

    async def _acquire(self) -> Any:
        while True:
            if self._closed:
                raise asyncpg.InterfaceError("the status check's connections are closed")
            while self._free:
                conn = self._free.pop()
                if not conn.is_closed():
                    return conn
                self._open -= 1  # the server closed it while it was idle: forget it
            if self._open < self.max_size:
                self._open += 1
                try:
                    return await asyncpg.connect(self.dsn)
                except BaseException:
                    self._open -= 1
                    self._hand_over(None)
                    raise
            waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                conn = await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():  # handed one just as this request was cancelled
                    handed = waiter.result()
                    if handed is None:
                        self._hand_over(None)
                    else:
                        self._release(handed)
                else:
                    with contextlib.suppress(ValueError):
                        self._waiters.remove(waiter)
                raise
            if conn is not None:
                return conn
            # None: a connection was closed, so there is room to open one

    def _release(self, conn: Any) -> None:
        if self._closed or conn.is_closed():
            self._drop(conn)
        elif not self._hand_over(conn):
            self._free.append(conn)

    def _drop(self, conn: Any) -> None:
        self._open -= 1
        conn.terminate()
        self._hand_over(None)

    def _hand_over(self, conn: Any) -> bool:
        """Give `conn` (or None: room to open one) to the first request still waiting; False when none is."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return True
        return False

    async def close(self) -> None:
        self._closed = True
        free, self._free = self._free, []
        for conn in free:
            self._open -= 1
            await conn.close()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(asyncpg.InterfaceError("the status check's connections are closed"))
