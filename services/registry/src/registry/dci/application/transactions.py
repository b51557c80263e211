"""DCI transactions: what each accepted message asked and how it ended (statuses and counts, no records),
and the txn/status answer built from them."""

from __future__ import annotations

from typing import Any

from gotong.application.uow import UnitOfWork
from registry.dci.adapters.transactions import DciTransactions
from registry.dci.application.context import Dci, Received, now_iso
from registry.dci.application.subscriptions import subscriptions_of
from registry.dci.domain.schemas import TxnStatusBody, TxnStatusRequest, TxnStatusResponse


async def record(uow: UnitOfWork, received: Received[Any], *, correlation_id: str, action: str, status: str,
                 summary: Any, request: str | None = None, callback_url: str | None = None) -> None:
    await uow.adapter(DciTransactions).add(
        correlation_id=correlation_id, sender_id=received.client.sender_id, client_id=received.client.client_id,
        transaction_id=received.message.transaction_id, action=action, status=status, request=request,
        scopes=received.scopes, callback_url=callback_url, summary=summary, encrypted=received.encrypted)


async def status(uow: UnitOfWork, ctx: Dci, sender_id: str, request: TxnStatusRequest,
                 correlation_id: str) -> tuple[TxnStatusResponse, bool]:
    """(the answer, whether the transaction was found)."""
    q = request.txnstatus_request
    values = q.attribute_value if isinstance(q.attribute_value, list) else [q.attribute_value]
    txn_status: dict[str, Any] = {}
    found = False
    if q.txn_type == "subscribe" and q.attribute_type == "subscription_code_list":
        subs = await subscriptions_of(uow, ctx, sender_id, codes=values)
        found = bool(subs)
        txn_status = {"transaction_id": request.transaction_id, "correlation_id": correlation_id,
                      "subscribe_response": [{"reference_id": q.reference_id, "timestamp": now_iso(),
                                              "status": "succ" if subs else "rjct",
                                              "subscriptions": [s.model_dump(exclude_none=True) for s in subs]}]}
    elif q.attribute_type != "subscription_code_list":
        row = await uow.adapter(DciTransactions).latest(sender_id, q.txn_type, q.attribute_type, values)
        if row is not None:
            found = True
            summary = row["summary"]
            if q.txn_type == "search":
                items = summary if q.attribute_type != "reference_id_list" else [
                    s for s in summary if s.get("reference_id") in values]
                txn_status = {"transaction_id": row["transaction_id"], "correlation_id": row["correlation_id"],
                              "search_response": items}
            elif q.txn_type == "subscribe":
                subs = await subscriptions_of(uow, ctx, sender_id, transaction_id=row["transaction_id"])
                txn_status = {"transaction_id": row["transaction_id"], "correlation_id": row["correlation_id"],
                              "subscribe_response": [{**{k: v for k, v in s.items() if k != "codes"}, "subscriptions": [
                                  i.model_dump(exclude_none=True) for i in subs
                                  if i.code in s.get("codes", [])]} for s in summary]}
            else:
                txn_status = summary
    if not found:  # the spec's search-response shape, the one request rejected (never an empty object)
        txn_status = {"transaction_id": request.transaction_id, "correlation_id": correlation_id,
                      "search_response": [{"reference_id": q.reference_id, "timestamp": now_iso(), "status": "rjct",
                                           "status_reason_code": "rjct.reference_id.invalid",
                                           "status_reason_message": f"no {q.txn_type} transaction of yours has this "
                                                                    f"{q.attribute_type}"}]}
    return TxnStatusResponse(transaction_id=request.transaction_id, correlation_id=correlation_id,
                             txnstatus_response=TxnStatusBody(txn_type=q.txn_type, txn_status=txn_status)), found
