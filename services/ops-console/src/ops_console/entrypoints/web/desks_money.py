"""The money desks: disbursement programs and cycles (open, compute, review, approve by a second officer, pay,
close, reconcile) and exceptions (reissue one payment, resolve), CSR allocations waiting for approval, and
social enterprises' impact reports waiting for review. Every step is the owning service's; the console asks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from gotong.api.app import runtime
from ops_console.adapters.owners import OwnerRefused
from ops_console.adapters.read_model import ReadModel
from ops_console.entrypoints.web.officer import OfficerDep, checked_form
from ops_console.entrypoints.web.owners import PAGE, act, field, owner, refused
from ops_console.entrypoints.web.render import page

router = APIRouter(include_in_schema=False)
Offset = Annotated[int, Query(ge=0, le=2**31 - 1)]
CycleStep = Literal["compute", "review", "approve", "pay", "close", "reconcile"]
#: "" is the filter form's "all" (a form sends the empty choice as an empty value).
CycleStatus = Literal["open", "computed", "reviewed", "approved", "paying", "closed", "reconciled", ""]


@router.get("/programs")
async def programs(request: Request, officer: OfficerDep) -> Response:
    try:
        found = await owner(request, officer, "disbursement").get("/v1/programs")
    except OwnerRefused as err:
        return refused(request, officer, err)
    return page(request, "programs.html", officer=officer, items=found if isinstance(found, list) else [])


@router.get("/cycles")
async def cycles(request: Request, officer: OfficerDep,
                 program: Annotated[str | None, Query(max_length=60)] = None,
                 status: CycleStatus = "", offset: Offset = 0) -> Response:
    try:
        found = await owner(request, officer, "disbursement").get("/v1/cycles", program=program, status=status or None)
    except OwnerRefused as err:
        return refused(request, officer, err)
    items = found if isinstance(found, list) else []
    return page(request, "cycles.html", officer=officer, items=items[offset:offset + PAGE], total=len(items),
                offset=offset, page_size=PAGE, program=program or "", status=status or "")


@router.post("/cycles")
async def open_cycle(request: Request, officer: OfficerDep) -> Response:
    form = await checked_form(request, officer)
    body = {"program": field(form, "program"), "period": field(form, "period"), "cutoff": field(form, "cutoff")}
    return await act(request, officer, "disbursement", "/v1/cycles", body=body, back="/cycles")


@router.get("/cycles/{cycle_id}")
async def cycle(request: Request, officer: OfficerDep, cycle_id: UUID) -> Response:
    try:
        found = await owner(request, officer, "disbursement").get(f"/v1/cycles/{cycle_id}")
    except OwnerRefused as err:
        return refused(request, officer, err)
    return page(request, "cycle.html", officer=officer, c=found, cycle_id=cycle_id,
                steps=("compute", "review", "approve", "pay", "close", "reconcile"))


@router.post("/cycles/{cycle_id}/{step}")
async def cycle_step(request: Request, officer: OfficerDep, cycle_id: UUID, step: CycleStep) -> Response:
    body: Any = {"note": None} if step == "review" else None
    return await act(request, officer, "disbursement", f"/v1/cycles/{cycle_id}/{step}", body=body,
                     back=f"/cycles/{cycle_id}")


@router.get("/exceptions")
async def exceptions(request: Request, officer: OfficerDep, status: Literal["open", "resolved"] | None = "open",
                     cycle_id: UUID | None = None, offset: Offset = 0) -> Response:
    try:
        found = await owner(request, officer, "disbursement").get("/v1/exceptions", status=status,
                                                                  cycle_id=cycle_id)
    except OwnerRefused as err:
        return refused(request, officer, err)
    items = found if isinstance(found, list) else []
    return page(request, "exceptions.html", officer=officer, items=items[offset:offset + PAGE], total=len(items),
                offset=offset, page_size=PAGE, status=status or "", cycle_id=cycle_id or "")


@router.post("/payments/{payment_id}/reissue")
async def reissue(request: Request, officer: OfficerDep, payment_id: UUID) -> Response:
    return await act(request, officer, "disbursement", f"/v1/payments/{payment_id}/reissue", back="/exceptions")


@router.post("/exceptions/{exception_id}/resolve")
async def resolve(request: Request, officer: OfficerDep, exception_id: UUID) -> Response:
    form = await checked_form(request, officer)
    return await act(request, officer, "disbursement", f"/v1/exceptions/{exception_id}/resolve",
                     body={"resolution": field(form, "resolution")}, back="/exceptions")


@router.get("/allocations")
async def allocations(request: Request, officer: OfficerDep,
                      after: Annotated[str | None, Query(max_length=200, pattern=r"^[^|]+\|[^|]+$")] = None
                      ) -> Response:
    """The CSR ledger has no list of allocations in its API: the waiting ones come from its published
    `AllocationDecided` facts, kept in the console's read model; the decision goes to the ledger's API. Pages
    by a (since, id) cursor: the next page costs what the first does, however long the list."""
    cursor = None
    if after:
        since, item = after.split("|", 1)
        try:
            cursor = (datetime.fromisoformat(since), item)
        except ValueError:
            return page(request, "message.html", status_code=422, officer=officer, title_key="bad_input",
                        message="after: not a cursor this list gave out", back=True)
    kit = runtime(request.app)
    async with kit.database.read() as sql:
        total, items = await ReadModel(sql).page("allocation", limit=PAGE, after=cursor)
    following = f"{items[-1].since.isoformat()}|{items[-1].item_id}" if len(items) == PAGE else None
    return page(request, "allocations.html", officer=officer, items=items, total=total, next_after=following,
                after=after or "")


@router.post("/allocations/{allocation_id}/{decision}")
async def decide_allocation(request: Request, officer: OfficerDep, allocation_id: UUID,
                            decision: Literal["approve", "reject"]) -> Response:
    return await act(request, officer, "csr-ledger", f"/v1/allocations/{allocation_id}/{decision}",
                     back="/allocations")


@router.get("/reports")
async def enterprises(request: Request, officer: OfficerDep,
                      cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    try:
        found = await owner(request, officer, "enterprise").get("/v1/enterprises", cursor=cursor, limit=PAGE)
    except OwnerRefused as err:
        return refused(request, officer, err)
    return page(request, "enterprises.html", officer=officer, items=found.get("items", []),
                next_cursor=found.get("next_cursor"))


@router.get("/reports/{enterprise_id}")
async def reports(request: Request, officer: OfficerDep, enterprise_id: UUID) -> Response:
    enterprise = owner(request, officer, "enterprise")
    try:
        detail = await enterprise.get(f"/v1/enterprises/{enterprise_id}")
        periods = await enterprise.get(f"/v1/enterprises/{enterprise_id}/reports")
    except OwnerRefused as err:
        return refused(request, officer, err)
    return page(request, "reports.html", officer=officer, e=detail, enterprise_id=enterprise_id,
                periods=periods if isinstance(periods, list) else [])


@router.post("/reports/{enterprise_id}/{period}/{version}/{decision}")
async def decide_report(request: Request, officer: OfficerDep, enterprise_id: UUID,
                        period: Annotated[str, Path(pattern=r"^\d{4}(-Q[1-4])?$")],
                        version: Annotated[int, Path(ge=1, le=10_000)],
                        decision: Literal["accept", "return"]) -> Response:
    form = await checked_form(request, officer)
    body = {"reason": field(form, "reason")} if decision == "return" else None
    return await act(request, officer, "enterprise",
                     f"/v1/enterprises/{enterprise_id}/reports/{period}/versions/{version}/{decision}", body=body,
                     back=f"/reports/{enterprise_id}")
