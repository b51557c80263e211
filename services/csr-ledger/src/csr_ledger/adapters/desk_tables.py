"""The CSR desk's read tables: companies, pledges, allocations and spending (projections of the desk's events),
the programs replica (disbursement's `ProgramDefined`), and the reports read from them.

`SPENT` is the one definition of CSR money spent: every figure the service publishes uses it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from csr_ledger.domain import funds
from csr_ledger.domain.csr import Allocation, BookedPart, Funder, KnownProgram, Portion
from csr_ledger.domain.events import CompanyRegistered, PledgeMade, SpendingRecorded
from gotong.adapters.sql import Sql
from gotong.application.uow import EventContext

#: The one definition of CSR money spent, used by every figure this service publishes: spending rows whose
#: money stayed with the household (a returned attempt's row says `returned`; its reissue has a row of its own).
SPENT = "coalesce(sum(s.amount) FILTER (WHERE s.status = 'paid'), 0)"


def plain(row: Any) -> dict[str, Any]:
    """Rupiah sums come back as numeric: whole rupiah are ints, never floats or strings."""
    return {k: (int(v) if isinstance(v, Decimal) else str(v) if isinstance(v, UUID) else v)
            for k, v in dict(row).items()}


# -- projectors -----------------------------------------------------------------------------------------------

async def project_company_registered(sql: Sql, e: CompanyRegistered, context: EventContext) -> None:
    company_id = UUID(e.company_id)
    await sql.execute(
        "INSERT INTO companies (id, name, nib, npwp, sector, tjsl_mandatory, fund_account_id, registered_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", company_id, e.name, e.nib, e.npwp, e.sector, e.tjsl_mandatory,
        funds.fund_account(company_id).id, datetime.fromisoformat(e.occurred_at))


async def project_pledge_made(sql: Sql, e: PledgeMade, context: EventContext) -> None:
    await sql.execute(
        "INSERT INTO pledges (id, company_id, year, amount, themes, sdgs, regions, pledged_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", UUID(e.pledge_id), UUID(e.company_id), e.year, e.amount,
        e.themes, e.sdgs, e.regions, datetime.fromisoformat(e.occurred_at))


async def project_allocation(sql: Sql, a: Allocation) -> None:
    """An allocation's row is its current state. An allocation requested before its events named the maker and
    the reservation keeps what its row said (the reservation: the allocation transfer into its account)."""
    await sql.execute(
        "INSERT INTO allocations (id, company_id, target_kind, target_id, target_name, amount, sdgs, region, "
        "status, account_id, transfer_id, maker, checker, created_at, decided_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, (SELECT t.id FROM ledger_transfers t "
        "  WHERE t.credit_account_id = $10 AND t.code = 'allocation' AND t.pending_id IS NULL ORDER BY t.seq "
        "  LIMIT 1)), $12, $13, $14, $15) "
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status, checker = excluded.checker, "
        "decided_at = excluded.decided_at, maker = coalesce($12, allocations.maker), "
        "transfer_id = coalesce($11, allocations.transfer_id)",
        a.id, a.company_id, a.target_kind, a.target_id, a.target_name, a.amount, a.sdgs, a.region, a.status,
        a.account.id, a.transfer_id, a.maker, a.checker, a.created_at, a.decided_at)


async def project_spending_recorded(sql: Sql, e: SpendingRecorded, context: EventContext) -> None:
    """A part's row: booked when paid, marked `returned` when its money came back."""
    await sql.execute(
        "INSERT INTO spending (payment_id, attempt, part, allocation_id, company_id, account_id, program_id, "
        "province_code, regency_code, household_ref, amount, status, recorded_at) "
        "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (payment_id, attempt, part) "
        "DO UPDATE SET status = excluded.status, recorded_at = excluded.recorded_at",
        e.payment_id, e.attempt, e.part, UUID(e.allocation_id), UUID(e.company_id),
        UUID(e.account_id) if e.account_id else funds.allocation_account(UUID(e.allocation_id)).id,
        e.program_id, e.province_code, e.regency_code, e.household_ref, e.amount, e.status,
        datetime.fromisoformat(e.occurred_at))


# -- what commands read ---------------------------------------------------------------------------------------

#: The program's funders: the allocation the payment names (the program's first) and every other approved
#: allocation to the same target (disbursement links them by that target, case-insensitive), oldest first.
_FUNDERS = """
SELECT a.id, a.company_id, a.account_id,
       l.credits_posted - l.debits_posted - l.debits_pending AS available
FROM allocations a JOIN ledger_accounts l ON l.id = a.account_id
WHERE a.status = 'approved' AND (a.id::text = $1 OR (a.target_kind, lower(a.target_id)) =
      (SELECT n.target_kind, lower(n.target_id) FROM allocations n WHERE n.id::text = $1))
ORDER BY a.decided_at, a.id
FOR UPDATE OF l
"""


