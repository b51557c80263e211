"""The public submission's hot path: `POST /public/cases` in one statement, without the framework's per-request
machinery (a phone-first channel for a whole country takes its bursts here, as the registry's status check does).

A submission with an `Idempotency-Key` and a well-formed body is decided in Python exactly as the documented route
decides it (`commands.receive`: the region, the kind's rules, the sealing, the tracking number) and then written
by **one statement that commits alone**: the shared rate limit's count, the key with its answer, the case's
wrapped key, its `CaseReceived` event and its `cases` row, each write gated on the one before (refused by the
limit: nothing written; the key exists already: nothing written). So the key and the case commit together, one
round trip and one commit a case, and two submissions with the same key make one case.

Anything unusual goes to the documented route, which answers as before (problem+json naming the field, the
replayed answer, 409 while the first is in flight, 422 for another body, 429 with Retry-After): no key, a bad body
or field, a limit refused, a key used already, a tracking number drawn twice. A request the hot path counted and
allowed (its key was used already) is not counted again by the route; one refused here is (the route's own limiter
answers the 429: only ever fewer requests allowed, never more).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import orjson
from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uuid6 import uuid7

from gotong.api.app import runtime
from gotong.api.idempotency import HEADER, MAX_KEY_LENGTH, request_fingerprint, store_answer_sql, stored_headers
from gotong.api.shared_limits import TAKE_SQL, SharedLimiter, client_address
from gotong.db import HotPool
from gotong.domain.errors import DomainError
from gotong.eventstore.codec import dumps
from gotong.eventstore.model import EventData, EventMetadata
from gotong.observability.tracing import current_traceparent
from gotong.settings import KitSettings
from grievance.adapters.sealing import new_case_key
from grievance.adapters.tables import CASE_COLUMNS, case_row
from grievance.application.commands import Deps, receive, submitted
from grievance.application.inputs import CaseSubmit
from grievance.entrypoints.api.public import COUNTED, LIMIT_NAME, PUBLIC, limiter_secret

PATH = "/public/cases"
#: A case's body is a few hundred bytes; anything longer than this goes the documented way.
MAX_BODY = 16 * 1024
ANSWER_HEADERS = stored_headers(Response(b"", media_type="application/json"))


def _shifted(sql: str, by: int) -> str:
    return re.sub(r"\$(\d+)", lambda m: f"${int(m.group(1)) + by}", sql)


def _params(first: int, n: int) -> str:
    return ", ".join(f"${i}" for i in range(first, first + n))


_EVENT_COLUMNS = ("stream_id, stream_type, version, event_id, event_type, schema_version, data, occurred_at, "
                  "correlation_id, actor, idempotency_key, traceparent")
# $1-$8 the key and its answer, $9-$11 the limit, $12 the case id, $13 its wrapped key, $14-$22 the event,
# $23-... the `cases` row after its id.
SUBMIT = (
    f"WITH lim AS ({_shifted(TAKE_SQL.strip(), 8)}),\n"
    f"stored AS ({store_answer_sql('(SELECT allowed FROM lim)')}),\n"
    "case_key AS (INSERT INTO case_keys (case_id, wrapped_key) SELECT $12, $13 FROM stored),\n"
    f"event AS (INSERT INTO events ({_EVENT_COLUMNS}) "
    "SELECT $12, $14, 1, $15, $16, $17, $18::jsonb, $19, $20, $21, $2, $22 FROM stored),\n"
    f"listed AS (INSERT INTO cases ({', '.join(CASE_COLUMNS)}) "
    f"SELECT $12, {_params(23, len(CASE_COLUMNS) - 1)} FROM stored)\n"
    "SELECT lim.allowed, lim.tat, lim.seen, EXISTS (SELECT 1 FROM stored) AS stored FROM lim")


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    """The pool's connections run single statements and change no session state: no reset round trip when one
    goes back (asyncpg still ends any transaction left open)."""




def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _key(scope: Scope) -> str | None:
    """The request's Idempotency-Key if it is one the documented route would take, else None."""
    key = _header(scope, HEADER.lower().encode())
    if key is None or not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        return None
    return key


