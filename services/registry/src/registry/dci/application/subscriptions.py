"""Subscribe, unsubscribe and notify (registry core API): a subscription is a client, an event type and a
filter (the same query language as search); the notifier follows the event store and queues a signed
`notify` for every matching subscription, with records cut to the subscriber's scopes. The filter is checked
against the household as the read model holds it when the notifier runs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from uuid6 import uuid7

from gotong.application.uow import UnitOfWork
from gotong.eventstore.model import RecordedEvent
from registry.dci.adapters.clients import DciClient
from registry.dci.adapters.households import DciHouseholds
from registry.dci.adapters.outbox import CallbackOutbox
from registry.dci.adapters.query import QueryRejected
from registry.dci.adapters.subscriptions import DciSubscriptions
from registry.dci.application.context import Dci, now_iso
from registry.dci.application.search import identifiers, record_of
from registry.dci.domain.records import RECORD_TYPE, REG_TYPE
from registry.dci.domain.schemas import (
    AS_EVENTS_HAPPEN,
    FOREVER,
    EventFrequency,
    NotifyData,
    NotifyEvent,
    NotifyEventRequest,
    SubscribeRequest,
    SubscribeResponse,
    SubscribeResponseItem,
    SubscriptionInfo,
    SubscriptionStatusItem,
    UnsubscribeRequest,
    UnsubscribeResponse,
)
from registry.dci.domain.search import purpose_of
from registry.dci.domain.subscriptions import EVENT_TYPES, event_type, kinds

log = logging.getLogger("registry.dci")


def frequency_of(requested: EventFrequency | None, since: datetime) -> dict[str, str]:
    """The subscription's `frequency`: as requested, or (none named) every event from `since` on, sent as it
    happens."""
    if requested is not None:
        return {"start_time": requested.start_time.isoformat(), "end_time": requested.end_time.isoformat(),
                "frequency": requested.frequency}
    return {"start_time": since.isoformat(), "end_time": FOREVER, "frequency": AS_EVENTS_HAPPEN}


def _in_window(sub: Mapping[str, Any], at: datetime) -> bool:
    window = sub.get("frequency")
    if at < sub["created_at"]:
        return False
    if not window:
        return True
    return datetime.fromisoformat(window["start_time"]) <= at <= datetime.fromisoformat(window["end_time"])


def _info(row: Mapping[str, Any], filter_: Any, status: str = "subscribe") -> SubscriptionInfo:
    frequency = row.get("frequency") or frequency_of(None, row.get("created_at") or datetime.now(UTC))
    criteria = {"version": "1.0.0", "reg_event_type": row["reg_event_type"], "frequency": frequency,
                "filter_type": row["filter_type"], "filter": filter_, "notify_record_type": row["notify_record_type"]}
    return SubscriptionInfo(code=row["code"], subscription_code=row["code"], subscribe_criteria=criteria,
                            status=status, timestamp=now_iso(), reg_event_type=row["reg_event_type"],
                            frequency=frequency, filter_type=row["filter_type"], filter=filter_,
                            notify_record_type=row["notify_record_type"])


async def subscribe(uow: UnitOfWork, ctx: Dci, client: DciClient, scopes: frozenset[str],
                    request: SubscribeRequest, correlation_id: str, *, encrypted: bool = False) -> SubscribeResponse:
    households, subscriptions = uow.adapter(DciHouseholds), uow.adapter(DciSubscriptions)
    items: list[SubscribeResponseItem] = []
    for item in request.subscribe_request:
        criteria = item.subscribe_criteria
        kind = event_type(criteria.reg_event_type)

        def rejected(code: str, message: str, ref: str = item.reference_id) -> SubscribeResponseItem:
            return SubscribeResponseItem(reference_id=ref, timestamp=now_iso(), status="rjct",
                                         status_reason_code=code, status_reason_message=message)

        if kind is None:
            items.append(rejected("rjct.notify_types.invalid", "reg_event_type: use one of "
                                  + ", ".join(EVENT_TYPES.values())))
            continue
        if "Group" not in criteria.notify_record_type and "Household" not in criteria.notify_record_type:
            items.append(rejected("rjct.notify_details.invalid", f"notify_record_type: only {RECORD_TYPE}"))
            continue
        try:
            await households.where(identifiers(uow), ctx.keyring, criteria.filter_type, criteria.filter, scopes)
        except QueryRejected as err:
            items.append(rejected("rjct.notify_details.invalid", f"filter: {err.message}"))
            continue
        same = await subscriptions.sealed_filters(client.sender_id, kind, criteria.filter_type)
        if any(ctx.unseal(sealed, "dci-filter") == criteria.filter for sealed in same):
            items.append(rejected("rjct.event.already_subscribed", "an active subscription of yours has this "
                                  "event type and filter"))
            continue
        code = str(uuid7())
        purpose = purpose_of(criteria, f"DCI subscription {code} (no purpose stated)")
        if criteria.frequency is not None and criteria.frequency.end_time <= criteria.frequency.start_time:
            items.append(rejected("rjct.notify_details.invalid", "frequency.end_time must be after start_time"))
            continue
        frequency = frequency_of(criteria.frequency, ctx.clock.now())
        row = {"code": code, "reg_event_type": kind, "filter_type": criteria.filter_type,
               "notify_record_type": criteria.notify_record_type, "frequency": frequency}
        await subscriptions.add(
            code=code, sender_id=client.sender_id, client_id=client.client_id, reference_id=item.reference_id,
            transaction_id=request.transaction_id, reg_event_type=kind, filter_type=criteria.filter_type,
            sealed_filter=ctx.seal(criteria.filter, "dci-filter"), notify_record_type=criteria.notify_record_type,
            scopes=scopes, purpose=purpose, frequency=frequency, encrypted=encrypted)
        items.append(SubscribeResponseItem(reference_id=item.reference_id, timestamp=now_iso(), status="succ",
                                           subscriptions=[_info(row, criteria.filter)], locale=item.locale))
    return SubscribeResponse(transaction_id=request.transaction_id, correlation_id=correlation_id,
                             subscribe_response=items)


async def subscriptions_of(uow: UnitOfWork, ctx: Dci, sender_id: str, *, codes: list[str] | None = None,
                           transaction_id: str | None = None) -> list[SubscriptionInfo]:
    rows = await uow.adapter(DciSubscriptions).of(sender_id, codes=codes, transaction_id=transaction_id)
    return [_info(r, ctx.unseal(r["filter"], "dci-filter"), r["status"]) for r in rows]


async def unsubscribe(uow: UnitOfWork, client: DciClient, request: UnsubscribeRequest,
                      correlation_id: str) -> UnsubscribeResponse:
    """All or nothing: a code that is not this client's, or already ended, leaves every subscription as it was."""
    subscriptions = uow.adapter(DciSubscriptions)
    codes = list(dict.fromkeys(request.subscription_codes))
    known = await subscriptions.lock(client.sender_id, codes)
    unknown = [c for c in codes if c not in known]
    ended = [c for c in codes if known.get(c) == "unsubscribe"]
    if unknown or ended:
        reason, text = (("rjct.subscription_code.invalid",
                         f"{len(unknown)} subscription code(s) are not yours or do not exist") if unknown else
                        ("rjct.event.already_unsubscribed", f"{len(ended)} subscription(s) already ended"))
        return UnsubscribeResponse(
            transaction_id=request.transaction_id, correlation_id=correlation_id, timestamp=now_iso(), status="rjct",
            status_reason_code=reason, status_reason_message=text,
            subscription_status=[SubscriptionStatusItem(code=c, status=known[c]) for c in codes
                                 if c in known])
    await subscriptions.end(codes)
    return UnsubscribeResponse(transaction_id=request.transaction_id, correlation_id=correlation_id,
                               timestamp=now_iso(), status="succ",
                               subscription_status=[SubscriptionStatusItem(code=c, status="unsubscribe")
                                                    for c in codes])


