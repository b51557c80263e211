"""The public reads that differ on every request, answered without a transaction: inclusion and consistency
proofs, receipts, and the names the verification page asks for (`/verifikasi/konteks`).

Each of them used to open a read-only transaction through the routes' dependency (BEGIN, two or three queries,
ROLLBACK) and pass FastAPI's parameter and response models, and no answer repeats often enough to be remembered
(a proof per leaf, a receipt per payment). Here a GET of one of them, with the plain query the page's script and
verifiers send, is answered from one statement on a pooled connection (a receipt: two, the nodes of its proof
being known only once its leaf is found), and written as the route writes it: the same JSON, byte for byte, the
same content type. No snapshot is needed: leaves, nodes and checkpoints are only ever appended, so a size read
first still has every node it needs when they are read.

Anything else — an argument out of bounds, a duplicate, a proof past the log's size, a receipt not found, a
database that fails — goes to the documented route untouched (nothing is sent before): its 422, 404 and errors
stay its own. The kit's middlewares (security headers, rate limits, metrics) are outside this one and see every
request; a request answered here counts under its route's template.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.domain import merkle
from canvas_projector.entrypoints.api.portal import moment
from canvas_projector.entrypoints.state import projector_state
from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.domain.bounds import INT16_MAX, INT64_MAX
from gotong.reference import region_names

#: The log's size and, when it reaches the size asked for, the nodes a proof needs (one row each).
_PROOF = ("SELECT s.size, n.level, n.idx, n.hash "
          "FROM (SELECT coalesce(max(idx) + 1, 0) AS size FROM tlog_leaves) s "
          "LEFT JOIN (tlog_nodes n JOIN unnest($1::int2[], $2::int8[]) AS w(level, idx) "
          "ON n.level = w.level AND n.idx = w.idx) ON s.size >= $3")
#: A payment's newest leaf of that status (and attempt) beside the latest checkpoint (`TransparencyLogTable.
#: leaf_of` and `latest_note` in one statement).
_RECEIPT = ("SELECT l.idx, l.leaf, c.size, c.note "
            "FROM (SELECT size, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1) c "
            "JOIN LATERAL (SELECT idx, leaf FROM tlog_leaves WHERE payment_id = $1 "
            "AND convert_from(leaf, 'UTF8')::jsonb->>'status' = $2 "
            "AND ($3::int IS NULL OR coalesce((convert_from(leaf, 'UTF8')::jsonb->>'attempt')::int, 1) = $3) "
            "ORDER BY idx DESC LIMIT 1) l ON true")
#: A program's name and when the checkpoint of a size was signed (NULL for what is not asked or not there).
_CONTEXT = ("SELECT (SELECT name FROM proj_programs WHERE code = $1 LIMIT 1) AS program, "
            "(SELECT signed_at FROM tlog_checkpoints WHERE size = $2) AS signed_at")

_DIGITS = re.compile(r"[0-9]{1,19}")
_RECEIPTS = "/transparency/receipts/"
_STATUSES = frozenset({"instructed", "paid", "failed", "returned", "reissued"})

Handler = Callable[[Scope, Sql], Awaitable[Any]]


def _query(scope: Scope, allowed: frozenset[str]) -> dict[str, str] | None:
    """The query's arguments, or None when one is not among `allowed` or comes twice (the route decides)."""
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    found = dict(pairs)
    if len(found) != len(pairs) or not found.keys() <= allowed:
        return None
    return found


def _int(value: str | None, low: int, high: int) -> int | None:
    """A whole number within bounds, written as plain digits (anything else: the route answers)."""
    if value is None or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


async def _proof(sql: Sql, size: int, plan: Callable[[merkle.NodeSource], list[bytes]]) -> list[str] | None:
    """`plan`'s proof from the nodes of one statement, or None when the log has not reached `size`."""
    wanted = sorted(merkle.nodes_needed(plan))
    rows = await sql.fetch(_PROOF, [w[0] for w in wanted], [w[1] for w in wanted], size)
    if rows[0]["size"] < size:
        return None
    return _b64(plan(merkle.MappingSource({(r["level"], r["idx"]): bytes(r["hash"]) for r in rows
                                          if r["level"] is not None})))


async def inclusion(scope: Scope, sql: Sql) -> dict[str, Any] | None:
    """`/transparency/proof/inclusion?index=&size=` as `transparency.inclusion` answers it."""
    query = _query(scope, frozenset({"index", "size"}))
    if query is None:
        return None
    index, size = _int(query.get("index"), 0, INT64_MAX), _int(query.get("size"), 1, INT64_MAX)
    if index is None or size is None or index >= size:
        return None
    proof = await _proof(sql, size, lambda s: merkle.inclusion_proof(s, index, size))
    return None if proof is None else {"index": index, "size": size, "proof": proof}


