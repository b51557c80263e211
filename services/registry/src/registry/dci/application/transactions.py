"""DCI transactions: what each accepted message asked and how it ended (statuses and counts, no records),
and the txn/status answer built from them."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

from registry.application.queries import json_value
from registry.entrypoints.dci.context import Dci, now_iso
from registry.entrypoints.dci.inbound import Received
from registry.entrypoints.dci.schemas import TxnStatusBody, TxnStatusRequest, TxnStatusResponse
from registry.entrypoints.dci.subscriptions import subscriptions_of


async def record(driver: asyncpg.Connection, received: Received[Any], *, correlation_id: str, action: str,
                 status: str, summary: Any, request: str | None = None, callback_url: str | None = None) -> None:
    await driver.execute(
        "INSERT INTO dci_transactions (correlation_id, sender_id, client_id, transaction_id, action, status, request, "
        "scopes, callback_url, summary) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        correlation_id, received.client.sender_id, received.client.client_id,
        received.message.transaction_id, action, status, request, orjson.dumps(sorted(received.scopes)).decode(),
        callback_url, orjson.dumps(summary).decode())


async def _find(driver: asyncpg.Connection, sender_id: str, action: str, attribute: str,
                values: list[str]) -> asyncpg.Record | None:
    if attribute == "transaction_id":
        where, arg = "transaction_id = ANY($3)", values
    elif attribute == "correlation_id":
        where, arg = "correlation_id = ANY($3)", values
    else:  # reference_id_list: any transaction whose answer holds one of these references
        where, arg = ("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(summary) WHEN 'array' THEN "
                      "summary ELSE '[]'::jsonb END) s WHERE s->>'reference_id' = ANY($3))"), values
    row: asyncpg.Record | None = await driver.fetchrow(
        f"SELECT * FROM dci_transactions WHERE sender_id = $1 AND action = $2 AND {where} "
        "ORDER BY created_at DESC LIMIT 1", sender_id, action, arg)
    return row


async def status(driver: asyncpg.Connection, ctx: Dci, sender_id: str, request: TxnStatusRequest,
                 correlation_id: str) -> tuple[TxnStatusResponse, bool]:
    """(the answer, whether the transaction was found)."""
    q = request.txnstatus_request
    values = q.attribute_value if isinstance(q.attribute_value, list) else [q.attribute_value]
    txn_status: dict[str, Any] = {}
    found = False
    if q.txn_type == "subscribe" and q.attribute_type == "subscription_code_list":
        subs = await subscriptions_of(driver, ctx, sender_id, codes=values)
        found = bool(subs)
        txn_status = {"transaction_id": request.transaction_id, "correlation_id": correlation_id,
                      "subscribe_response": [{"reference_id": q.reference_id, "timestamp": now_iso(),
                                              "status": "succ" if subs else "rjct",
                                              "subscriptions": [s.model_dump(exclude_none=True) for s in subs]}]}
    elif q.attribute_type != "subscription_code_list":
        row = await _find(driver, sender_id, q.txn_type, q.attribute_type, values)
        if row is not None:
            found = True
            summary = json_value(row["summary"])
            if q.txn_type == "search":
                items = summary if q.attribute_type != "reference_id_list" else [
                    s for s in summary if s.get("reference_id") in values]
                txn_status = {"transaction_id": row["transaction_id"], "correlation_id": row["correlation_id"],
                              "search_response": items}
            elif q.txn_type == "subscribe":
                subs = await subscriptions_of(driver, ctx, sender_id, transaction_id=row["transaction_id"])
                txn_status = {"transaction_id": row["transaction_id"], "correlation_id": row["correlation_id"],
                              "subscribe_response": [{**{k: v for k, v in s.items() if k != "codes"}, "subscriptions": [
                                  i.model_dump(exclude_none=True) for i in subs
                                  if i.code in s.get("codes", [])]} for s in summary]}
            else:
                txn_status = summary
    return TxnStatusResponse(transaction_id=request.transaction_id, correlation_id=correlation_id,
                             txnstatus_response=TxnStatusBody(txn_type=q.txn_type, txn_status=txn_status)), found
