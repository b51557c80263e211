"""The bulk writer of entitlements: a cycle's candidates read from the replica in keyset-paged batches on a
connection of their own (autocommit reads, holding the cycle's computation lock), each batch's entitlements
written by COPY in a transaction of its own — so a crash resumes where it stopped and never doubles (one
entitlement per program, cycle and household)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from disbursement.adapters.replica import iter_candidates
from disbursement.domain.eligibility import Household
from disbursement.domain.programs import ProgramDefinition
from gotong.adapters.sql import Database, Sql
from gotong.domain.errors import InvalidTransition

ENTITLEMENT_COLUMNS = ("cycle_id", "program_id", "household_ref", "amount", "status", "members_counted", "desil",
                       "desil_rule_version", "household_version", "village_code", "regency_code", "province_code",
                       "desil_snapshot")


class Computation:
    """One running computation of one cycle (see `EntitlementComputation.start`)."""

    def __init__(self, database: Database, reader: Sql, cycle_id: UUID, fresh: bool) -> None:
        self._database = database
        self._reader = reader
        self.cycle_id = cycle_id
        #: Nothing of this cycle computed yet: COPY straight into the table.
        self.fresh = fresh

    async def estimate(self) -> int:
        return int(await self._reader.fetchval("SELECT count(*) FROM households WHERE NOT erased"))

    def candidates(self, definition: ProgramDefinition, batch: int) -> AsyncIterator[list[Household]]:
        return iter_candidates(self._reader, definition, None, batch)

    async def write(self, records: Sequence[tuple[Any, ...]]) -> None:
        """One batch of entitlement rows (`ENTITLEMENT_COLUMNS`), committed."""
        async with self._database.transaction() as sql:
            await stage_entitlements(sql, records, fresh=self.fresh)


class EntitlementComputation:
    def __init__(self, database: Database) -> None:
        self.database = database

    @asynccontextmanager
    async def start(self, cycle_id: UUID) -> AsyncIterator[Computation]:
        """One computation of a cycle at a time (an advisory lock held for the reading connection's life: a
        killed process lets go); a second is refused while one runs."""
        key = f"compute:{cycle_id}"
        async with self.database.statement() as reader:
            if not await reader.fetchval("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", key):
                raise InvalidTransition("entitlements of this cycle are being computed right now", field="status")
            try:
                fresh = not await reader.fetchval("SELECT EXISTS (SELECT 1 FROM entitlements WHERE cycle_id = $1)",
                                                  cycle_id)
                yield Computation(self.database, reader, cycle_id, fresh)
            finally:  # the connection goes back to the pool: never with the lock still held
                await reader.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)


async def stage_entitlements(sql: Sql, records: Sequence[tuple[Any, ...]], *, fresh: bool = False) -> None:
    """COPY into the table (`fresh`: nothing of this cycle there yet), or into a temporary table and then
    insert what is not there yet (COPY itself cannot skip duplicates)."""
    if not records:
        return
    if fresh:
        await sql.copy("entitlements", records, ENTITLEMENT_COLUMNS)
        return
    await sql.execute("CREATE TEMP TABLE IF NOT EXISTS entitlements_stage "
                      "(LIKE entitlements INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    await sql.copy("entitlements_stage", records, ENTITLEMENT_COLUMNS)
    cols = ", ".join(ENTITLEMENT_COLUMNS)
    await sql.execute(f"INSERT INTO entitlements ({cols}) SELECT {cols} FROM entitlements_stage "
                      "ON CONFLICT ON CONSTRAINT entitlements_once DO NOTHING")
