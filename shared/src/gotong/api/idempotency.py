"""Commands in one transaction, with `Idempotency-Key` as in the IETF httpapi idempotency-key draft.

A key is reserved in its own short transaction; the command's events and the stored answer commit together, so a
crash between commit and reply still replays the first answer. Same key + same payload: the first answer again
(`Idempotent-Replayed: true`). Same key + another payload: 422. A retry while the first is in flight: 409. A
reservation whose holder died is taken over when its lease runs out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from uuid6 import uuid7

from gotong.api.auth import Principal, PrincipalDep
from gotong.api.problem import PROBLEM_JSON, domain_problem
from gotong.domain.errors import DomainError
from gotong.eventstore.model import EventMetadata
from gotong.eventstore.port import EventStoreTx
from gotong.observability.tracing import current_traceparent

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

CommandFn = Callable[[EventStoreTx], Awaitable[Any]]


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


def _serialize(result: Any) -> bytes:
    if result is None:
        return b""
    if isinstance(result, BaseModel):
        return result.model_dump_json().encode()
    return orjson.dumps(result, default=_default)


def _default(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, UUID):
        return str(obj)
    raise TypeError(type(obj).__name__)


class CommandContext:
    def __init__(self, request: Request, principal: Principal) -> None:
        self.request = request
        self.principal = principal
        key = request.headers.get(HEADER)
        if key is not None and (not key.strip() or len(key) > MAX_KEY_LENGTH):
            raise IdempotencyKeyProblem(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters", field=HEADER)
        self.key = key
        raw = request.headers.get("x-correlation-id")
        try:
            correlation = UUID(raw) if raw else uuid7()
        except ValueError:
            correlation = uuid7()
        self.metadata = EventMetadata(correlation_id=correlation, actor=principal.subject, idempotency_key=key,
                                      traceparent=current_traceparent())

    @property
    def _engine(self) -> Any:
        return self.request.app.state.engine

    async def _request_hash(self) -> bytes:
        body = await self.request.body()
        return hashlib.sha256(b"\n".join([self.request.method.encode(), self.request.url.path.encode(), body])).digest()

    async def _reserve(self, request_hash: bytes) -> Response | None:
        lease = self.request.app.state.settings.idempotency_lease_s
        params = {"p": self.principal.subject, "k": self.key, "m": self.request.method, "path": self.request.url.path,
                  "h": request_hash, "lease": lease}
        async with self._engine.begin() as conn:
            inserted = (await conn.execute(text(
                "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, state, locked_until) "
                "VALUES (:p, :k, :m, :path, :h, 'in_flight', now() + make_interval(secs => :lease)) "
                "ON CONFLICT (principal, key) DO NOTHING RETURNING 1"), params)).first()
            if inserted:
                return None
            row = (await conn.execute(text(
                "SELECT request_hash, state, locked_until > now() AS locked, response_status, response_headers, "
                "response_body FROM idempotency_keys WHERE principal = :p AND key = :k FOR UPDATE"), params)).one()
            if bytes(row.request_hash) != request_hash:
                raise KeyReusedWithOtherPayload(f"{HEADER} was first used with another payload", field=HEADER)
            if row.state == "done":
                headers = dict(row.response_headers or {})
                headers["Idempotent-Replayed"] = "true"
                return Response(content=bytes(row.response_body or b""), status_code=row.response_status,
                                headers=headers)
            if row.locked:
                raise RequestInFlight("the first request with this key has not finished; retry shortly",
                                      headers={"Retry-After": "1"})
            await conn.execute(text(  # the first holder died: take its reservation over
                "UPDATE idempotency_keys SET locked_until = now() + make_interval(secs => :lease) "
                "WHERE principal = :p AND key = :k"), params)
        return None

    async def _complete(self, conn: AsyncConnection, response: Response) -> None:
        headers = {k: v for k, v in response.headers.items() if k.lower() in {"content-type", "location"}}
        await conn.execute(text(
            "UPDATE idempotency_keys SET state = 'done', locked_until = NULL, response_status = :s, "
            "response_headers = CAST(:hd AS jsonb), response_body = :b WHERE principal = :p AND key = :k"),
            {"s": response.status_code, "hd": orjson.dumps(headers).decode(), "b": bytes(response.body),
             "p": self.principal.subject, "k": self.key})

    async def _release(self) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                text("DELETE FROM idempotency_keys WHERE principal = :p AND key = :k AND state <> 'done'"),
                {"p": self.principal.subject, "k": self.key})

    async def execute(self, fn: CommandFn, *, status_code: int = 200, require_key: bool = False,
                      headers: dict[str, str] | None = None) -> Response:
        """Run `fn(tx)` in one event store transaction and answer with its result (a model, dict or None)."""
        if self.key is None:
            if require_key:
                raise IdempotencyKeyProblem(f"this command needs an {HEADER} header", field=HEADER)
            async with self.request.app.state.store.transaction() as tx:
                result = await fn(tx)
            return _response(result, status_code, headers)
        replay = await self._reserve(await self._request_hash())
        if replay is not None:
            return replay
        try:
            async with self.request.app.state.store.transaction() as tx:
                response = _response(await fn(tx), status_code, headers)
                await self._complete(tx.connection, response)
            return response
        except DomainError as err:
            answer = domain_problem(err, self.request.url.path)
            # A refusal is the answer to keep; a conflict or overload depends on timing, so a retry may try again.
            if err.status < 500 and err.status not in (409, 429):
                async with self._engine.begin() as conn:
                    await self._complete(conn, answer)
            else:
                await self._release()
            return answer
        except BaseException:
            await self._release()
            raise


def _response(result: Any, status_code: int, headers: dict[str, str] | None) -> Response:
    if isinstance(result, Response):
        return result
    body = _serialize(result)
    return Response(content=body, status_code=status_code if body or status_code != 200 else 204,
                    media_type="application/json" if body else None, headers=headers)


async def command_context(request: Request, principal: PrincipalDep) -> CommandContext:
    return CommandContext(request, principal)


CommandDep = Annotated[CommandContext, Depends(command_context)]

__all__ = ["HEADER", "PROBLEM_JSON", "CommandContext", "CommandDep"]