def _metadata(scope: Scope, key: str) -> EventMetadata:
    raw = _header(scope, b"x-correlation-id")
    try:
        correlation = UUID(raw) if raw else uuid7()
    except ValueError:
        correlation = uuid7()
    return EventMetadata(correlation_id=correlation, actor=PUBLIC.subject, idempotency_key=key,
                         traceparent=current_traceparent())


class FastSubmit:
    """`POST /public/cases` in one statement; everything else, and anything unusual, to the app inside."""

    def __init__(self, app: ASGIApp, per_minute: int, route: BaseRoute, state: Any = None) -> None:
        self.app = app
        self.limiter = SharedLimiter(LIMIT_NAME, per_minute, secret=limiter_secret)
        self.pool: HotPool | None = None
        self.route = route
        if state is not None:
            state.grievance_fast_submit = self  # so the app's lifespan can close the pool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more and len(body) <= MAX_BODY:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if more or not await self._submitted(scope, body, send):
            await self.app(scope, _replay(body, receive if more else None), send)

    async def _submitted(self, scope: Scope, body: bytes, send: Send) -> bool:
        """Submit and answer; False (nothing written, nothing sent) when the documented route should answer."""
        key = _key(scope)
        content_type = _header(scope, b"content-type") or ""
        if key is None or not content_type.startswith("application/json"):
            return False
        app = scope["app"]
        rt, deps = runtime(app), app.state.grievance
        assert isinstance(deps, Deps)
        try:
            submission = CaseSubmit.model_validate_json(body)
            dek, wrapped = new_case_key(deps.keyring)
            case = receive(deps, submission, channel="public", by=PUBLIC.subject, now=rt.clock.now(), dek=dek)
        except (ValidationError, DomainError):
            return False
        client = client_address(scope)
        if self.limiter.local_refusal(client) is not None:
            return False
        answer = orjson.dumps(submitted(case, "public"))
        meta = _metadata(scope, key)
        (received,) = case.pending_events
        event = EventData(received.event_type, received.to_data(), received.schema_version, metadata=meta)
        case.mark_saved()
        pool = await self._connections(rt.settings)
        fingerprint = request_fingerprint("POST", PATH, scope.get("query_string", b"").decode("latin-1"), body)
        try:
            row = await pool.fetchrow(
                SUBMIT, PUBLIC.subject, key, "POST", PATH, fingerprint, 201, ANSWER_HEADERS, answer,
                *self.limiter.params(self.limiter.stored_key(rt.settings, client)), case.id, wrapped,
                case.stream_type, event.event_id, event.event_type, event.schema_version, dumps(event.data),
                event.occurred_at, meta.correlation_id, meta.actor, meta.traceparent, *case_row(case)[1:])
        except (asyncpg.UniqueViolationError, asyncpg.DataError):  # nothing was written: the route draws another
            return False  # tracking number, or names the field PostgreSQL could not take
        decision = self.limiter.decide(row)
        self.limiter.settle(client, decision)
        if not decision.allowed:
            return False
        if not row["stored"]:  # counted and allowed: the route answers for the key without counting again
            scope[COUNTED] = True
            return False
        await self.limiter.maybe_clean(pool)
        scope["route"] = self.route  # the kit's metrics count it under the documented route's template
        await send({"type": "http.response.start", "status": 201, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})
        return True

    async def _connections(self, settings: KitSettings) -> asyncpg.Pool:
        if self.pool is None:
            # the URL is a property that costs: read once
            self.pool = HotPool(settings.service_database_url, reset=_nothing_to_reset)
        return await self.pool.connections()

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None


def _replay(body: bytes, rest: Receive | None) -> Receive:
    """The body already read, then (a body too long for the hot path) whatever is left of it."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": rest is not None}
        if rest is not None:
            return await rest()
        return {"type": "http.disconnect"}

    return replayed


def submission_route(public: APIRouter) -> BaseRoute:
    """The documented `POST /public/cases` of the public router (the hot path answers under its name)."""
    return next(r for r in public.routes if isinstance(r, APIRoute) and r.path == PATH and "POST" in (r.methods or ()))


@contextlib.asynccontextmanager
async def fast_submit_lifespan(app: Any) -> AsyncIterator[None]:
    yield
    fast: FastSubmit | None = getattr(app.state, "grievance_fast_submit", None)
    if fast is not None:
        await fast.close()


__all__ = ["SUBMIT", "FastSubmit", "fast_submit_lifespan", "submission_route"]
