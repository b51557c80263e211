"""Subscribe, unsubscribe and notify (registry core API): a subscription is a client, an event type and a
filter (the same query language as search); the notifier follows the event store and queues a signed
`notify` for every matching subscription, with records cut to the subscriber's scopes.

Event types: `REGISTER` (household registered), `NewHouseHoldMember` (member added), `DEATH` (member
died), `DESIL_CHANGE` (ranking changed the desil) and `UPDATE` (any change of the household); the DCI
prefix (`spdci:common:RegistryEventType:`) may be given. The filter is checked against the household as the
read model holds it when the notifier runs.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import orjson
from uuid6 import uuid7

from gotong.eventstore.model import Position, RecordedEvent
from registry.application.queries import json_value
from registry.entrypoints.dci.clients import DciClient
from registry.entrypoints.dci.context import Dci, now_iso
from registry.entrypoints.dci.query import QueryRejected, where_clause
from registry.entrypoints.dci.records import RECORD_TYPE, REG_TYPE, group_record
from registry.entrypoints.dci.schemas import (
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
from registry.entrypoints.dci.search import purpose_of

EVENT_TYPES = {"REGISTER": "REGISTER", "NEWHOUSEHOLDMEMBER": "NewHouseHoldMember", "DEATH": "DEATH",
               "DESIL_CHANGE": "DESIL_CHANGE", "UPDATE": "UPDATE"}
_KINDS = {"HouseholdRegistered": "REGISTER", "MemberAdded": "NewHouseHoldMember", "MemberDied": "DEATH",
          "HouseholdRanked": "DESIL_CHANGE"}
CHECKPOINT = "notifier"


def event_type(value: str) -> str | None:
    return EVENT_TYPES.get(value.rsplit(":", 1)[-1].upper())


def kinds(event: RecordedEvent) -> set[str]:
    out = {_KINDS[event.event_type]} if event.event_type in _KINDS else set()
    if event.data.get("state") is not None or event.event_type == "HouseholdRanked":
        out.add("UPDATE")  # the last event of each command carries the household's state
    return out


def _info(row: asyncpg.Record | dict[str, Any], filter_: Any, status: str = "subscribe") -> SubscriptionInfo:
    criteria = {"version": "1.0.0", "reg_event_type": row["reg_event_type"], "filter_type": row["filter_type"],
                "filter": filter_, "notify_record_type": row["notify_record_type"]}
    return SubscriptionInfo(code=row["code"], subscription_code=row["code"], subscribe_criteria=criteria,
                            status=status, timestamp=now_iso(), reg_event_type=row["reg_event_type"],
                            filter_type=row["filter_type"], filter=filter_,
                            notify_record_type=row["notify_record_type"])


async def subscribe(driver: asyncpg.Connection, ctx: Dci, client: DciClient, scopes: frozenset[str],
                    request: SubscribeRequest, correlation_id: str) -> SubscribeResponse:
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
            await where_clause(driver, ctx.keyring, criteria.filter_type, criteria.filter, scopes)
        except QueryRejected as err:
            items.append(rejected("rjct.notify_details.invalid", f"filter: {err.message}"))
            continue
        same = await driver.fetch("SELECT code, filter FROM dci_subscriptions WHERE sender_id = $1 AND status = "
                                  "'subscribe' AND reg_event_type = $2 AND filter_type = $3",
                                  client.sender_id, kind, criteria.filter_type)
        if any(ctx.unseal(r["filter"], "dci-filter") == criteria.filter for r in same):
            items.append(rejected("rjct.event.already_subscribed", "an active subscription of yours has this "
                                  "event type and filter"))
            continue
        code = str(uuid7())
        purpose = purpose_of(criteria, f"DCI subscription {code} (no purpose stated)")
        row = {"code": code, "reg_event_type": kind, "filter_type": criteria.filter_type,
               "notify_record_type": criteria.notify_record_type}
        await driver.execute(
            "INSERT INTO dci_subscriptions (code, sender_id, client_id, reference_id, transaction_id, reg_event_type, "
            "filter_type, filter, notify_record_type, scopes, purpose) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            code, client.sender_id, client.client_id, item.reference_id, request.transaction_id, kind,
            criteria.filter_type, ctx.seal(criteria.filter, "dci-filter"), criteria.notify_record_type,
            orjson.dumps(sorted(scopes)).decode(), purpose)
        items.append(SubscribeResponseItem(reference_id=item.reference_id, timestamp=now_iso(), status="succ",
                                           subscriptions=[_info(row, criteria.filter)], locale=item.locale))
    return SubscribeResponse(transaction_id=request.transaction_id, correlation_id=correlation_id,
                             subscribe_response=items)


async def subscriptions_of(driver: asyncpg.Connection, ctx: Dci, sender_id: str, *, codes: list[str] | None = None,
                           transaction_id: str | None = None) -> list[SubscriptionInfo]:
    rows = await driver.fetch(
        "SELECT * FROM dci_subscriptions WHERE sender_id = $1 AND ($2::text[] IS NULL OR code = ANY($2)) "
        "AND ($3::text IS NULL OR transaction_id = $3) ORDER BY created_at", sender_id, codes, transaction_id)
    return [_info(r, ctx.unseal(r["filter"], "dci-filter"), r["status"]) for r in rows]


async def unsubscribe(driver: asyncpg.Connection, client: DciClient, request: UnsubscribeRequest,
                      correlation_id: str) -> UnsubscribeResponse:
    """All or nothing: a code that is not this client's, or already ended, leaves every subscription as it was."""
    codes = list(dict.fromkeys(request.subscription_codes))
    rows = await driver.fetch("SELECT code, status FROM dci_subscriptions WHERE sender_id = $1 AND code = ANY($2) "
                              "FOR UPDATE", client.sender_id, codes)
    known = {r["code"]: r["status"] for r in rows}
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
    await driver.execute("UPDATE dci_subscriptions SET status = 'unsubscribe', ended_at = now() "
                         "WHERE code = ANY($1) AND status = 'subscribe'", codes)
    return UnsubscribeResponse(transaction_id=request.transaction_id, correlation_id=correlation_id,
                               timestamp=now_iso(), status="succ",
                               subscription_status=[SubscriptionStatusItem(code=c, status="unsubscribe")
                                                    for c in codes])


