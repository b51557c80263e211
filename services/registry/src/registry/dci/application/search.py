"""Search: each `search_request` item answered from the households read model, a page at a time."""

from __future__ import annotations

from typing import Any

import asyncpg

from registry.entrypoints.dci.context import Dci, now_iso
from registry.entrypoints.dci.query import QueryRejected, order_by, where_clause
from registry.entrypoints.dci.records import RECORD_TYPE, REG_TYPE, group_record
from registry.entrypoints.dci.schemas import (
    Pagination,
    SearchData,
    SearchRequest,
    SearchRequestItem,
    SearchResponse,
    SearchResponseItem,
)

DEFAULT_PAGE_SIZE = 100


def purpose_of(criteria: Any, fallback: str) -> str:
    """The purpose a ministry stated (consent or authorize `purpose`), for the personal-data access log."""
    for holder in (getattr(criteria, "consent", None), getattr(criteria, "authorize", None)):
        purpose = (holder or {}).get("purpose")
        if isinstance(purpose, dict):
            text = purpose.get("text") or purpose.get("code")
            if isinstance(text, str) and text.strip():
                return text.strip()[:200]
        elif isinstance(purpose, str) and purpose.strip():
            return purpose.strip()[:200]
    return fallback


async def search_item(driver: asyncpg.Connection, ctx: Dci, item: SearchRequestItem, *, scopes: frozenset[str],
                      client_id: str, transaction_id: str) -> SearchResponseItem:
    criteria = item.search_criteria
    try:
        page_size = criteria.pagination.page_size if criteria.pagination else DEFAULT_PAGE_SIZE
        page_number = criteria.pagination.page_number if criteria.pagination else 1
        if page_size > ctx.settings.dci_page_size_max:
            raise QueryRejected("rjct.pagination.invalid",
                                f"pagination.page_size: at most {ctx.settings.dci_page_size_max}",
                                "pagination.page_size")
        where, sql = await where_clause(driver, ctx.keyring, criteria.query_type, criteria.query, scopes)
        order = order_by(criteria.sort)
        total = int(await driver.fetchval(f"SELECT count(*) FROM households WHERE {where}", *sql.args))
        rows = await driver.fetch(f"SELECT * FROM households WHERE {where} ORDER BY {order} "
                                  f"LIMIT {int(page_size)} OFFSET {int((page_number - 1) * page_size)}", *sql.args)
    except QueryRejected as err:
        return SearchResponseItem(reference_id=item.reference_id, timestamp=now_iso(), status="rjct",
                                  status_reason_code=err.reason,
                                  status_reason_message=err.message, locale=item.locale)
    purpose = purpose_of(criteria, f"DCI search {transaction_id}/{item.reference_id} (no purpose stated)")
    records = [await group_record(driver, ctx.keyring, row, scopes=scopes, client_id=client_id, purpose=purpose)
               for row in rows]
    return SearchResponseItem(
        reference_id=item.reference_id, timestamp=now_iso(), status="succ",
        data=SearchData(reg_type=REG_TYPE, reg_record_type=RECORD_TYPE, reg_records=records),
        pagination=Pagination(page_size=page_size, page_number=page_number, total_count=total), locale=item.locale)


async def search(driver: asyncpg.Connection, ctx: Dci, request: SearchRequest, *, scopes: frozenset[str],
                 client_id: str, correlation_id: str) -> SearchResponse:
    seen: set[str] = set()
    items: list[SearchResponseItem] = []
    for item in request.search_request:
        if item.reference_id in seen:
            items.append(SearchResponseItem(reference_id=item.reference_id, timestamp=now_iso(), status="rjct",
                                            status_reason_code="rjct.reference_id.duplicate",
                                            status_reason_message="reference_id repeats in this message"))
            continue
        seen.add(item.reference_id)
        items.append(await search_item(driver, ctx, item, scopes=scopes, client_id=client_id,
                                       transaction_id=request.transaction_id))
    return SearchResponse(transaction_id=request.transaction_id, correlation_id=correlation_id,
                          search_response=items)


def summary(response: SearchResponse) -> list[dict[str, Any]]:
    """What a transaction keeps of its answer: statuses and counts, never records."""
    return [item.model_dump(exclude={"data"}, exclude_none=True) for item in response.search_response]


def overall(items: list[SearchResponseItem]) -> str:
    return "succ" if any(i.status == "succ" for i in items) else "rjct"
