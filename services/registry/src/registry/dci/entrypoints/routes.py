"""The DCI endpoints under `/dci`: the Social Registry v1.0.0 paths plus subscribe/unsubscribe of the
registry core API, and the JWKS of the key that signs everything the registry sends.

Scopes: `dci:search` (search, txn status), `dci:subscribe` (subscribe, unsubscribe); what records hold is
widened by `dci:search:identity` and `dci:search:socioeconomic` (see `domain/records.py`).
Replays: a (sender_id, message_id) is processed once; a replay gets HTTP 409 with `ack_status: NACK`,
`rjct.message_id.duplicate` and the first message's correlation_id (ask txn/status for its outcome).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from uuid6 import uuid7

from gotong.api.app import runtime
from registry.dci.adapters.callbacks import CallbackRefused
from registry.dci.application import handlers
from registry.dci.application.context import Dci, Received, now_iso
from registry.dci.application.errors import DciError
from registry.dci.domain.schemas import (
    Ack,
    AckMessage,
    SearchRequest,
    SubscribeRequest,
    TxnStatusRequest,
    UnsubscribeRequest,
    envelope_body,
)
from registry.dci.entrypoints.answers import Jwks, OnSearch, TxnOnStatus
from registry.dci.entrypoints.inbound import dci, receive

router = APIRouter(prefix="/dci", tags=["DCI (ministries)"])
_HTTP_ERROR = {"type": "object", "required": ["errors"], "properties": {"errors": {"type": "array", "items": {
    "type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}
_NACK = {"type": "object", "properties": {"message": {"type": "object", "properties": {
    "ack_status": {"type": "string", "enum": ["ACK", "NACK", "ERR"]}, "timestamp": {"type": "string"},
    "error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
    "correlation_id": {"type": "string"}}}, "header": {"type": "object", "properties": {
        "status": {"type": "string"}, "status_reason_code": {"type": "string"},
        "status_reason_message": {"type": "string"}}}}}
#: Refusals in the DCI YAML's own shapes, `application/json` (see `entrypoints.responses`): 401, 403 and 5xx
#: are `HttpErrorResponse`; the others the path's `default` (the acknowledgement, or a sync answer's header).
ERRORS: dict[int | str, dict[str, Any]] = {
    **{s: {"description": "HttpErrorResponse", "content": {"application/json": {"schema": _HTTP_ERROR}}}
       for s in (401, 403, 500, 503)},
    **{s: {"description": "refused: the acknowledgement with ack_status ERR/NACK, or on a sync path the answer's "
           "header with status rjct", "content": {"application/json": {"schema": _NACK}}}
       for s in (400, 409, 413, 422, 429)}}
SEARCH, SUBSCRIBE = "dci:search", "dci:subscribe"


def ack(correlation_id: str) -> JSONResponse:
    body = Ack(message=AckMessage(ack_status="ACK", timestamp=now_iso(), correlation_id=correlation_id))
    return JSONResponse(body.model_dump(exclude_none=True))


async def _callback(ctx: Dci, received: Received[Any], action: str) -> str:
    """Where the answer will go: checked now (and again when it is sent)."""
    url = ctx.callback_url(received.client, received.header.sender_uri, action)
    if url is None:
        raise DciError("err.sender_uri.invalid", "no callback: send header.sender_uri or register a callback_base",
                       field="header.sender_uri")
    try:
        return await ctx.policy.check(received.client, url)
    except CallbackRefused as err:
        raise DciError("err.sender_uri.invalid", f"callback refused: {err}", field="header.sender_uri") from err


@router.get("/.well-known/jwks.json", response_model=Jwks,
            summary="The public keys that sign the registry's DCI messages (RFC 7517)")
async def jwks(request: Request) -> dict[str, Any]:
    return dci(request).signer.jwks()


@router.post("/registry/sync/search", response_model=OnSearch, responses=ERRORS,
             openapi_extra=envelope_body(SearchRequest, "search"),
             summary="Search the register; the answer comes back signed")
async def sync_search(request: Request) -> JSONResponse:
    received = await receive(request, "search", SearchRequest, SEARCH)
    ctx, correlation_id = dci(request), str(uuid7())
    return JSONResponse(await handlers.sync_search(runtime(request.app).units, ctx, received, correlation_id))


@router.post("/registry/search", response_model=Ack, responses=ERRORS,
             openapi_extra=envelope_body(SearchRequest, "search"),
             summary="Search asynchronously: ACK now, the signed answer is POSTed to on-search")
async def async_search(request: Request) -> JSONResponse:
    received = await receive(request, "search", SearchRequest, SEARCH)
    ctx, correlation_id = dci(request), str(uuid7())
    url = await _callback(ctx, received, "on-search")
    await handlers.async_search(runtime(request.app).units, ctx, received, correlation_id, url)
    return ack(correlation_id)


async def _status(request: Request, *, callback: bool) -> tuple[dict[str, Any], str]:
    received = await receive(request, "txn-status", TxnStatusRequest, SEARCH)
    ctx, correlation_id = dci(request), str(uuid7())
    url = await _callback(ctx, received, "txn-on-status") if callback else None
    return await handlers.txn_status(runtime(request.app).units, ctx, received, correlation_id, url), correlation_id


@router.post("/registry/sync/txn/status", response_model=TxnOnStatus, responses=ERRORS,
             openapi_extra=envelope_body(TxnStatusRequest, "txn-status"),
             summary="Status of an earlier request, answered now")
async def sync_txn_status(request: Request) -> JSONResponse:
    body, _ = await _status(request, callback=False)
    return JSONResponse(body)


@router.post("/registry/txn/status", response_model=Ack, responses=ERRORS,
             openapi_extra=envelope_body(TxnStatusRequest, "txn-status"),
             summary="Status of an earlier request: ACK now, the answer is POSTed to txn/on-status")
async def txn_status(request: Request) -> JSONResponse:
    _, correlation_id = await _status(request, callback=True)
    return ack(correlation_id)


@router.post("/registry/subscribe", response_model=Ack, responses=ERRORS,
             openapi_extra=envelope_body(SubscribeRequest, "subscribe"),
             summary="Subscribe to registry events: ACK now, on-subscribe with the codes, then notify callbacks")
async def subscribe(request: Request) -> JSONResponse:
    received = await receive(request, "subscribe", SubscribeRequest, SUBSCRIBE)
    ctx, correlation_id = dci(request), str(uuid7())
    url = await _callback(ctx, received, "on-subscribe")
    notify_url = ctx.callback_url(received.client, None, "notify")
    if notify_url is None:
        raise DciError("err.sender_uri.invalid", "notify callbacks need a callback_base registered for the client",
                       field="header.sender_id")
    try:
        await ctx.policy.check(received.client, notify_url)
    except CallbackRefused as err:
        raise DciError("err.sender_uri.invalid", f"notify callbacks refused: {err}", field="header.sender_id") from err
    await handlers.subscribe(runtime(request.app).units, ctx, received, correlation_id, url)
    return ack(correlation_id)


@router.post("/registry/unsubscribe", response_model=Ack, responses=ERRORS,
             openapi_extra=envelope_body(UnsubscribeRequest, "unsubscribe"),
             summary="End subscriptions by code: ACK now, the outcome is POSTed to on-unsubscribe")
async def unsubscribe(request: Request) -> JSONResponse:
    received = await receive(request, "unsubscribe", UnsubscribeRequest, SUBSCRIBE)
    ctx, correlation_id = dci(request), str(uuid7())
    url = await _callback(ctx, received, "on-unsubscribe")
    await handlers.unsubscribe(runtime(request.app).units, ctx, received, correlation_id, url)
    return ack(correlation_id)
