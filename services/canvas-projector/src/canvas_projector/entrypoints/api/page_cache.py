"""Public pages computed once per change of the data: whole answers remembered per version of the read model.

Every portal page, SVG, open-data file and the canvas API reads the same read model, and that model changes only
when a consumer applies an event or the sealer signs a checkpoint. So a GET of one of these paths is answered
from memory while the data is where it was when the answer was made, and made again (by one request per path
and query: the others wait for it) once it has moved. The data's version is one small query: the log's last leaf
(index and when it was appended), the latest checkpoint, the register's change count, and every consumer's
position (each consumer moves its position in the transaction that changes the model), in this database.

Bounded staleness: a request does not wait for that query. The version known is used while it was read less than
FRESH_S ago; older, it is read again in the background (one query at a time) and requests keep using the known
one until it is STALE_S old, when they wait for the new one. So a remembered page is served from memory like a
static file, and it shows the data as it was at most STALE_S (half a second) before the request — or, when the
version query itself takes longer, as of the start of the last one. A payment sealed or a consumer's move shows
on the pages within that time, not on the very next request. Nothing is read while no request comes.

A remembered page says its data was read when the page was made: still true, since nothing changed after.

While a page is being made again after the data moved, the other requests for it get the page as it was (at
most REMAKE_S old) instead of waiting: only the request making it waits for the route, so a page that takes a
second to compute over a million payments does not hold every reader of it for that second each time a payment
is sealed. Past REMAKE_S they wait, as for a page never made.

The remembered answer carries a strong ETag (a hash of its bytes) and `Cache-Control`, so a browser or a proxy
revalidates with `If-None-Match` and gets a 304 without the page. Only complete 200 answers are kept, nothing
personal is among them (the portal shows no personal data), and each one is kept as the route made it: the kit's
middlewares around this one (security headers, rate limits, metrics) see every request, remembered or not.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from canvas_projector.entrypoints.api import fast_reads
from canvas_projector.entrypoints.api.settle import Settle
from gotong.adapters.sql import Database
from gotong.api.app import runtime

#: The read model's version: this database, the log's end, the latest checkpoint, the register's changes and
#: every consumer's position (index lookups and a handful of rows).
VERSION_SQL = (
    "SELECT d.oid::bigint, l.idx, l.appended_at, "
    "(SELECT max(size) FROM tlog_checkpoints), "
    "(SELECT sum(changes) FROM proj_change_counters), "
    "(SELECT string_agg(consumer || '/' || topic || '/' || partition || '@' || kafka_offset || '/' "
    "|| coalesce(broker_epoch, '') || '/' || updated_at::text, ',' ORDER BY consumer, topic, partition) "
    "FROM consumer_positions) "
    "FROM pg_database d "
    "LEFT JOIN LATERAL (SELECT idx, appended_at FROM tlog_leaves ORDER BY idx DESC LIMIT 1) l ON true "
    "WHERE d.datname = current_database()")

#: A version read less than this long ago is used as it is; an older one is read again in the background.
FRESH_S = 0.25
#: Past this age requests wait for the version being read (the most a page lags behind the data).
STALE_S = 0.5
#: The public paths whose GET answers depend only on the read model and their query string.
CACHED_PATHS = frozenset({
    "/", "/verifikasi", "/verifikasi/konteks", "/checkpoint", "/wilayah", "/csr", "/usaha-sosial", "/kemitraan",
    "/kanvas", "/kanvas.svg", "/peta", "/peta.svg", "/pengaduan-publik", "/canvas", "/transparency/checkpoint",
    "/transparency/checkpoints", "/transparency/key"})
CACHED_PREFIXES = ("/program/", "/wilayah/", "/opendata/")
#: Browsers and proxies may reuse an answer this long, then revalidate it with its ETag.
CACHE_CONTROL = b"public, max-age=30, must-revalidate"
#: Bytes of answers kept (a page per language and query; the names for a receipt are a few hundred bytes each,
#: so thousands of them fit); the least recently asked go first. A larger answer than MAX_BYTES is not kept.
#: How old a remembered page may be and still answer while its next version is being made.
REMAKE_S = 60.0
BUDGET = 64 * 1024 * 1024
MAX_BYTES = 8 * 1024 * 1024


def cached_path(path: str) -> bool:
    return path in CACHED_PATHS or path.startswith(CACHED_PREFIXES)


class DataVersion:
    """The read model's version as known: at most FRESH_S old without a query, read again in the background past
    that, and waited for only when it is STALE_S old (or was never read). One query at a time."""

    def __init__(self, read: Callable[[], Awaitable[Hashable]], clock: Callable[[], float] = time.monotonic) -> None:
        self._read = read
        self._clock = clock
        self._known: Hashable = None
        self._read_at = -math.inf  # when the query that read `_known` began
        self._reading: asyncio.Future[Hashable] | None = None

    async def current(self) -> Hashable:
        age = self._clock() - self._read_at
        if age < FRESH_S:
            return self._known
        if self._reading is None:
            self._reading = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().create_task(self._run(self._reading))
        if age < STALE_S:
            return self._known
        return await asyncio.shield(self._reading)

    async def _run(self, future: asyncio.Future[Hashable]) -> None:
        began = self._clock()
        try:
            version = await self._read()
        except BaseException as err:
            future.set_exception(err)
            future.exception()  # retrieved: every waiter may have gone
        else:
            self._known, self._read_at = version, began
            future.set_result(version)
        finally:
            self._reading = None


def database_version(database: Callable[[], Database]) -> Callable[[], Awaitable[Hashable]]:
    """The version query on the running app's database (looked up per call: the engine is made at startup)."""

    async def read() -> Hashable:
        async with database().statement() as sql:
            row = await sql.fetchrow(VERSION_SQL)
        return tuple(row) if row is not None else None

    return read