class Companies:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def nib_taken(self, nib: str) -> bool:
        return bool(await self.sql.fetchval("SELECT 1 FROM companies WHERE nib = $1", nib))

    async def count(self) -> int:
        return int(await self.sql.fetchval("SELECT count(*) FROM companies"))


class Allocations:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def funders(self, allocation_id: str) -> list[Funder]:
        """The program's approved allocations, oldest first, their accounts locked."""
        return [Funder(r["id"], r["company_id"], r["account_id"], int(r["available"]))
                for r in await self.sql.fetch(_FUNDERS, allocation_id)]

    async def reserving(self, transfer_ids: list[UUID]) -> list[UUID]:
        """The allocations awaiting approval whose reservations these transfers are."""
        return [r[0] for r in await self.sql.fetch(
            "SELECT id FROM allocations WHERE status = 'pending_approval' AND transfer_id = ANY($1) ORDER BY id",
            transfer_ids)]

    async def record_of(self, allocation_id: UUID) -> tuple[str | None, UUID | None]:
        """The maker and reservation the row holds (for allocations whose first event did not name them)."""
        row = await self.sql.fetchrow("SELECT maker, transfer_id FROM allocations WHERE id = $1", allocation_id)
        return (row["maker"], row["transfer_id"]) if row else (None, None)


class Spending:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def booked(self, payment_id: str, attempt: int) -> list[BookedPart]:
        rows = await self.sql.fetch("SELECT * FROM spending WHERE payment_id = $1 AND attempt = $2 ORDER BY part",
                                    payment_id, attempt)
        return [BookedPart(Portion(r["allocation_id"], r["company_id"], r["account_id"], r["amount"]), r["status"])
                for r in rows]


class Programs:
    """The replica of disbursement's programs (not a projection of this service's events)."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def known(self, target_id: str) -> KnownProgram | None:
        row = await self.sql.fetchrow(
            "SELECT code, funding_source FROM programs WHERE lower(code) = lower($1) OR lower(program_id) = lower($1)",
            target_id)
        return KnownProgram(row["code"], row["funding_source"]) if row else None

    async def record(self, code: str, program_id: str, name: str, funding_source: str,
                     defined_at: datetime) -> None:
        """The newest definition of each code wins."""
        await self.sql.execute(
            "INSERT INTO programs (code, program_id, name, funding_source, defined_at) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (code) DO UPDATE SET program_id = excluded.program_id, name = excluded.name, "
            "funding_source = excluded.funding_source, defined_at = excluded.defined_at "
            "WHERE programs.defined_at <= excluded.defined_at", code, program_id, name, funding_source, defined_at)


# -- reports --------------------------------------------------------------------------------------------------

_COMPANY_TOTALS = f"""
SELECT c.id, c.name, c.sector, c.tjsl_mandatory, c.fund_account_id,
       coalesce((SELECT sum(amount) FROM pledges p WHERE p.company_id = c.id), 0) AS pledged,
       coalesce((SELECT sum(amount) FROM ledger_transfers t WHERE t.credit_account_id = c.fund_account_id
                 AND t.code = 'deposit'), 0) AS deposited,
       coalesce((SELECT sum(amount) FROM allocations a WHERE a.company_id = c.id AND a.status = 'approved'), 0)
           AS allocated,
       coalesce((SELECT sum(amount) FROM allocations a WHERE a.company_id = c.id AND a.status = 'pending_approval'), 0)
           AS awaiting_approval,
       (SELECT {SPENT} FROM spending s WHERE s.company_id = c.id) AS spent,
       (SELECT credits_posted - debits_posted - debits_pending FROM ledger_accounts WHERE id = c.fund_account_id)
           AS unallocated
FROM companies c
"""

_GRI = f"""
SELECT c.name AS company, c.nib, {SPENT} AS gri_201_1_community_investment,
       (SELECT coalesce(sum(a.amount), 0) FROM allocations a WHERE a.company_id = c.id
          AND a.status = 'approved' AND a.target_kind IN ('project', 'enterprise'))
         AS gri_203_1_investments_supported,
       (SELECT count(DISTINCT coalesce(a.region, '')) FROM allocations a WHERE a.company_id = c.id
          AND a.status = 'approved' AND a.region IS NOT NULL) AS gri_413_1_regions_engaged,
       count(DISTINCT s.province_code) FILTER (WHERE s.status = 'paid') AS provinces_reached
