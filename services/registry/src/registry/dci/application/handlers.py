"""What each DCI message does, in one transaction: the message is recorded once (a replay is refused), its
effects are written, and any callback is queued in the same transaction (the worker sends it)."""

from __future__ import annotations

from typing import Any

from gotong.application.uow import UnitOfWork, UnitOfWorkFactory
from registry.dci.adapters.messages import DciMessages
from registry.dci.adapters.outbox import CallbackOutbox
from registry.dci.application import subscriptions, transactions
from registry.dci.application.context import Dci, Received, now_iso
from registry.dci.application.errors import DciDuplicate
from registry.dci.application.search import search
from registry.dci.domain.schemas import SearchRequest, SubscribeRequest, TxnStatusRequest, UnsubscribeRequest
from registry.dci.domain.search import overall, summary


async def remember(uow: UnitOfWork, received: Received[Any], correlation_id: str) -> None:
    """Record the message once; a replayed (sender_id, message_id) is refused with the first correlation id.

    Runs in the transaction that processes the message, so a message is recorded exactly when its effects
    are: a concurrent duplicate waits for the first to commit and is then refused.
    """
    header = received.header
    messages = uow.adapter(DciMessages)
    if not await messages.record(header.sender_id, header.message_id, header.action, correlation_id,
                                 received.digest):
        previous = await messages.correlation_of(header.sender_id, header.message_id)
        raise DciDuplicate("err.request.bad", f"rjct.message_id.duplicate: message {header.message_id} was "
                           "already processed; ask txn/status with its correlation_id", field="header.message_id",
                           ack_status="NACK", correlation_id=previous)


async def sync_search(units: UnitOfWorkFactory, ctx: Dci, received: Received[SearchRequest],
                      correlation_id: str) -> dict[str, Any]:
    """Answer a search now: the signed `on-search` message."""
    async with units.begin() as uow:
        await remember(uow, received, correlation_id)
        response = await search(uow, ctx, received.message, scopes=received.scopes,
                                client_id=received.client.client_id, correlation_id=correlation_id)
        state = overall(response.search_response)
        await transactions.record(uow, received, correlation_id=correlation_id, action="search", status=state,
                                  summary=summary(response))
    n = len(response.search_response)
    return ctx.signed(action="on-search", receiver_id=received.client.sender_id, status=state, total=n,
                      completed=n, message=response.model_dump(exclude_none=True), encrypt_to=received.encrypt_to)


async def async_search(units: UnitOfWorkFactory, ctx: Dci, received: Received[SearchRequest], correlation_id: str,
                       url: str) -> None:
    """Queue a search (sealed) for the worker, which answers it to `url`."""
    pending = [{"reference_id": i.reference_id, "timestamp": now_iso(), "status": "pdng"}
               for i in received.message.search_request]
    async with units.begin() as uow:
        await remember(uow, received, correlation_id)
        await transactions.record(uow, received, correlation_id=correlation_id, action="search", status="rcvd",
                                  summary=pending, callback_url=url,
                                  request=ctx.seal(received.message.model_dump(mode="json"), "dci-request"))
    ctx.wake.set()


async def txn_status(units: UnitOfWorkFactory, ctx: Dci, received: Received[TxnStatusRequest], correlation_id: str,
                     url: str | None) -> dict[str, Any]:
    """The signed `txn-on-status` answer; also queued to `url` when given."""
    async with units.begin() as uow:
        await remember(uow, received, correlation_id)
        response, found = await transactions.status(uow, ctx, received.client.sender_id, received.message,
                                                    correlation_id)
        body = ctx.signed(action="txn-on-status", receiver_id=received.client.sender_id,
                          status="succ" if found else "rjct", total=1, completed=1,
                          reason_message=None if found else "no transaction of yours matches",
                          message=response.model_dump(exclude_none=True), encrypt_to=received.encrypt_to)
        if url is not None:
            await ctx.enqueue(uow.adapter(CallbackOutbox), received.client, "txn-on-status", url, body,
                              correlation_id)
    return body


async def subscribe(units: UnitOfWorkFactory, ctx: Dci, received: Received[SubscribeRequest], correlation_id: str,
                    url: str) -> None:
    """Subscribe; the signed `on-subscribe` with the codes is queued to `url`."""
    async with units.begin() as uow:
        await remember(uow, received, correlation_id)
        response = await subscriptions.subscribe(uow, ctx, received.client, received.scopes, received.message,
                                                 correlation_id, encrypted=received.encrypted)
        items = response.subscribe_response
        state = "succ" if any(i.status == "succ" for i in items) else "rjct"
        await transactions.record(uow, received, correlation_id=correlation_id, action="subscribe", status=state,
                                  summary=[{**i.model_dump(exclude={"subscriptions"}, exclude_none=True),
                                            "codes": [s.code for s in i.subscriptions]} for i in items])
        body = ctx.signed(action="on-subscribe", receiver_id=received.client.sender_id, status=state,
                          total=len(items), completed=len(items), message=response.model_dump(exclude_none=True),
                          encrypt_to=received.encrypt_to)
        await ctx.enqueue(uow.adapter(CallbackOutbox), received.client, "on-subscribe", url, body, correlation_id)


async def unsubscribe(units: UnitOfWorkFactory, ctx: Dci, received: Received[UnsubscribeRequest],
                      correlation_id: str, url: str) -> None:
    """End subscriptions by code; the signed `on-unsubscribe` outcome is queued to `url`."""
    async with units.begin() as uow:
        await remember(uow, received, correlation_id)
        response = await subscriptions.unsubscribe(uow, received.client, received.message, correlation_id)
        message = response.model_dump(exclude_none=True)
        await transactions.record(uow, received, correlation_id=correlation_id, action="unsubscribe",
                                  status=response.status, summary=message)
        body = ctx.signed(action="on-unsubscribe", receiver_id=received.client.sender_id, status=response.status,
                          total=1, completed=1, message=message, encrypt_to=received.encrypt_to)
        await ctx.enqueue(uow.adapter(CallbackOutbox), received.client, "on-unsubscribe", url, body, correlation_id)
