"""CSR reads: company reports, statements, the GRI-style disclosure and the public feed (from the read-side
adapter `Reports`, which holds the SQL and the one definition of money spent)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from uuid import UUID

from csr_ledger.adapters.desk_tables import Reports
from gotong.domain.errors import NotFound, ValidationFailed


async def company_totals(reports: Reports, company_id: UUID | None = None) -> list[dict[str, Any]]:
    out = await reports.company_totals(company_id)
    for d in out:
        d["remaining"] = d["deposited"] - d["spent"]  # deposited money not yet paid out to beneficiaries
    return out


async def company_report(reports: Reports, company_id: UUID) -> dict[str, Any]:
    totals = await company_totals(reports, company_id)
    if not totals:
        raise NotFound(f"company {company_id} is not registered", field="company_id")
    return {**totals[0], "reach": await reports.reach(company_id), "by_sdg": await reports.allocated_by_sdg(company_id)}


async def pledges(reports: Reports, company_id: UUID) -> list[dict[str, Any]]:
    if not await reports.company_totals(company_id):
        raise NotFound(f"company {company_id} is not registered", field="company_id")
    return await reports.pledges(company_id)


async def statement(reports: Reports, account_id: UUID, limit: int, after_seq: int = 0) -> dict[str, Any]:
    account = await reports.account(account_id)
    if account is None:
        raise NotFound(f"account {account_id} does not exist", field="account_id")
    return {"account": account, "entries": await reports.entries(account_id, limit, after_seq)}


async def allocations(reports: Reports, limit: int, after: Any = None, **filters: Any) -> list[dict[str, Any]]:
    """A page of allocations, oldest first; `after` is the previous page's last (created_at, id) as the cursor
    carries it (a cursor of another shape is refused, naming `cursor`)."""
    start = None
    if after is not None:
        try:
            start = (datetime.fromisoformat(after[0]), UUID(str(after[1])))
        except (TypeError, ValueError, IndexError, KeyError) as err:
            raise ValidationFailed("cursor is not one this API issued", field="cursor") from err
    return await reports.allocations(limit, start, **filters)


async def gri_disclosure(reports: Reports, year: int | None = None) -> list[dict[str, Any]]:
    """GRI 201-1 (community investments), 203-1 (infrastructure investments and services supported) and
    413-1 (operations with local community engagement), per company."""
    return await reports.gri(year)


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()
