"""The registry's read side as the DCI reads it: the `households` read model, the blind indexes and the audited
personal-data read. The SQL of a DCI search and of a subscription's filter runs here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg

from gotong.adapters.sql import Sql, jsonb
from registry.adapters.crypto import KeyRing
from registry.application import queries
from registry.application.commands import Erased
from registry.dci.adapters.query import Sql as Where
from registry.dci.adapters.query import where_clause


def _household(row: asyncpg.Record) -> dict[str, Any]:
    """A read-model row with its JSON columns decoded."""
    out = dict(row)
    out["members"] = jsonb(row["members"])
    out["attributes"] = jsonb(row["attributes"])
    return out


class DciHouseholds:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    # -- the blind indexes (`query.Identifiers`) ----------------------------------------------------------
    async def find_by_nik(self, keyring: KeyRing, nik: str) -> list[tuple[UUID, str]]:
        return await queries.find_by_nik(self.sql, keyring, nik)

    async def find_by_kk(self, keyring: KeyRing, kk: str) -> list[UUID]:
        return await queries.find_by_kk(self.sql, keyring, kk)

    async def find_by_name(self, keyring: KeyRing, village_code: str, name: str) -> list[tuple[UUID, str]]:
        return await queries.find_by_name(self.sql, keyring, village_code, name)

    # -- the read model ------------------------------------------------------------------------------------
    async def where(self, keyring: KeyRing, query_type: str, query: Any,
                    scopes: frozenset[str]) -> tuple[str, Where]:
        """The WHERE clause (active households only) of a DCI query; raises `query.QueryRejected`."""
        return await where_clause(self, keyring, query_type, query, scopes)

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

    async def personal(self, keyring: KeyRing, household_id: UUID, *, actor: str, client_id: str, purpose: str,
                       channel: str) -> dict[str, Any] | None:
        """The household's personal data, the read recorded (who, why); None once erased."""
        try:
            return await queries.personal_data(self.sql, keyring, household_id, actor=actor,
                                               client_id=client_id, purpose=purpose, channel=channel)
        except Erased:
            return None

    @asynccontextmanager
    async def isolated(self) -> AsyncIterator[None]:
        """A savepoint: reads (and their access log) that fail inside are undone alone."""
        async with self.sql.savepoint():
            yield
