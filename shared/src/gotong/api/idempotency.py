"""Commands in one transaction, with `Idempotency-Key` as in the IETF httpapi idempotency-key draft.

A key is reserved by one statement that commits alone (one round trip); the command's events and the stored
answer commit together, so a crash between commit and reply still replays the first answer. Same key + same
payload: the first answer again (`Idempotent-Replayed: true`). Same key + another payload: 422. A retry while the
first is in flight: 409.
A reservation whose holder died is taken over at once: a live holder keeps a transaction-level advisory lock
on the key while its command runs, so a retry that can take that lock knows nobody is working on the key (its
process crashed, its connection is gone). A holder that is alive but slow keeps the key until its lease runs
out; the lease's expiry time doubles as a fencing token, so a holder that lost its key cannot commit after
someone took it over. The reservation has to be committed before the command runs (a retry must see it to answer
409, and see its lease to take it over), so a command with a key is two commits; the hot statements run on the
asyncpg connection itself, not through SQLAlchemy. A route whose answer is known before its command runs may do it
all in one statement (`request_fingerprint`, `store_answer_sql`; the grievance service's public submission does).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode
from uuid import UUID

import orjson
from fastapi import Depends, Request, Response
from pydantic import BaseModel
from uuid6 import uuid7

from gotong.adapters.sql import Database, Sql, jsonb
from gotong.api.app import runtime
from gotong.api.auth import Principal, PrincipalDep
from gotong.api.problem import PROBLEM_JSON, domain_problem
from gotong.application.uow import UnitOfWork, UnitOfWorkFactory
from gotong.domain.errors import DomainError
from gotong.eventstore.errors import ConcurrencyError
from gotong.eventstore.model import EventMetadata
from gotong.observability.tracing import current_traceparent

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
REPLAYED = "Idempotent-Replayed"
CommandResult = BaseModel | dict[str, Any] | list[Any] | Response | None
CommandFn = Callable[[UnitOfWork], Awaitable[CommandResult] | CommandResult]
log = logging.getLogger("gotong.api.idempotency")

# The hot path's statements, on the asyncpg connection ($n parameters): no SQLAlchemy connection per command.
_RESERVE_ONE = (
    "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, state, locked_until) "
    "VALUES ($1, $2, $3, $4, $5, 'in_flight', now() + make_interval(secs => $6)) "
    "ON CONFLICT (principal, key) DO NOTHING RETURNING locked_until")
_HOLD_ONE = "SELECT pg_try_advisory_xact_lock(7411, hashtext($1 || '|' || $2))"
_COMPLETE_ONE = (
    "UPDATE idempotency_keys SET state = 'done', locked_until = NULL, response_status = $4, "
    "response_headers = $5::jsonb, response_body = $6 "
    "WHERE principal = $1 AND key = $2 AND state = 'in_flight' AND locked_until = $3 RETURNING 1")
_RELEASE_ONE = ("DELETE FROM idempotency_keys "
                "WHERE principal = $1 AND key = $2 AND state = 'in_flight' AND locked_until = $3")


def store_answer_sql(when: str = "true") -> str:
    """A key and its answer at once, for a route that knows its answer before it runs its command: $1 principal,
    $2 key, $3 method, $4 path, $5 `request_fingerprint`, $6 status, $7 `stored_headers`, $8 body; stored only
    `when` (an SQL condition) holds. Nothing is stored when the key exists (then ask `CommandContext`, which
    replays, refuses or answers 409). In a CTE, with the command's own writes gated on its RETURNING row, the
    key and the command commit in one statement."""
    return ("INSERT INTO idempotency_keys (principal, key, method, path, request_hash, state, response_status, "
            "response_headers, response_body) "
            f"SELECT $1, $2, $3, $4, $5, 'done', $6, $7::jsonb, $8 WHERE {when} "
            "ON CONFLICT (principal, key) DO NOTHING RETURNING 1")


_EXISTING = (
    "SELECT request_hash, state, locked_until > now() AS locked, response_status, response_headers, "
    "response_body FROM idempotency_keys WHERE principal = $1 AND key = $2 FOR UPDATE")
_TAKE_OVER = ("UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => $3) "
              "WHERE principal = $1 AND key = $2 RETURNING locked_until")


class IdempotencyKeyProblem(DomainError):
    status = 400
    code = "idempotency-key"
    title = "Idempotency-Key problem"


class KeyReusedWithOtherPayload(DomainError):
    status = 422
    code = "idempotency-key-reused"
    title = "This Idempotency-Key was used for a different request"


class RequestInFlight(DomainError):
    status = 409
    code = "request-in-progress"
    title = "A request with this Idempotency-Key is still being processed"


class LeaseLost(RequestInFlight):
    """This attempt ran past its lease and another took the key over; its work was rolled back."""


def _default(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, UUID):
        return str(obj)
    raise TypeError(type(obj).__name__)


def _response(result: Any, status_code: int, headers: dict[str, str] | None) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204 if status_code == 200 else status_code, headers=headers)
    body = result.model_dump_json().encode() if isinstance(result, BaseModel) else orjson.dumps(result,
                                                                                                 default=_default)
    return Response(content=body, status_code=status_code, media_type="application/json", headers=headers)


def _remembered(err: DomainError) -> bool:
    """A refusal is the answer to keep; a lost race or an overload depends on timing: a retry runs again."""
    return err.status < 500 and err.status != 429 and not isinstance(err, ConcurrencyError | RequestInFlight)


def request_fingerprint(method: str, path: str, query: str, body: bytes) -> bytes:
    """What a key's `request_hash` holds: method, path, query (its parameters in any order) and body."""
    parts = [method.encode(), path.encode(), body]
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    if pairs:  # before the body (which never starts with "?"); none: the fingerprint keys stored before had
        parts.insert(2, b"?" + urlencode(pairs).encode())
    return hashlib.sha256(b"\n".join(parts)).digest()


