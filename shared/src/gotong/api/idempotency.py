"""Commands in one transaction, with `Idempotency-Key` as in the IETF httpapi idempotency-key draft.

A key is reserved in its own short transaction; the command's events and the stored answer commit together,
so a crash between commit and reply still replays the first answer. Same key + same payload: the first
answer again (`Idempotent-Replayed: true`). Same key + another payload: 422. A retry while the first is in
flight: 409.
A reservation whose holder died is taken over at once: a live holder keeps a transaction-level advisory lock
on the key while its command runs, so a retry that can take that lock knows nobody is working on the key (its
process crashed, its connection is gone). A holder that is alive but slow keeps the key until its lease runs
out; the lease's expiry time doubles as a fencing token, so a holder that lost its key cannot commit after
someone took it over.
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
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from uuid6 import uuid7

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

_RESERVE = text(
    "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, state, locked_until) "
    "VALUES (:p, :k, :m, :path, :h, 'in_flight', now() + make_interval(secs => :lease)) "
    "ON CONFLICT (principal, key) DO NOTHING RETURNING locked_until")
_EXISTING = text(
    "SELECT request_hash, state, locked_until > now() AS locked, response_status, response_headers, "
    "response_body FROM idempotency_keys WHERE principal = :p AND key = :k FOR UPDATE")
_TAKE_OVER = text(
    "UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => :lease) "
    "WHERE principal = :p AND key = :k RETURNING locked_until")
_COMPLETE = text(
    "UPDATE idempotency_keys SET state = 'done', locked_until = NULL, response_status = :s, "
    "response_headers = CAST(:hd AS jsonb), response_body = :b "
    "WHERE principal = :p AND key = :k AND state = 'in_flight' AND locked_until = :lease RETURNING 1")
# Two-key form (class 7411): a space of its own, apart from the relay's and the migrations' one-key locks.
_HOLD = text("SELECT pg_try_advisory_xact_lock(7411, hashtext(:p || '|' || :k))")
_RELEASE = text("DELETE FROM idempotency_keys "
                "WHERE principal = :p AND key = :k AND state = 'in_flight' AND locked_until = :lease")


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
    def _engine(self) -> Any:
        return self.request.app.state.engine

    def _params(self, **more: Any) -> dict[str, Any]:
        return {"p": self.principal.subject, "k": self.key, "lease": self._lease, **more}

    async def _request_hash(self) -> bytes:
        """The request's fingerprint: method, path, query (its parameters in any order) and body."""
        body = await self.request.body()
        parts = [self.request.method.encode(), self.request.url.path.encode(), body]
        query = sorted(parse_qsl(self.request.url.query, keep_blank_values=True))
        if query:  # before the body (which never starts with "?"); none: the fingerprint keys stored before had
            parts.insert(2, b"?" + urlencode(query).encode())
        return hashlib.sha256(b"\n".join(parts)).digest()

    async def _reserve(self, request_hash: bytes) -> Response | None:
        """Take the key (None) or answer from what it holds: the stored reply, 422 or 409."""
        lease_s = self.request.app.state.settings.idempotency_lease_s
        params = {"p": self.principal.subject, "k": self.key, "m": self.request.method,
                  "path": self.request.url.path, "h": request_hash, "lease": lease_s}
        for _ in range(3):  # the holder may release the key between our insert and our look at it
            async with self._engine.begin() as conn:
                self._lease = (await conn.execute(_RESERVE, params)).scalar_one_or_none()
                if self._lease is not None:
                    return None
                row = (await conn.execute(_EXISTING, params)).first()
                if row is None:
                    continue
                if bytes(row.request_hash) != request_hash:
                    raise KeyReusedWithOtherPayload(f"{HEADER} was first used with another payload",
                                                    field=HEADER)
                if row.state == "done":
                    headers = {**dict(row.response_headers or {}), REPLAYED: "true"}
                    return Response(content=bytes(row.response_body or b""), status_code=row.response_status,
                                    headers=headers)
                if row.locked and not (await conn.execute(_HOLD, params)).scalar_one():
                    raise RequestInFlight("the first request with this key has not finished; retry shortly",
                                          headers={"Retry-After": "1"})
                # Its lease ran out, or nobody holds the key's lock: the holder died (or was too slow).
                self._lease = (await conn.execute(_TAKE_OVER, params)).scalar_one()
                return None
        raise RequestInFlight("this key is changing hands; retry shortly", headers={"Retry-After": "1"})

    async def _complete(self, conn: AsyncConnection, response: Response) -> bool:
        """Store the answer if this attempt still holds the key; False when another attempt took it over."""
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        stored = await conn.execute(_COMPLETE, self._params(
            s=response.status_code, hd=orjson.dumps(headers).decode(), b=bytes(response.body)))
        return stored.first() is not None

    async def _release(self) -> None:
        try:
            async with self._engine.begin() as conn:
                await conn.execute(_RELEASE, self._params())
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
                await uow.sql.run(_HOLD, self._params())  # "alive and working on it", until commit
                response = _response(await self._run(fn, uow), status_code, headers)
                if not await self._complete(uow.sql.connection, response):
                    raise LeaseLost("this attempt outlived its lease and another took the key over",
                                    headers={"Retry-After": "1"})
            return response
        except LeaseLost:
            raise
        except DomainError as err:
            answer = domain_problem(err, self.request.url.path)
            if _remembered(err):
                async with self._engine.begin() as conn:
                    await self._complete(conn, answer)
            else:
                await self._release()
            return answer
        except BaseException:
            await self._release()
            raise


async def command_context(request: Request, principal: PrincipalDep) -> CommandContext:
    return CommandContext(request, principal)


CommandDep = Annotated[CommandContext, Depends(command_context)]

__all__ = ["HEADER", "PROBLEM_JSON", "REPLAYED", "CommandContext", "CommandDep", "CommandFn"]
