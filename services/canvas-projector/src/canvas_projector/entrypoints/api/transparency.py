"""The public transparency API: checkpoints, proofs and receipts anyone can verify offline (no login)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.entrypoints.api import answers as a
from canvas_projector.entrypoints.api.deps import ReadDep
from canvas_projector.entrypoints.state import StateDep
from gotong.api.problem import problem_responses
from gotong.domain.bounds import INT16_MAX, INT64_MAX
from gotong.domain.errors import NotFound

router = APIRouter(prefix="/transparency", tags=["transparency"])
#: A leaf index or tree size: the log's positions are `bigint`.
Position = Annotated[int, Query(ge=0, le=INT64_MAX)]
Size = Annotated[int, Query(ge=1, le=INT64_MAX)]


def _b64(items: list[bytes]) -> list[str]:
    return [base64.b64encode(i).decode() for i in items]


@router.get("/checkpoint", response_class=PlainTextResponse, responses={**problem_responses(404), 200: {
    "description": "The C2SP signed note", "content": {"text/plain": {"schema": {"type": "string"}}}}},
            summary="The latest signed checkpoint (C2SP signed note)")
async def latest_checkpoint(sql: ReadDep) -> PlainTextResponse:
    latest = await TransparencyLogTable(sql).latest_note()
    if latest is None:
        raise NotFound("no checkpoint has been signed yet")
    return PlainTextResponse(latest[1], media_type="text/plain; charset=utf-8")


@router.get("/checkpoints", response_model=list[a.CheckpointEntry], summary="Checkpoint history, newest first")
async def checkpoints(sql: ReadDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    return [{"size": size, "root": base64.b64encode(root).decode(), "note": note, "signed_at": signed_at.isoformat()}
            for size, root, note, signed_at in await TransparencyLogTable(sql).checkpoints(limit)]


@router.get("/key", response_class=PlainTextResponse, responses={200: {
    "description": "The verifier key", "content": {"text/plain": {"schema": {"type": "string"}}}}},
            summary="The log's verifier key (C2SP vkey format)")
async def key(state: StateDep) -> PlainTextResponse:
    return PlainTextResponse(state.tlog.verifier_key)


@router.get("/proof/inclusion", response_model=a.InclusionProof, responses=problem_responses(422),
            summary="Inclusion proof of leaf `index` in a tree of `size`")
async def inclusion(sql: ReadDep, index: Position, size: Size) -> dict[str, Any]:
    proof = await transparency.checked_inclusion_proof(TransparencyLogTable(sql), index, size)
    return {"index": index, "size": size, "proof": _b64(proof)}


@router.get("/proof/consistency", response_model=a.ConsistencyProof, responses=problem_responses(422),
            summary="Consistency proof between two tree sizes")
async def consistency(sql: ReadDep, old: Size, new: Size) -> dict[str, Any]:
    proof = await transparency.checked_consistency_proof(TransparencyLogTable(sql), old, new)
    return {"old": old, "new": new, "proof": _b64(proof)}


@router.get("/receipts/{payment_id}", response_model=a.Receipt, responses=problem_responses(404),
            summary="A payment's receipt: record, leaf index, inclusion proof and signed checkpoint")
async def receipt(sql: ReadDep, state: StateDep, payment_id: str,
                  status: Annotated[str, Query(pattern="^(instructed|paid|failed|returned|reissued)$")] = "paid",
                  attempt: Annotated[int | None, Query(ge=1, le=INT16_MAX, description="default: the latest")] = None,
                  ) -> dict[str, Any]:
    found = await transparency.receipt(TransparencyLogTable(sql), state.tlog, payment_id, status, attempt)
    if found is None:
        raise NotFound("no such record under a signed checkpoint yet", field="payment_id")
    return found
