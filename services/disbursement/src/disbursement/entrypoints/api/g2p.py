"""G2P Connect callbacks from the payment channel: `on-disburse` and `txn/on-status`. Authenticated by the
message signature (HMAC with the channel's shared key), answered with a G2P `Ack`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from disbursement.adapters import g2p
from disbursement.application.payments import record_reports
from disbursement.entrypoints.state import service
from gotong.api.app import runtime
from gotong.eventstore import EventMetadata

router = APIRouter(prefix="/g2p", tags=["g2p-connect"])


def _err(correlation: str, code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse(g2p.ack(correlation, "ERR", {"code": code, "message": message}), status_code=status)


async def _receive(request: Request, model: type[Any]) -> tuple[Any, JSONResponse | None]:
    try:
        raw = await request.json()
    except ValueError:
        return None, _err("", "err.request.bad", "body is not JSON", 400)
    if not isinstance(raw, dict) or not g2p.verify(raw, service(request.app).settings.channel_secret):
        return None, _err("", "err.signature.invalid", "signature missing or invalid", 401)
    try:
        return model.model_validate(raw), None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return None, _err("", "err.request.bad", f"{where}: {first['msg']}", 400)


@router.post("/on-disburse", summary="G2P Connect on-disburse: the channel reports payment outcomes")
async def on_disburse(request: Request) -> JSONResponse:
    envelope, error = await _receive(request, g2p.OnDisburseEnvelope)
    if error is not None:
        return error
    return await _apply(request, envelope.header.message_id, envelope.message.disbursements_status)


@router.post("/disburse/txn/on-status", summary="G2P Connect txn on-status: answer to a txn/status query")
async def on_status(request: Request) -> JSONResponse:
    envelope, error = await _receive(request, g2p.OnTxnStatusEnvelope)
    if error is not None:
        return error
    return await _apply(request, envelope.header.message_id,
                        envelope.message.txnstatus_response.txn_status.disbursements_status)


async def _apply(request: Request, message_id: str, statuses: list[g2p.DisbursementStatus]) -> JSONResponse:
    async with runtime(request.app).units.begin(EventMetadata(actor="channel:g2p")) as uow:
        await record_reports(uow, statuses)
    return JSONResponse(g2p.ack(message_id))
