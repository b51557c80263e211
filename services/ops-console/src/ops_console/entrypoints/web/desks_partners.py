"""The partners' desks: the CSR desk (companies with their pledges and deposits, allocations waiting for approval,
approved or rejected through the ledger's API), social enterprises' impact reports waiting for review across every
enterprise (accepted or returned through the enterprise service's API), and partnership milestones overdue.

Every list is the owning service's cursor-paged list, asked with the officer's own token; every decision is the
owning service's, so four eyes and scopes hold here exactly as they do over its API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from ops_console.adapters.owners import OwnerRefused
from ops_console.entrypoints.web import i18n
from ops_console.entrypoints.web.officer import Officer, OfficerDep, checked_form
from ops_console.entrypoints.web.owners import PAGE, act, field, owner, refused
from ops_console.entrypoints.web.render import page

router = APIRouter(include_in_schema=False)
Cursor = Annotated[str | None, Query(max_length=512)]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]
Region = Annotated[str | None, Query(max_length=20)]
AllocationStatus = Literal["", "pending_approval", "approved", "rejected", "expired"]
ReportStatus = Literal["", "submitted", "accepted", "returned", "superseded"]
MilestoneState = Literal["", "overdue", "open", "done"]

#: This desk's words, Bahasa Indonesia first (the console's shared words come from `i18n`).
WORDS: dict[str, tuple[str, str]] = {
    "csr_desk": ("Meja CSR", "CSR desk"),
    "companies": ("Perusahaan", "Companies"),
    "search_company": ("Cari nama atau sektor", "Search name or sector"),
    "company": ("Perusahaan", "Company"),
    "sector": ("Sektor", "Sector"),
    "tjsl": ("Wajib TJSL", "TJSL duty"),
    "pledged": ("Dijanjikan", "Pledged"),
    "deposited": ("Disetor", "Deposited"),
    "allocated": ("Dialokasikan", "Allocated"),
    "awaiting_approval": ("Menunggu persetujuan", "Awaiting approval"),
    "spent": ("Tersalurkan", "Spent"),
    "unallocated": ("Belum dialokasikan", "Unallocated"),
    "pledges": ("Janji dana", "Pledges"),
    "year": ("Tahun", "Year"),
    "themes": ("Tema", "Themes"),
    "deposits": ("Mutasi rekening dana", "Fund account entries"),
    "entry": ("Jenis mutasi", "Entry"),
    "side": ("Sisi", "Side"),
    "when": ("Waktu", "When"),
    "allocations_desk": ("Alokasi CSR", "CSR allocations"),
    "pending_approval": ("Menunggu persetujuan", "Waiting for approval"),
    "approved": ("Disetujui", "Approved"),
    "rejected": ("Ditolak", "Rejected"),
    "expired": ("Kedaluwarsa", "Expired"),
    "target": ("Tujuan", "Target"),
    "maker": ("Diajukan oleh", "Requested by"),
    "checker": ("Diputuskan oleh", "Decided by"),
    "requested_at": ("Diajukan", "Requested"),
    "program_code": ("Kode program", "Program code"),
    "company_id": ("ID perusahaan", "Company ID"),
    "impact_reports": ("Laporan dampak menunggu tinjauan", "Impact reports waiting for review"),
    "enterprise": ("Usaha sosial", "Social enterprise"),
    "region": ("Wilayah (kode Kepmendagri)", "Region (Kepmendagri code)"),
    "submitted": ("Diajukan", "Submitted"),
    "accepted": ("Diterima", "Accepted"),
    "returned": ("Dikembalikan", "Returned"),
    "superseded": ("Digantikan", "Superseded"),
    "submitted_by": ("Diajukan oleh", "Submitted by"),
    "accept": ("Terima laporan", "Accept report"),
    "return": ("Kembalikan untuk diperbaiki", "Return for correction"),
    "return_reason": ("Yang perlu diperbaiki", "What needs correcting"),
    "milestones": ("Tonggak kemitraan terlambat", "Partnership milestones overdue"),
    "project": ("Proyek", "Project"),
    "milestone": ("Tonggak", "Milestone"),
    "due_on": ("Jatuh tempo", "Due"),
    "done_on": ("Selesai", "Done"),
    "days_overdue": ("Hari terlambat", "Days overdue"),
    "overdue": ("Terlambat", "Overdue"),
    "open": ("Belum selesai", "Open"),
    "done": ("Selesai", "Done"),
    "as_of": ("Per tanggal", "As of"),
    "first_page": ("Halaman pertama", "First page"),
    "version": ("Versi", "Version"),
    "live_queue": ("antrean langsung dari peristiwa yang diterbitkan", "the live queue from published events"),
    "by_enterprise": ("Laporan per usaha sosial", "Reports by social enterprise"),
}


def words(lang: str) -> Callable[[str], str]:
    def w(key: str) -> str:
        pair = WORDS.get(key)
        return i18n.text(lang, key) if pair is None else pair[0] if lang == "id" else pair[1]

    return w


def day(value: Any) -> str:
    """A date as people in Indonesia write it (31-12-2026)."""
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d-%m-%Y")
    except ValueError:
        return "" if value is None else str(value)


def show(request: Request, template: str, officer: Officer, **ctx: Any) -> Response:
    return page(request, template, officer=officer, w=words(i18n.lang_of(request)), day=day, **ctx)


def chosen(value: str | None, default: str) -> str | None:
    """A filter's value: absent means the desk's default, an empty choice means all."""
    return default if value is None else value or None


@router.get("/csr")
async def companies(request: Request, officer: OfficerDep, offset: Offset = 0,
                    q: Annotated[str, Query(max_length=100)] = "") -> Response:
    """The ledger lists every company (a few hundred at most) with its totals; the desk searches and pages it."""
    try:
        found = await owner(request, officer, "csr-ledger").get("/v1/companies")
    except OwnerRefused as err:
        return refused(request, officer, err)
    wanted = q.strip().casefold()
    items = [c for c in found if not wanted or wanted in f"{c.get('name')} {c.get('sector')}".casefold()] \
        if isinstance(found, list) else []
    return show(request, "csr_companies.html", officer, items=items[offset:offset + PAGE], total=len(items),
                offset=offset, page_size=PAGE, q=q)


@router.get("/csr/companies/{company_id}")
async def company(request: Request, officer: OfficerDep, company_id: UUID, cursor: Cursor = None) -> Response:
    ledger = owner(request, officer, "csr-ledger")
    try:
        report = await ledger.get(f"/v1/companies/{company_id}/report")
        pledges = await ledger.get(f"/v1/companies/{company_id}/pledges")
        account = report.get("fund_account_id")  # the company's fund: deposits in, allocations out
        statement = await ledger.get(f"/v1/accounts/{account}/statement", limit=PAGE,
                                     cursor=cursor) if account else {}
    except OwnerRefused as err:
        return refused(request, officer, err)
    return show(request, "csr_company.html", officer, c=report, company_id=company_id, pledges=pledges,
                entries=statement.get("entries", []), next_cursor=statement.get("next_cursor"))


@router.get("/csr/allocations")
async def allocations(request: Request, officer: OfficerDep, status: AllocationStatus | None = None,
                      company_id: UUID | None = None,
                      program: Annotated[str | None, Query(max_length=60)] = None, cursor: Cursor = None) -> Response:
    wanted = chosen(status, "pending_approval")
    try:
        found = await owner(request, officer, "csr-ledger").get(
            "/v1/allocations", status=wanted, company_id=company_id, program=program, limit=PAGE, cursor=cursor)
    except OwnerRefused as err:
        return refused(request, officer, err)
    return show(request, "csr_allocations.html", officer, items=found.get("items", []),
                next_cursor=found.get("next_cursor"), status=wanted or "", company_id=company_id or "",
                program=program or "")


@router.post("/csr/allocations/{allocation_id}/{decision}")
async def decide_allocation(request: Request, officer: OfficerDep, allocation_id: UUID,
                            decision: Literal["approve", "reject"]) -> Response:
    return await act(request, officer, "csr-ledger", f"/v1/allocations/{allocation_id}/{decision}",
                     back="/csr/allocations")


@router.get("/impact-reports")
async def impact_reports(request: Request, officer: OfficerDep, status: ReportStatus | None = None,
                         region: Region = None, cursor: Cursor = None) -> Response:
    wanted = chosen(status, "submitted")
    try:
        found = await owner(request, officer, "enterprise").get(
            "/v1/enterprises/reports", status=wanted, region=region, limit=PAGE, cursor=cursor)
    except OwnerRefused as err:
        return refused(request, officer, err)
    return show(request, "impact_reports.html", officer, items=found.get("items", []),
                next_cursor=found.get("next_cursor"), status=wanted or "", region=region or "")


@router.post("/impact-reports/{enterprise_id}/{period}/{version}/{decision}")
async def review_report(request: Request, officer: OfficerDep, enterprise_id: UUID,
                        period: Annotated[str, Path(pattern=r"^\d{4}(-Q[1-4])?$")],
                        version: Annotated[int, Path(ge=1, le=10_000)],
                        decision: Literal["accept", "return"]) -> Response:
    form = await checked_form(request, officer)
    body = {"reason": field(form, "reason")} if decision == "return" else None
    return await act(request, officer, "enterprise",
                     f"/v1/enterprises/{enterprise_id}/reports/{period}/versions/{version}/{decision}", body=body,
                     back="/impact-reports")


@router.get("/milestones")
async def milestones(request: Request, officer: OfficerDep, state: MilestoneState | None = None,
                     region: Region = None, as_of: date | None = None, cursor: Cursor = None) -> Response:
    wanted = chosen(state, "overdue")
    try:
        found = await owner(request, officer, "partnership").get(
            "/v1/milestones", state=wanted, region=region, as_of=as_of, limit=PAGE, cursor=cursor)
    except OwnerRefused as err:
        return refused(request, officer, err)
    return show(request, "milestones.html", officer, items=found.get("items", []),
                next_cursor=found.get("next_cursor"), state=wanted or "", region=region or "",
                as_of=as_of.isoformat() if as_of else "")
