"""Figures over the whole log, computed once per position of the log and remembered.

Every payment figure (households reached, rupiah, per area, per month) aggregates every leaf: at a million
payments that is seconds of work, while the answer changes only when the sealer appends leaves. So a query over
the leaves is answered from memory when the log is where it was when the answer was computed, and computed again
(by one request at a time per query: the others wait for it) when it has grown. The position is read in the
request's own snapshot, so an answer always belongs to the leaves that snapshot sees. The log's position is its
last leaf (index and the moment it was appended: leaves only ever append, and `tlog_figures` changes with them),
in this database (server, port, oid): a rebuilt or truncated log has another last leaf's moment, another
database another oid. A query over the register's households as well says so (`register=True`): its position
adds the register's change count (`proj_change_counters`, counted by a trigger in each writing transaction).

While the log grows (a seal every second under load), a request that finds a newer position than the remembered
answer while another request is already computing that position's answer gets the previous answer at once
instead of waiting: a page is never more than one seal behind, and only one request per query and position
pays for the computation.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import Any

from gotong.adapters.sql import Sql

#: Where the log is, in which database: one index lookup (the primary key's end) and the catalogue.
_POSITION = ("SELECT inet_server_addr()::text AS addr, inet_server_port() AS port, d.oid::bigint AS db, "
             "l.idx, l.appended_at, (SELECT changes FROM proj_change_counters "
             "WHERE table_name = 'proj_registry_households') AS register FROM pg_database d "
             "LEFT JOIN LATERAL (SELECT idx, appended_at FROM tlog_leaves ORDER BY idx DESC LIMIT 1) l ON true "
             "WHERE d.datname = current_database()")

#: Answers kept (a page asks a handful of queries; the canvas as of a day adds one per day asked for).
LIMIT = 1024

#: (last leaf's index, when it was appended, the register's change count or 0 when the query does not read it)
Position = tuple[int | None, datetime | None, int]
_answers: OrderedDict[Hashable, tuple[Position, Any]] = OrderedDict()
_computing: dict[Hashable, asyncio.Future[Any]] = {}


async def position(sql: Sql, register: bool = False) -> tuple[Hashable, Position]:
    """(this database, the position of the log and, if asked, the register's change count) in this snapshot."""
    row = await sql.fetchrow(_POSITION)
    assert row is not None  # the current database is always in pg_database
    return (row["addr"], row["port"], row["db"]), (row["idx"], row["appended_at"], row["register"] if register else 0)


async def fetch(sql: Sql, query: str, *args: Any, register: bool = False) -> list[Any]:
    """`sql.fetch(query, *args)` over the log's leaves (and the register's households), remembered per position."""
    return list(await remembered(sql, (query, args), lambda: sql.fetch(query, *args), register))


async def remembered(sql: Sql, name: Hashable, compute: Callable[[], Awaitable[Any]], register: bool = False) -> Any:
    """The answer of `compute()` (reading through `sql`) at the current position."""
    database, at = await position(sql, register)
    key = (database, name)
    known = _answers.get(key)
    if known is not None and known[0] == at:
        _answers.move_to_end(key)
        return known[1]
    flight = (key, at)
    running = _computing.get(flight)
    if running is not None:
        if known is not None and _older(known[0], at):
            return known[1]  # the previous seal's answer while one request computes this one
        return await asyncio.shield(running)
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    _computing[flight] = future
    try:
        answer = await compute()
    except BaseException as e:
        future.set_exception(e)
        future.exception()  # retrieved: nobody may be waiting
        raise
    else:
        future.set_result(answer)
        latest = _answers.get(key)
        if latest is None or not _older(at, latest[0]):
            _answers[key] = (at, answer)
            _answers.move_to_end(key)
            while len(_answers) > LIMIT:
                _answers.popitem(last=False)
        return answer
    finally:
        del _computing[flight]


def _older(a: Position, b: Position) -> bool:
    """Position `a` is before `b`: the same log further on, or the register changed since."""
    (ai, at_a, ra), (bi, at_b, rb) = a, b
    if a == b or ra > rb:
        return False
    if ai is None or at_a is None:
        return True  # an empty log may only grow
    if bi is None or at_b is None:
        return False  # emptied: not the same log
    return ai <= bi and at_a <= at_b
