"""Search: each `search_request` item answered from the households read model, a page at a time, as Group records
cut to the client's scopes."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from gotong.application.uow import UnitOfWork
from registry.adapters.crypto import KeyRing
from registry.adapters.households import HouseholdReads
from registry.application import queries
from registry.dci.adapters.households import DciHouseholds
from registry.dci.adapters.query import QueryRejected, order_by
from registry.dci.application.context import Dci, now_iso
from registry.dci.domain.records import IDENTITY, RECORD_TYPE, REG_TYPE, group_record
from registry.dci.domain.schemas import (
    Pagination,
    SearchData,
    SearchRequest,
    SearchRequestItem,
    SearchResponse,
    SearchResponseItem,
)
from registry.dci.domain.search import DEFAULT_PAGE_SIZE, purpose_of
from registry.domain.household import Erased


class RegistryIdentifiers:
    """The registry's blind-index lookups, for the `idtype-value` queries of the DCI query language."""

    def __init__(self, reads: HouseholdReads) -> None:
        self.reads = reads

    async def find_by_nik(self, keyring: KeyRing, nik: str) -> list[tuple[UUID, str]]:
        return await queries.find_by_nik(self.reads, keyring, nik)

    async def find_by_kk(self, keyring: KeyRing, kk: str) -> list[UUID]:
        return await queries.find_by_kk(self.reads, keyring, kk)

    async def find_by_name(self, keyring: KeyRing, village_code: str, name: str) -> list[tuple[UUID, str]]:
        return await queries.find_by_name(self.reads, keyring, village_code, name)


def identifiers(uow: UnitOfWork) -> RegistryIdentifiers:
    return RegistryIdentifiers(uow.adapter(HouseholdReads))


async def record_of(uow: UnitOfWork, keyring: KeyRing, row: dict[str, Any], *, scopes: frozenset[str],
                    client_id: str, purpose: str) -> dict[str, Any]:
    """A household as a Group record; with the identity scope its personal data is read through the registry's
    audited personal read (who, which, why recorded), none once erased."""
    personal = None
    if IDENTITY in scopes:
        try:
            personal = await queries.personal_data(uow.adapter(HouseholdReads), keyring, row["household_id"],
                                                   actor=f"dci:{client_id}", client_id=client_id, purpose=purpose,
                                                   channel="dci")
        except Erased:
            personal = None
    return group_record(row, personal, scopes=scopes, today=date.today())


async def search_item(uow: UnitOfWork, ctx: Dci, item: SearchRequestItem, *, scopes: frozenset[str],
                      client_id: str, transaction_id: str) -> SearchResponseItem:
    households = uow.adapter(DciHouseholds)
    criteria = item.search_criteria
    try:
        page_size = criteria.pagination.page_size if criteria.pagination else DEFAULT_PAGE_SIZE
        page_number = criteria.pagination.page_number if criteria.pagination else 1
        if page_size > ctx.settings.dci_page_size_max:
            raise QueryRejected("rjct.pagination.invalid",
                                f"pagination.page_size: at most {ctx.settings.dci_page_size_max}",
                                "pagination.page_size")
        where, args = await households.where(identifiers(uow), ctx.keyring, criteria.query_type, criteria.query,
                                             scopes)
        order = order_by(criteria.sort)
        total = await households.count(where, args)
        rows = await households.page(where, args, order, page_size, (page_number - 1) * page_size)
    except QueryRejected as err:
        return SearchResponseItem(reference_id=item.reference_id, timestamp=now_iso(), status="rjct",
                                  status_reason_code=err.reason,
                                  status_reason_message=err.message, locale=item.locale)
    purpose = purpose_of(criteria, f"DCI search {transaction_id}/{item.reference_id} (no purpose stated)")
    records = [await record_of(uow, ctx.keyring, row, scopes=scopes, client_id=client_id, purpose=purpose)
               for row in rows]
    return SearchResponseItem(
        reference_id=item.reference_id, timestamp=now_iso(), status="succ",
        data=SearchData(reg_type=REG_TYPE, reg_record_type=RECORD_TYPE, reg_records=records),
        pagination=Pagination(page_size=page_size, page_number=page_number, total_count=total), locale=item.locale)


async def search(uow: UnitOfWork, ctx: Dci, request: SearchRequest, *, scopes: frozenset[str],
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
        items.append(await search_item(uow, ctx, item, scopes=scopes, client_id=client_id,
                                       transaction_id=request.transaction_id))
    return SearchResponse(transaction_id=request.transaction_id, correlation_id=correlation_id,
                          search_response=items)


def failed(request: SearchRequest, correlation_id: str) -> SearchResponse:
    """The answer to a search the registry could not run: every item rejected, to be sent again later."""
    return SearchResponse(transaction_id=request.transaction_id, correlation_id=correlation_id, search_response=[
        SearchResponseItem(reference_id=i.reference_id, timestamp=now_iso(), status="rjct",
                           status_reason_message="the registry could not answer this search; send it again later")
        for i in request.search_request])