async def consistency(scope: Scope, sql: Sql) -> dict[str, Any] | None:
    """`/transparency/proof/consistency?old=&new=` as `transparency.consistency` answers it."""
    query = _query(scope, frozenset({"old", "new"}))
    if query is None:
        return None
    old, new = _int(query.get("old"), 1, INT64_MAX), _int(query.get("new"), 1, INT64_MAX)
    if old is None or new is None or old > new:
        return None
    proof = await _proof(sql, new, lambda s: merkle.consistency_proof(s, old, new))
    return None if proof is None else {"old": old, "new": new, "proof": proof}


async def receipt(scope: Scope, sql: Sql) -> dict[str, Any] | None:
    """`/transparency/receipts/{payment_id}?status=&attempt=` as `transparency.receipt` answers it."""
    query = _query(scope, frozenset({"status", "attempt"}))
    if query is None:
        return None
    status = query.get("status", "paid")
    attempt = _int(query["attempt"], 1, INT16_MAX) if "attempt" in query else None
    if status not in _STATUSES or ("attempt" in query and attempt is None):
        return None
    payment_id = scope["path"].removeprefix(_RECEIPTS)
    row = await sql.fetchrow(_RECEIPT, payment_id, status, attempt)
    if row is None or row["idx"] >= row["size"]:
        return None  # not under a signed checkpoint (yet): the route's 404
    index, size = row["idx"], row["size"]
    proof = await transparency.inclusion_proof(TransparencyLogTable(sql), index, size)
    return projector_state(scope["app"]).tlog.receipt(bytes(row["leaf"]), index, size, proof, row["note"])


async def context(scope: Scope, sql: Sql) -> dict[str, Any] | None:
    """`/verifikasi/konteks?region=&program=&size=&lang=` as `pages.verify_context` answers it."""
    query = _query(scope, frozenset({"lang", "region", "program", "size"}))
    if query is None:
        return None
    lang, region, program = query.get("lang", "id"), query.get("region", ""), query.get("program", "")
    size = _int(query["size"], 0, INT64_MAX) if "size" in query else 0
    if lang not in ("id", "en") or len(region) > 40 or len(program) > 100 or size is None:
        return None
    names = region_names(4)
    parts = region.split(".")
    areas = [names[c] for c in (".".join(parts[:n]) for n in range(len(parts), 0, -1)) if c in names]
    row = await sql.fetchrow(_CONTEXT, program or None, size or None)
    assert row is not None  # a SELECT without FROM has its one row
    return {"region": ", ".join(areas), "program": row["program"] or "",
            "signed_at": moment(row["signed_at"], lang) if row["signed_at"] else ""}


def _handler(path: str) -> Handler | None:
    if path == "/transparency/proof/inclusion":
        return inclusion
    if path == "/transparency/proof/consistency":
        return consistency
    if path == "/verifikasi/konteks":
        return context
    if path.startswith(_RECEIPTS) and "/" not in path[len(_RECEIPTS):] and len(path) > len(_RECEIPTS):
        return receipt
    return None


def _route_of(routes: list[BaseRoute], path: str) -> BaseRoute | None:
    """The documented route whose template a request answered here counts under (the metrics label)."""
    template = "/transparency/receipts/{payment_id}" if path.startswith(_RECEIPTS) else path
    return next((r for r in routes if isinstance(r, APIRoute) and r.path == template), None)


class FastReads:
    """ASGI middleware, inside the page cache: the reads above in one statement, everything else to the app."""

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = _handler(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        body = await self._answer(handler, scope) if handler is not None else None
        if body is None:
            await self.app(scope, receive, send)
            return
        route = _route_of(self.routes, scope["path"])
        if route is not None:
            scope["route"] = route
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    async def _answer(handler: Handler, scope: Scope) -> bytes | None:
        """The answer's JSON as Starlette's JSONResponse writes it, or None: the route answers (nothing sent)."""
        try:
            async with runtime(scope["app"]).database.statement() as sql:
                content = await handler(scope, sql)
        except Exception:  # noqa: BLE001 - the route answers instead, with its own errors
            return None
        if content is None:
            return None
        return json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None,
                          separators=(",", ":")).encode("utf-8")


def install(app: FastAPI) -> None:
    """Innermost of the app's middlewares (after the page cache): the kit's see every request first."""
    app.user_middleware.append(Middleware(FastReads, routes=app.routes))