@dataclass(frozen=True)
class Answer:
    version: Hashable
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    route: Any
    made_at: float = 0.0


class PageCache:
    """ASGI middleware, innermost: a GET of a cached path answered from memory while the data's version is the one
    the answer was made at (`read_version` reads it)."""

    def __init__(self, app: ASGIApp, read_version: Callable[[], Awaitable[Hashable]], budget: int = BUDGET,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.version = DataVersion(read_version, clock)
        self._clock = clock
        self.budget = budget
        self._bytes = 0
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._making: dict[Hashable, asyncio.Future[Answer | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not cached_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        version = await self.version.current()
        key = (scope["path"], scope.get("query_string", b""))
        answer = self._answers.get(key)
        # Being made again by another request for the data's new version: the page as it was, meanwhile.
        remaking = (answer is not None and answer.version != version and (key, version) in self._making
                    and self._clock() - answer.made_at < REMAKE_S)
        if answer is None or (answer.version != version and not remaking):
            answer = await self._make(key, version, scope, receive, send)
            if answer is None:  # not a keepable answer: it went to the client as made
                return
        else:
            self._answers.move_to_end(key)
            scope["route"] = answer.route  # what the router would have matched (the metrics label)
        await _send(answer, scope, send)

    async def _make(self, key: Hashable, version: Hashable, scope: Scope, receive: Receive,
                    send: Send) -> Answer | None:
        """The answer at `version`, made by this request or awaited from the one making it; None when this request
        made an answer that may not be kept (and sent it itself)."""
        flight = (key, version)
        making = self._making.get(flight)
        if making is not None:
            answer = await asyncio.shield(making)
            if answer is not None:
                return answer
            await self.app(scope, receive, send)  # that one could not be kept: make our own
            return None
        future: asyncio.Future[Answer | None] = asyncio.get_running_loop().create_future()
        self._making[flight] = future
        try:
            answer = await self._capture(version, scope, receive, send)
            future.set_result(answer)
            if answer is not None:
                self._keep(key, answer)
            return answer
        except BaseException as err:
            future.set_exception(err)
            future.exception()
            raise
        finally:
            del self._making[flight]

    async def _capture(self, version: Hashable, scope: Scope, receive: Receive, send: Send) -> Answer | None:
        """Run the route with the answer held back; a 200 comes back to be kept, anything else is sent as is."""
        messages: list[Message] = []
        passing = False

        async def hold(message: Message) -> None:
            nonlocal passing
            if passing:
                await send(message)
                return
            messages.append(message)
            if message["type"] == "http.response.start" and not _keepable(message):
                passing = True
                for held in messages:
                    await send(held)
                messages.clear()

        await self.app(scope, receive, hold)
        if passing or not messages:
            return None
        start, chunks = messages[0], messages[1:]
        body = b"".join(m.get("body", b"") for m in chunks if m["type"] == "http.response.body")
        complete = bool(chunks) and not chunks[-1].get("more_body", False)
        if not complete or len(body) > MAX_BYTES:
            for held in messages:
                await send(held)
            return None
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"etag", b"cache-control",
                                                                                      b"content-length")]
        etag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
        return Answer(version, start["status"], headers, body, etag, scope.get("route"), self._clock())

    def _keep(self, key: Hashable, answer: Answer) -> None:
        known = self._answers.pop(key, None)  # the latest made wins (an older version is made again when asked)
        self._bytes += len(answer.body) - (len(known.body) if known is not None else 0)
        self._answers[key] = answer
        while self._bytes > self.budget and self._answers:
            self._bytes -= len(self._answers.popitem(last=False)[1].body)


def _keepable(start: Message) -> bool:
    """A 200 the route did not mark as private or not to be stored."""
    if start["status"] != 200:
        return False
    for name, value in start.get("headers", []):
        if name.lower() == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
        if name.lower() == b"set-cookie":
            return False
    return True


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    return if_none_match.strip() == b"*" or etag in (t.strip().removeprefix(b"W/") for t in if_none_match.split(b","))


async def _send(answer: Answer, scope: Scope, send: Send) -> None:
    """The remembered answer, or 304 when the client holds it already."""
    if_none_match = next((v for k, v in scope.get("headers") or () if k == b"if-none-match"), None)
    common = [(b"etag", answer.etag), (b"cache-control", CACHE_CONTROL)]
    if if_none_match is not None and _matches(if_none_match, answer.etag):
        await send({"type": "http.response.start", "status": 304, "headers": common})
        await send({"type": "http.response.body", "body": b""})
        return
    headers = [*answer.headers, *common, (b"content-length", str(len(answer.body)).encode())]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


def install(app: FastAPI) -> None:
    """Innermost of the app's middlewares (inside the kit's: every request still meets rate limits, metrics and
    security headers), reading the version from the running app's database; inside it, the reads that differ on
    every request answered in one statement (`fast_reads`); and, at startup, the pages' reference data loaded and
    the process's objects frozen out of the garbage collector's way (`settle`)."""
    app.user_middleware.append(Middleware(PageCache, read_version=database_version(lambda: runtime(app).database)))
    fast_reads.install(app)
    app.user_middleware.append(Middleware(Settle))