async def notify_batch(uow: UnitOfWork, ctx: Dci, events: list[RecordedEvent]) -> int:
    """Queue a notify for each (event, matching subscription); returns how many were queued."""
    outbox = uow.adapter(CallbackOutbox)
    subs = await uow.adapter(DciSubscriptions).active()
    queued = 0
    for event in events:
        if event.stream_type != "household":
            continue
        happened = kinds(event.event_type, event.data)
        for sub in subs:
            if sub["reg_event_type"] not in happened or not _in_window(sub, event.occurred_at):
                continue
            client = await ctx.clients.get(sub["client_id"])
            url = ctx.callback_url(client, None, "notify") if client and not client.revoked else None
            if client is None or url is None:
                continue
            if sub.get("encrypted") and client.encryption_key is None:  # never in clear what was asked encrypted
                log.warning("dci notify for subscription %s skipped: client %s has no encryption key any more",
                            sub["code"], client.client_id)
                continue
            scopes = client.effective_scopes(frozenset(sub["scopes"]))
            row = await _matching(uow, ctx, sub, event.stream_id, scopes)
            if row is None:
                continue
            record = await record_of(uow, ctx.keyring, row, scopes=scopes, client_id=client.client_id,
                                     purpose=sub["purpose"])
            message = NotifyEventRequest(transaction_id=sub["transaction_id"], notify_event=[NotifyEvent(
                reference_id=sub["reference_id"], timestamp=event.occurred_at.isoformat(),
                data=NotifyData(reg_type=REG_TYPE, reg_record_type=RECORD_TYPE, reg_records=record))])
            body = ctx.signed(action="notify", receiver_id=client.sender_id, status="succ", total=1, completed=1,
                              message=message.model_dump(exclude_none=True),
                              meta={"subscription_code": sub["code"], "reg_event_type": sub["reg_event_type"],
                                    "event_id": str(event.event_id)},
                              encrypt_to=client if sub.get("encrypted") else None)
            await ctx.enqueue(outbox, client, "notify", url, body, sub["code"])
            queued += 1
    return queued


async def _matching(uow: UnitOfWork, ctx: Dci, sub: Mapping[str, Any], household_id: UUID,
                    scopes: frozenset[str]) -> dict[str, Any] | None:
    households = uow.adapter(DciHouseholds)
    try:
        where, args = await households.where(identifiers(uow), ctx.keyring, sub["filter_type"],
                                             ctx.unseal(sub["filter"], "dci-filter"), scopes)
    except QueryRejected:
        return None  # the client's scopes shrank since it subscribed
    return await households.one(household_id, where, args)