async def notify_batch(driver: asyncpg.Connection, ctx: Dci, events: list[RecordedEvent]) -> int:
    """Queue a notify for each (event, matching subscription); returns how many were queued."""
    subs = await driver.fetch("SELECT * FROM dci_subscriptions WHERE status = 'subscribe'")
    queued = 0
    for event in events:
        if event.stream_type != "household":
            continue
        happened = kinds(event)
        for sub in subs:
            if sub["reg_event_type"] not in happened or event.occurred_at < sub["created_at"]:
                continue
            client = ctx.clients.get(sub["client_id"])
            url = ctx.callback_url(client, None, "notify") if client else None
            if client is None or url is None:
                continue
            scopes = client.effective_scopes(frozenset(json_value(sub["scopes"])))
            row = await _matching(driver, ctx, sub, event.stream_id, scopes)
            if row is None:
                continue
            record = await group_record(driver, ctx.keyring, row, scopes=scopes, client_id=client.client_id,
                                        purpose=sub["purpose"])
            message = NotifyEventRequest(transaction_id=sub["transaction_id"], notify_event=[NotifyEvent(
                reference_id=sub["reference_id"], timestamp=event.occurred_at.isoformat(),
                data=NotifyData(reg_type=REG_TYPE, reg_record_type=RECORD_TYPE, reg_records=record))])
            body = ctx.signed(action="notify", receiver_id=client.sender_id, status="succ", total=1, completed=1,
                              message=message.model_dump(exclude_none=True),
                              meta={"subscription_code": sub["code"], "reg_event_type": sub["reg_event_type"],
                                    "event_id": str(event.event_id)})
            await ctx.enqueue(driver, client, "notify", url, body, sub["code"])
            queued += 1
    return queued


async def _matching(driver: asyncpg.Connection, ctx: Dci, sub: asyncpg.Record, household_id: UUID,
                    scopes: frozenset[str]) -> asyncpg.Record | None:
    try:
        where, sql = await where_clause(driver, ctx.keyring, sub["filter_type"],
                                        ctx.unseal(sub["filter"], "dci-filter"), scopes)
    except QueryRejected:
        return None  # the client's scopes shrank since it subscribed
    p = sql.bind(household_id)
    row: asyncpg.Record | None = await driver.fetchrow(
        f"SELECT * FROM households WHERE household_id = {p} AND {where}", *sql.args)
    return row


async def checkpoint(driver: asyncpg.Connection) -> Position:
    row = await driver.fetchrow("SELECT tx_id, position FROM dci_checkpoints WHERE name = $1", CHECKPOINT)
    return Position(row["tx_id"], row["position"]) if row else Position(0, 0)


async def save_checkpoint(driver: asyncpg.Connection, at: Position) -> None:
    await driver.execute("INSERT INTO dci_checkpoints VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET "
                         "tx_id = EXCLUDED.tx_id, position = EXCLUDED.position", CHECKPOINT, at.tx_id, at.position)
