"""The CSR desk's API: companies, pledges, deposits, allocations with maker–checker, statements, reports."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from csr_ledger.adapters.desk_tables import Reports
from csr_ledger.application import commands as c
from csr_ledger.application import queries as q
from csr_ledger.config import Settings
from csr_ledger.entrypoints.api import answers as a
from gotong.api.answers import Page
from gotong.api.app import RuntimeDep, runtime
from gotong.api.auth import Principal, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.pagination import PageDep, link_header
from gotong.api.problem import LIST_PROBLEMS, READ_PROBLEMS, problem_responses

router = APIRouter(prefix="/v1", tags=["csr"])
public = APIRouter(prefix="/public", tags=["public"])
Writer = Annotated[Principal, require_scopes("csr-ledger:write")]
Approver = Annotated[Principal, require_scopes("csr-ledger:approve")]
READ = [require_scopes("csr-ledger:read")]
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


async def _read(request: Request, fn: Any, *args: Any) -> Any:
    """A query on one read-only snapshot."""
    async with runtime(request.app).database.read() as sql:
        return await fn(Reports(sql), *args)


@router.post("/companies", response_model=a.CompanyRegistered, status_code=201, responses=WRITE_ERRORS,
             summary="Register a company")
async def register_company(body: c.RegisterCompany, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.register_company(uow, body), status_code=201)


@router.get("/companies", response_model=list[a.CompanyTotals], dependencies=READ, responses=LIST_PROBLEMS,
            summary="Companies with pledged, deposited, allocated, spent")
async def list_companies(request: Request) -> list[dict[str, Any]]:
    return await _read(request, q.company_totals)  # type: ignore[no-any-return]


@router.get("/companies/{company_id}/report", response_model=a.CompanyReport, dependencies=READ,
            responses=READ_PROBLEMS,
            summary="A company's report: totals, reach by program and region, allocation by SDG")
async def company_report(company_id: UUID, request: Request) -> dict[str, Any]:
    return await _read(request, q.company_report, company_id)  # type: ignore[no-any-return]


@router.post("/companies/{company_id}/pledges", response_model=a.PledgeMade, status_code=201, responses=WRITE_ERRORS,
             summary="Record a pledge")
async def make_pledge(company_id: UUID, body: c.MakePledge, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.make_pledge(uow, company_id, body), status_code=201)


@router.get("/companies/{company_id}/pledges", response_model=list[a.Pledge], dependencies=READ,
            responses=READ_PROBLEMS, summary="A company's pledges, newest year first")
async def list_pledges(company_id: UUID, request: Request) -> list[dict[str, Any]]:
    return await _read(request, q.pledges, company_id)  # type: ignore[no-any-return]


@router.post("/companies/{company_id}/deposits", response_model=a.DepositRecorded, status_code=201,
             responses=WRITE_ERRORS,
             summary="Record a deposit into the company's CSR fund (idempotent by transfer_id)")
async def record_deposit(company_id: UUID, body: c.RecordDeposit, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.record_deposit(uow, company_id, body), status_code=201)


@router.post("/companies/{company_id}/allocations", response_model=a.AllocationRequested, status_code=201,
             responses=WRITE_ERRORS,
             summary="Allocate funds to a program, enterprise or project; above the threshold it awaits approval")
async def request_allocation(company_id: UUID, body: c.RequestAllocation, cmd: CommandDep, who: Writer,
                             rt: RuntimeDep) -> Any:
    s = cast(Settings, rt.settings)
    return await cmd.execute(lambda uow: c.request_allocation(
        uow, company_id, body, who.subject, s.allocation_approval_threshold, s.allocation_approval_timeout_s),
        status_code=201)


AllocationStatus = Literal["pending_approval", "approved", "rejected", "expired"]


@router.get("/allocations", response_model=Page[a.Allocation], dependencies=READ, responses=LIST_PROBLEMS,
            summary="Allocations, oldest first, paged; filter by status (e.g. waiting for approval), company, "
                    "kind of target, program")
async def list_allocations(request: Request, response: Response, page: PageDep,
                           status: AllocationStatus | None = None, company_id: UUID | None = None,
                           target_kind: Literal["program", "enterprise", "project"] | None = None,
                           program: Annotated[str | None, Query(min_length=1, max_length=60,
                                                                description="a program's code or id")] = None
                           ) -> dict[str, Any]:
    items = await _read(request, lambda r: q.allocations(r, page.limit, page.after, status=status,
                                                         company_id=company_id, target_kind=target_kind,
                                                         program=program))
    next_cursor = page.next_cursor([items[-1]["created_at"], items[-1]["id"]] if items else None, len(items))
    response.headers.update(link_header(request, next_cursor))
    return {"items": items, "next_cursor": next_cursor, "limit": page.limit}


@router.post("/allocations/{allocation_id}/approve", response_model=a.AllocationDecided, responses=WRITE_ERRORS,
             summary="Approve an allocation (a different officer than the one who requested it)")
async def approve(allocation_id: UUID, cmd: CommandDep, who: Approver) -> Any:
    return await cmd.execute(lambda uow: c.decide_allocation(uow, allocation_id, who.subject, True))


@router.post("/allocations/{allocation_id}/reject", response_model=a.AllocationDecided, responses=WRITE_ERRORS,
             summary="Reject an allocation")
async def reject(allocation_id: UUID, cmd: CommandDep, who: Approver) -> Any:
    return await cmd.execute(lambda uow: c.decide_allocation(uow, allocation_id, who.subject, False))


@router.get("/accounts/{account_id}/statement", response_model=a.Statement, dependencies=READ, responses=READ_PROBLEMS,
            summary="Account statement: balances and entries, oldest first, paged")
async def account_statement(account_id: UUID, page: PageDep, request: Request) -> dict[str, Any]:
    after = int(page.after or 0)
    result = await _read(request, q.statement, account_id, page.limit, after)
    entries = result["entries"]
    result["next_cursor"] = page.next_cursor(entries[-1]["seq"] if entries else after, len(entries))
    return result  # type: ignore[no-any-return]


@router.get("/reports/gri", dependencies=READ, responses={**LIST_PROBLEMS, 200: {
    "description": "One row per company, as JSON or (format=csv) as CSV",
    "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/GriRow"}}},
                "text/csv": {"schema": {"type": "string"}}}}}, response_model=list[a.GriRow],
            summary="GRI-style disclosure (201-1, 203-1, 413-1), CSV or JSON")
async def gri(request: Request, format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
              year: Annotated[int | None, Query(ge=2000, le=2100)] = None) -> Any:
    rows = await _read(request, q.gri_disclosure, year)
    if format == "csv":
        return PlainTextResponse(q.to_csv(rows), media_type="text/csv",
                                 headers={"Content-Disposition": 'attachment; filename="gri-disclosure.csv"'})
    return rows


@public.get("/companies", response_model=list[a.CompanyPublic],
            summary="Public feed: each company's CSR totals (no personal data)")
async def public_companies(request: Request) -> list[dict[str, Any]]:
    rows = await _read(request, q.company_totals)
    keep = ("id", "name", "sector", "tjsl_mandatory", "pledged", "deposited", "allocated", "spent")
    return [{k: r[k] for k in keep} for r in rows]
