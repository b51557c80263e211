"""The `households` read model as the DCI reads it: the SQL of a DCI search and of a subscription's filter runs
here (the blind indexes and the audited personal read are the registry's own, see `application.search`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg

from gotong.adapters.sql import Sql, jsonb
from registry.adapters.crypto import KeyRing
from registry.dci.adapters.clients import SANDBOX
from registry.dci.adapters.query import Identifiers, where_clause
from registry.dci.adapters.query import Sql as Where


def _household(row: asyncpg.Record) -> dict[str, Any]:
    """A read-model row with its JSON columns decoded."""
    out = dict(row)
    out["members"] = jsonb(row["members"])
    out["attributes"] = jsonb(row["attributes"])
    return out


class DciHouseholds:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def where(self, lookup: Identifiers, keyring: KeyRing, query_type: str, query: Any,
                    scopes: frozenset[str]) -> tuple[str, Where]:
        """The WHERE clause (active households only) of a DCI query, identifiers found through `lookup`; raises
        `query.QueryRejected`. A sandbox client (`dci:sandbox`) sees only the synthetic/test households listed in
        `dci_sandbox_households`."""
        where, args = await where_clause(lookup, keyring, query_type, query, scopes)
        if SANDBOX in scopes:
            where = f"{where} AND household_id IN (SELECT household_id FROM dci_sandbox_households)"
        return where, args

    async def count(self, where: str, args: Where) -> int:
        return int(await self.sql.fetchval(f"SELECT count(*) FROM households WHERE {where}", *args.args))

    async def page(self, where: str, args: Where, order: str, limit: int, offset: int) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(f"SELECT * FROM households WHERE {where} ORDER BY {order} "
                                    f"LIMIT {int(limit)} OFFSET {int(offset)}", *args.args)
        return [_household(r) for r in rows]

    async def one(self, household_id: UUID, where: str, args: Where) -> dict[str, Any] | None:
        """The household if it matches the clause."""
        p = args.bind(household_id)
        row = await self.sql.fetchrow(f"SELECT * FROM households WHERE household_id = {p} AND {where}", *args.args)
        return _household(row) if row is not None else None

    @asynccontextmanager
    async def isolated(self) -> AsyncIterator[None]:
        """A savepoint: reads (and their access log) that fail inside are undone alone."""
        async with self.sql.savepoint():
            yield
