"""The public transparency API: checkpoints, proofs and receipts anyone can verify offline (no login)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from canvas_projector.transparency.log import TransparencyLog
from gotong.api.problem import problem_responses
from gotong.domain.bounds import INT16_MAX, INT64_MAX
from gotong.domain.errors import NotFound, ValidationFailed
from gotong.eventstore.postgres import driver_connection

router = APIRouter(prefix="/transparency", tags=["transparency"])
#: A leaf index or tree size: the log's positions are `bigint`.
Position = Annotated[int, Query(ge=0, le=INT64_MAX)]
Size = Annotated[int, Query(ge=1, le=INT64_MAX)]


async def _driver_call(request: Request, fn: Any) -> Any:
    async with request.app.state.engine.connect() as conn:
        return await fn(await driver_connection(conn, begin=False))


def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(i).decode() for i in items]


@router.get("/checkpoint", response_class=PlainTextResponse, responses=problem_responses(404),
            summary="The latest signed checkpoint (C2SP signed note)")
async def latest_checkpoint(request: Request) -> PlainTextResponse:
    note = await _driver_call(request, lambda d: d.fetchval(
        "SELECT note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1"))
    if note is None:
        raise NotFound("no checkpoint has been signed yet")
    return PlainTextResponse(note, media_type="text/plain; charset=utf-8")


@router.get("/checkpoints", summary="Checkpoint history, newest first")
async def checkpoints(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    rows = await _driver_call(request, lambda d: d.fetch(
        "SELECT size, root, note, signed_at FROM tlog_checkpoints ORDER BY size DESC LIMIT $1", limit))
    return [{"size": r["size"], "root": base64.b64encode(bytes(r["root"])).decode(), "note": r["note"],
             "signed_at": r["signed_at"].isoformat()} for r in rows]


@router.get("/key", response_class=PlainTextResponse, summary="The log's verifier key (C2SP vkey format)")
async def key(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.app.state.tlog.verifier_key)


@router.get("/proof/inclusion", responses=problem_responses(422),
            summary="Inclusion proof of leaf `index` in a tree of `size`")
async def inclusion(request: Request, index: Position, size: Size) -> dict[str, Any]:
    async def run(d: Any) -> list[bytes]:
        if size > await TransparencyLog.size(d) or index >= size:
            raise ValidationFailed("index must be below size, and size at most the log's size", field="size")
        return await TransparencyLog.inclusion_proof(d, index, size)

    return {"index": index, "size": size, "proof": _b64(await _driver_call(request, run))}


@router.get("/proof/consistency", responses=problem_responses(422),
            summary="Consistency proof between two tree sizes")
async def consistency(request: Request, old: Size, new: Size) -> dict[str, Any]:
    async def run(d: Any) -> list[bytes]:
        if old > new or new > await TransparencyLog.size(d):
            raise ValidationFailed("need 1 <= old <= new <= the log's size", field="old")
        return await TransparencyLog.consistency_proof(d, old, new)

    return {"old": old, "new": new, "proof": _b64(await _driver_call(request, run))}


@router.get("/receipts/{payment_id}", responses=problem_responses(404),
            summary="A payment's receipt: record, leaf index, inclusion proof and signed checkpoint")
async def receipt(request: Request, payment_id: str,
                  status: Annotated[str, Query(pattern="^(instructed|paid|failed|returned|reissued)$")] = "paid",
                  attempt: Annotated[int | None, Query(ge=1, le=INT16_MAX, description="default: the latest")] = None,
                  ) -> dict[str, Any]:
    found = await _driver_call(request, lambda d: request.app.state.tlog.receipt(d, payment_id, status, attempt))
    if found is None:
        raise NotFound("no such record under a signed checkpoint yet", field="payment_id")
    return found  # type: ignore[no-any-return]