def stored_headers(response: Response) -> str:
    """The answer's headers as a key keeps them (JSON; the length is the body's when replayed)."""
    return orjson.dumps({k: v for k, v in response.headers.items() if k.lower() != "content-length"}).decode()


def _replayed(row: Any) -> Response:
    headers = {**dict(jsonb(row["response_headers"]) or {}), REPLAYED: "true"}
    return Response(content=bytes(row["response_body"] or b""), status_code=row["response_status"],
                    headers=headers)


class CommandContext:
    """What a command route needs: `execute(fn)` runs `fn(tx)` in one event store transaction; `metadata`."""

    def __init__(self, request: Request, principal: Principal) -> None:
        self.request = request
        self.principal = principal
        key = request.headers.get(HEADER)
        if key is not None and (not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable()):
            raise IdempotencyKeyProblem(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters",
                                        field=HEADER)
        self.key = key
        raw = request.headers.get("x-correlation-id")
        try:
            correlation = UUID(raw) if raw else uuid7()
        except ValueError:
            correlation = uuid7()
        self.metadata = EventMetadata(correlation_id=correlation, actor=principal.subject,
                                      idempotency_key=key, traceparent=current_traceparent())
        self._lease: datetime | None = None

    @property
    def _database(self) -> Database:
        return runtime(self.request.app).database

    def _key(self) -> tuple[str, str | None, datetime | None]:
        return self.principal.subject, self.key, self._lease

    async def _request_hash(self) -> bytes:
        """The request's fingerprint: method, path, query (its parameters in any order) and body."""
        return request_fingerprint(self.request.method, self.request.url.path, self.request.url.query,
                                   await self.request.body())

    async def _reserve(self, request_hash: bytes) -> Response | None:
        """Take the key (None) or answer from what it holds: the stored reply, 422 or 409."""
        lease_s = float(self.request.app.state.settings.idempotency_lease_s)
        p, k = self.principal.subject, self.key
        async with self._database.statement() as sql:  # the common case: a new key, one round trip
            self._lease = await sql.fetchval(_RESERVE_ONE, p, k, self.request.method, self.request.url.path,
                                             request_hash, lease_s)
        if self._lease is not None:
            return None
        for _ in range(3):  # the holder may release the key between our insert and our look at it
            async with self._database.transaction() as sql:
                row = await sql.fetchrow(_EXISTING, p, k)
                if row is None:
                    self._lease = await sql.fetchval(_RESERVE_ONE, p, k, self.request.method,
                                                     self.request.url.path, request_hash, lease_s)
                    if self._lease is not None:
                        return None
                    continue
                if bytes(row["request_hash"]) != request_hash:
                    raise KeyReusedWithOtherPayload(f"{HEADER} was first used with another payload",
                                                    field=HEADER)
                if row["state"] == "done":
                    return _replayed(row)
                if row["locked"] and not await sql.fetchval(_HOLD_ONE, p, k):
                    raise RequestInFlight("the first request with this key has not finished; retry shortly",
                                          headers={"Retry-After": "1"})
                # Its lease ran out, or nobody holds the key's lock: the holder died (or was too slow).
                self._lease = await sql.fetchval(_TAKE_OVER, p, k, lease_s)
                return None
        raise RequestInFlight("this key is changing hands; retry shortly", headers={"Retry-After": "1"})

    async def _complete(self, sql: Sql, response: Response) -> bool:
        """Store the answer if this attempt still holds the key; False when another attempt took it over."""
        stored = await sql.fetchval(_COMPLETE_ONE, *self._key(), response.status_code, stored_headers(response),
                                    bytes(response.body))
        return stored is not None

    async def _release(self) -> None:
        try:
            async with self._database.statement() as sql:
                await sql.execute(_RELEASE_ONE, *self._key())
        except Exception:  # the lease will run out and the key be taken over then
            log.warning("could not release an idempotency key reservation", exc_info=True)

    @property
    def _units(self) -> UnitOfWorkFactory:
        return runtime(self.request.app).units

    async def _run(self, fn: CommandFn, uow: UnitOfWork) -> CommandResult:
        result = fn(uow)
        return await result if inspect.isawaitable(result) else result

    async def execute(self, fn: CommandFn, *, status_code: int = 200, require_key: bool = False,
                      headers: dict[str, str] | None = None) -> Response:
        """Run `fn(uow)` in one unit of work and answer with its result (a model, dict or None).

        `fn` must not commit: leaving the unit of work commits the events, the projections and the stored
        answer together.
        """
        if self.key is None:
            if require_key:
                raise IdempotencyKeyProblem(f"this command needs an {HEADER} header", field=HEADER)
            async with self._units.begin(self.metadata) as uow:
                result = await self._run(fn, uow)
            return _response(result, status_code, headers)
        replay = await self._reserve(await self._request_hash())
        if replay is not None:
            return replay
        try:
            async with self._units.begin(self.metadata) as uow:
                await uow.sql.fetchval(_HOLD_ONE, self.principal.subject, self.key)  # "alive and working on it"
                response = _response(await self._run(fn, uow), status_code, headers)
                if not await self._complete(uow.sql, response):
                    raise LeaseLost("this attempt outlived its lease and another took the key over",
                                    headers={"Retry-After": "1"})
            return response
        except LeaseLost:
            raise
        except DomainError as err:
            answer = domain_problem(err, self.request.url.path)
            if _remembered(err):
                async with self._database.statement() as sql:
                    await self._complete(sql, answer)
            else:
                await self._release()
            return answer
        except BaseException:
            await self._release()
            raise


async def command_context(request: Request, principal: PrincipalDep) -> CommandContext:
    return CommandContext(request, principal)


CommandDep = Annotated[CommandContext, Depends(command_context)]

__all__ = ["HEADER", "PROBLEM_JSON", "REPLAYED", "CommandContext", "CommandDep", "CommandFn",
           "request_fingerprint", "store_answer_sql", "stored_headers"]
