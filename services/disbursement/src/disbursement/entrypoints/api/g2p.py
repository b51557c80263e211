"""G2P Connect callbacks from the payment channel: `on-disburse` and `txn/on-status`, answered with a G2P `Ack`.

Authenticated by the message signature (Ed25519, the spec's `MsgSignature`) under one of the channel's trusted
public keys, within its `created`..`expires` (give or take a small clock skew); a message accepted once is
refused if it comes again (`g2p_callbacks`, in the database: it holds across restarts and replicas)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from disbursement.adapters import g2p
from disbursement.adapters.g2p_signature import SignatureRejected, digest, verify
from disbursement.application.payments import SignedCallback, record_callback
from disbursement.entrypoints.api.answers import G2pAck
from disbursement.entrypoints.state import service
from gotong.api.app import runtime
from gotong.eventstore import EventMetadata

router = APIRouter(prefix="/g2p", tags=["g2p-connect"])
#: Refusals are G2P acknowledgements too (`application/json`, not problem+json), as the spec has them.
REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": G2pAck, "description": "ERR: not JSON, or not the action's message (err.request.bad)"},
    401: {"model": G2pAck, "description": "ERR: signature missing, invalid, expired or of an unknown key"},
    409: {"model": G2pAck, "description": "NACK: this message was accepted before (rjct.message_id.duplicate)"}}


def _err(correlation: str, code: str, message: str, status: int,
         ack: g2p.AckStatus = "ERR") -> JSONResponse:
    return JSONResponse(g2p.ack(correlation, ack, {"code": code, "message": message}), status_code=status)


async def _receive(request: Request, model: type[Any]) -> tuple[Any, SignedCallback] | JSONResponse:
    """The verified message and what the replay guard keeps of it, or the G2P error to answer with."""
    try:
        raw = await request.json()
    except ValueError:
        return _err("", "err.request.bad", "body is not JSON", 400)
    if not isinstance(raw, dict):
        return _err("", "err.request.bad", "body is not a G2P message object", 400)
    settings = service(request.app).settings
    try:
        signed = verify(raw, keys=service(request.app).callback_keys,
                        now=int(runtime(request.app).clock.now().timestamp()),
                        max_ttl_s=settings.g2p_signature_max_ttl_s, skew_s=settings.g2p_clock_skew_s)
    except SignatureRejected as err:
        return _err("", err.code, err.message, 401)
    try:
        envelope = model.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _err("", "err.request.bad", f"{where}: {first['msg']}", 400)
    return envelope, SignedCallback(
        sender_id=signed.sender_id, message_id=envelope.header.message_id, action=envelope.header.action,
        digest=digest(raw["header"], raw["message"]), expires_at=datetime.fromtimestamp(signed.expires, UTC))


@router.post("/on-disburse", response_model=G2pAck, responses=REFUSALS,
             summary="G2P Connect on-disburse: the channel reports payment outcomes")
async def on_disburse(request: Request) -> JSONResponse:
    received = await _receive(request, g2p.OnDisburseEnvelope)
    if isinstance(received, JSONResponse):
        return received
    envelope, callback = received
    return await _apply(request, envelope, callback, envelope.message.disbursements_status,
                        envelope.message.transaction_id)


@router.post("/disburse/txn/on-status", response_model=G2pAck, responses=REFUSALS,
             summary="G2P Connect txn on-status: answer to a txn/status query")
async def on_status(request: Request) -> JSONResponse:
    received = await _receive(request, g2p.OnTxnStatusEnvelope)
    if isinstance(received, JSONResponse):
        return received
    envelope, callback = received
    return await _apply(request, envelope, callback,
                        envelope.message.txnstatus_response.txn_status.disbursements_status)


async def _apply(request: Request, envelope: Any, callback: SignedCallback,
                 statuses: list[g2p.DisbursementStatus], transaction_id: str | None = None) -> JSONResponse:
    header = envelope.header
    async with runtime(request.app).units.begin(EventMetadata(actor="channel:g2p")) as uow:
        outcome = await record_callback(uow, callback, statuses, transaction_id)
    if outcome is None:
        return _err(header.message_id, "err.request.bad",
                    f"rjct.message_id.duplicate: message {header.message_id} from {callback.sender_id} was "
                    "accepted before; a replayed callback is refused", 409, ack="NACK")
    return JSONResponse(g2p.ack(header.message_id))
