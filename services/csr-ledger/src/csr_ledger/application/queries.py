"""CSR reads: company reports, statements, the GRI-style disclosure and the public feed."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from gotong.domain.errors import NotFound


def _plain(row: Any) -> dict[str, Any]:
    """Rupiah sums come back as numeric: whole rupiah are ints, never floats or strings."""
    return {k: (int(v) if isinstance(v, Decimal) else str(v) if isinstance(v, UUID) else v)
            for k, v in dict(row).items()}

#: The one definition of CSR money spent, used by every figure this service publishes: spending rows whose
#: money stayed with the household (a returned attempt's row says `returned`; its reissue has a row of its own).
SPENT = "coalesce(sum(s.amount) FILTER (WHERE s.status = 'paid'), 0)"

_COMPANY_TOTALS = f"""
SELECT c.id, c.name, c.sector, c.tjsl_mandatory,
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


async def company_totals(driver: asyncpg.Connection, company_id: UUID | None = None) -> list[dict[str, Any]]:
    rows = await driver.fetch(_COMPANY_TOTALS + (" WHERE c.id = $1" if company_id else "") + " ORDER BY c.name",
                              *([company_id] if company_id else []))
    out = []
    for r in rows:
        d = _plain(r)
        d["remaining"] = d["deposited"] - d["spent"]  # deposited money not yet paid out to beneficiaries
        out.append(d)
    return out


async def company_report(driver: asyncpg.Connection, company_id: UUID) -> dict[str, Any]:
    totals = await company_totals(driver, company_id)
    if not totals:
        raise NotFound(f"company {company_id} is not registered", field="company_id")
    reach = await driver.fetch(
        f"SELECT program_id, province_code, count(DISTINCT household_ref) AS households, {SPENT} AS amount "
        "FROM spending s WHERE company_id = $1 AND status = 'paid' GROUP BY 1, 2 ORDER BY 1, 2", company_id)
    by_sdg = await driver.fetch(
        "SELECT sdg, sum(a.amount) AS allocated FROM allocations a, unnest(a.sdgs) AS sdg "
        "WHERE a.company_id = $1 AND a.status = 'approved' GROUP BY sdg ORDER BY sdg", company_id)
    return {**totals[0], "reach": [_plain(r) for r in reach], "by_sdg": [_plain(r) for r in by_sdg]}


async def statement(driver: asyncpg.Connection, account_id: UUID, limit: int, after_seq: int = 0) -> dict[str, Any]:
    account = await driver.fetchrow("SELECT * FROM ledger_accounts WHERE id = $1", account_id)
    if account is None:
        raise NotFound(f"account {account_id} does not exist", field="account_id")
    rows = await driver.fetch(
        "SELECT seq, id, timestamp, code, reference, amount, flags, pending_state, "
        "CASE WHEN debit_account_id = $1 THEN 'debit' ELSE 'credit' END AS side "
        "FROM ledger_transfers WHERE (debit_account_id = $1 OR credit_account_id = $1) AND seq > $2 "
        "ORDER BY seq LIMIT $3", account_id, after_seq, limit)
    return {
        "account": _plain(account),
        "entries": [{**dict(r), "id": str(r["id"]), "timestamp": r["timestamp"].isoformat()} for r in rows],
    }


async def gri_disclosure(driver: asyncpg.Connection, year: int | None = None) -> list[dict[str, Any]]:
    """GRI 201-1 (community investments), 203-1 (infrastructure investments and services supported) and
    413-1 (operations with local community engagement), per company."""
    rows = await driver.fetch(
        f"""
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
        """, year)
    return [_plain(r) for r in rows]


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()