FROM companies c LEFT JOIN spending s ON s.company_id = c.id
  AND ($1::int IS NULL OR extract(year FROM s.recorded_at) = $1)
GROUP BY c.id, c.name, c.nib ORDER BY c.name
"""


class Reports:
    """Company reports, account statements and the GRI-style disclosure."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def company_totals(self, company_id: UUID | None = None) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(_COMPANY_TOTALS + (" WHERE c.id = $1" if company_id else "") + " ORDER BY c.name",
                                    *([company_id] if company_id else []))
        return [plain(r) for r in rows]

    async def reach(self, company_id: UUID) -> list[dict[str, Any]]:
        return [plain(r) for r in await self.sql.fetch(
            f"SELECT program_id, province_code, count(DISTINCT household_ref) AS households, {SPENT} AS amount "
            "FROM spending s WHERE company_id = $1 AND status = 'paid' GROUP BY 1, 2 ORDER BY 1, 2", company_id)]

    async def allocated_by_sdg(self, company_id: UUID) -> list[dict[str, Any]]:
        return [plain(r) for r in await self.sql.fetch(
            "SELECT sdg, sum(a.amount) AS allocated FROM allocations a, unnest(a.sdgs) AS sdg "
            "WHERE a.company_id = $1 AND a.status = 'approved' GROUP BY sdg ORDER BY sdg", company_id)]

    async def account(self, account_id: UUID) -> dict[str, Any] | None:
        row = await self.sql.fetchrow("SELECT * FROM ledger_accounts WHERE id = $1", account_id)
        return plain(row) if row else None

    async def entries(self, account_id: UUID, limit: int, after_seq: int = 0) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(
            "SELECT seq, id, timestamp, code, reference, amount, flags, pending_state, "
            "CASE WHEN debit_account_id = $1 THEN 'debit' ELSE 'credit' END AS side "
            "FROM ledger_transfers WHERE (debit_account_id = $1 OR credit_account_id = $1) AND seq > $2 "
            "ORDER BY seq LIMIT $3", account_id, after_seq, limit)
        return [{**dict(r), "id": str(r["id"]), "timestamp": r["timestamp"].isoformat()} for r in rows]

    async def gri(self, year: int | None = None) -> list[dict[str, Any]]:
        return [plain(r) for r in await self.sql.fetch(_GRI, year)]

    async def pledges(self, company_id: UUID) -> list[dict[str, Any]]:
        rows = await self.sql.fetch("SELECT id, company_id, year, amount, themes, sdgs, regions, pledged_at "
                                    "FROM pledges WHERE company_id = $1 ORDER BY year DESC, pledged_at DESC",
                                    company_id)
        return [{**plain(r), "themes": list(r["themes"]), "sdgs": list(r["sdgs"]), "regions": list(r["regions"]),
                 "pledged_at": r["pledged_at"].isoformat()} for r in rows]

    async def allocations(self, limit: int, after: tuple[datetime, UUID] | None = None, *,
                          status: str | None = None, company_id: UUID | None = None,
                          target_kind: str | None = None, program: str | None = None) -> list[dict[str, Any]]:
        """Allocations oldest first (the desk works a queue from its front); `after` is the (created_at, id) of
        the previous page's last row. `program` is a program target's code or id, any case."""
        rows = await self.sql.fetch(
            "SELECT a.id, a.company_id, c.name AS company_name, a.target_kind, a.target_id, a.target_name, a.amount, "
            "a.sdgs, a.region, a.status, a.maker, a.checker, a.created_at, a.decided_at "
            "FROM allocations a JOIN companies c ON c.id = a.company_id "
            "WHERE ($1::text IS NULL OR a.status = $1) AND ($2::uuid IS NULL OR a.company_id = $2) "
            "AND ($3::text IS NULL OR a.target_kind = $3) "
            "AND ($4::text IS NULL OR (a.target_kind = 'program' AND lower(a.target_id) = lower($4))) "
            "AND ($5::timestamptz IS NULL OR (a.created_at, a.id) > ($5, $6::uuid)) "
            "ORDER BY a.created_at, a.id LIMIT $7",
            status, company_id, target_kind, program, after[0] if after else None, after[1] if after else None,
            limit)
        return [{**plain(r), "sdgs": list(r["sdgs"]), "created_at": r["created_at"].isoformat(),
                 "decided_at": r["decided_at"].isoformat() if r["decided_at"] else None} for r in rows]
