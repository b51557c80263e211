"""Replicas of other services' events: CSR grants (`csr-ledger.events`) and household references
(`registry.events`). Filled by the consumers; not projections of this service's store (a rebuild leaves them)."""

from __future__ import annotations

from datetime import datetime

from gotong_contracts.csr_ledger import AllocationDecided
from gotong_contracts.registry import HouseholdChanged, HouseholdRanked

from gotong.adapters.sql import Sql


class CsrGrants:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def record(self, allocation: AllocationDecided) -> None:
        """The newest decision on an allocation wins."""
        await self.sql.execute(
            """
            INSERT INTO csr_grants (allocation_id, company_id, target_id, target_name, amount, status, region, sdgs,
                                    decided_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (allocation_id) DO UPDATE SET status = excluded.status, decided_at = excluded.decided_at
            WHERE csr_grants.decided_at <= excluded.decided_at
            """, allocation.allocation_id, allocation.company_id, allocation.target_id, allocation.target_name,
            allocation.amount, allocation.status, allocation.region, allocation.sdgs,
            datetime.fromisoformat(allocation.occurred_at))


class RegistryReplica:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def standing(self, household_ref: str) -> tuple[str, str | None] | None:
        """(status, merged_into) of a replicated household, None when not replicated (yet)."""
        row = await self.sql.fetchrow(
            "SELECT status, merged_into FROM registry_households WHERE household_ref = $1", household_ref)
        return (row["status"], row["merged_into"]) if row is not None else None

    async def changed(self, event: HouseholdChanged) -> None:
        """Event-carried state: keep the newest household_version only."""
        await self.sql.execute(
            """
            INSERT INTO registry_households (household_ref, household_version, province_code, regency_code, desil,
                                             status)
            VALUES ($1, $2, $3, $4, $5, 'registered')
            ON CONFLICT (household_ref) DO UPDATE SET household_version = excluded.household_version,
                province_code = excluded.province_code, regency_code = excluded.regency_code,
                desil = coalesce(excluded.desil, registry_households.desil)
            WHERE registry_households.household_version < excluded.household_version
              AND registry_households.status = 'registered'
            """, event.household_ref, event.household_version, event.province_code, event.regency_code,
            event.desil)

    async def ranked(self, event: HouseholdRanked) -> None:
        await self.sql.execute(
            "INSERT INTO registry_households (household_ref, household_version, province_code, regency_code, desil, "
            "status) VALUES ($1, 0, $2, $3, $4, 'registered') "
            "ON CONFLICT (household_ref) DO UPDATE SET desil = excluded.desil",
            event.household_ref, event.province_code, event.regency_code, event.desil)

    async def mark(self, refs: list[str], status: str, merged_into: str | None) -> None:
        await self.sql.executemany(
            "INSERT INTO registry_households (household_ref, household_version, status, merged_into) "
            "VALUES ($1, 0, $2, $3) ON CONFLICT (household_ref) DO UPDATE SET status = excluded.status, "
            "merged_into = excluded.merged_into, desil = NULL", [(r, status, merged_into) for r in refs])
