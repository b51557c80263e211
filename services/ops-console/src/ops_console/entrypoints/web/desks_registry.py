"""The registry desk: the verification review queue (propose; decide as another officer) and a household's
non-personal detail, with personal data only after the officer states a purpose (the registry records it)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ops_console.adapters.owners import OwnerRefused
from ops_console.entrypoints.web.officer import OfficerDep, checked_form
from ops_console.entrypoints.web.owners import KEY, PAGE, act, field, owner, refused
from ops_console.entrypoints.web.render import page

router = APIRouter(include_in_schema=False)
ReviewId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ReviewStatus = Annotated[str | None, Query(pattern="^(open|proposed|decided)?$")]


#: The registry's review reasons (its verification rules), offered in the filter before any page shows them.
REASONS = ("changed_after_rejection", "civil_registry_mismatch", "civil_registry_not_found", "duplicate_kk",
           "duplicate_nik", "grievance_upheld", "head_too_young", "probable_duplicate", "review_reopened")


def reason_names(reasons: Any) -> list[str]:
    names = []
    for r in reasons or []:
        if isinstance(r, dict):
            names.append(str(r.get("reason") or r.get("code") or r.get("kind") or "-"))
        else:
            names.append(str(r))
    return names


@router.get("/reviews")
async def reviews(request: Request, officer: OfficerDep, status: ReviewStatus = None,
                  reason: Annotated[str | None, Query(pattern="^([a-z][a-z0-9_]{1,59})?$")] = None,
                  region: Annotated[str | None, Query(pattern=r"^(\d{2}(\.\d{2}){0,2}(\.\d{4})?)?$")] = None,
                  older_than_days: Annotated[str | None, Query(pattern="^(1|7|30)?$")] = None,
                  offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> Response:
    """The registry filters (status, reason, region, age) and counts; the console shows its page. Filtered by
    region or age the registry counts only so far and says so (`total_relation: gte`): "of at least N"."""
    try:
        found = await owner(request, officer, "registry").get(
            "/v1/reviews", status=status, reason=reason, region=region, older_than_days=older_than_days,
            limit=PAGE, offset=offset)
    except OwnerRefused as err:
        return refused(request, officer, err)
    items = [{**r, "reason_names": reason_names(r.get("reasons"))} for r in found.get("items", [])]
    reasons = sorted({*REASONS, *(n for r in items for n in r["reason_names"]), *([reason] if reason else [])})
    return page(request, "reviews.html", officer=officer, items=items, total=found.get("total", 0),
                at_least=found.get("total_relation") == "gte", offset=offset,
                page_size=PAGE, status=status or "", reason=reason or "", reasons=reasons, region=region or "",
                older_than_days=older_than_days or "")


@router.post("/reviews/{review_id}/propose")
async def propose(request: Request, officer: OfficerDep, review_id: ReviewId) -> Response:
    form = await checked_form(request, officer)
    body = {"decision": field(form, "decision"), "note": field(form, "note")}
    return await act(request, officer, "registry", f"/v1/reviews/{review_id}/proposal", body=body,
                     back="/reviews")


@router.post("/reviews/{review_id}/decide")
async def decide(request: Request, officer: OfficerDep, review_id: ReviewId) -> Response:
    form = await checked_form(request, officer)
    approve = "true" if field(form, "approve") != "false" else "false"
    return await act(request, officer, "registry", f"/v1/reviews/{review_id}/approval", params={"approve": approve},
                     back="/reviews")


@router.get("/households/{household_id}")
async def household(request: Request, officer: OfficerDep, household_id: UUID) -> Response:
    try:
        found = await owner(request, officer, "registry").get(f"/v1/households/{household_id}")
    except OwnerRefused as err:
        return refused(request, officer, err)
    return page(request, "household.html", officer=officer, h=found, household_id=household_id, personal=None)


@router.post("/households/{household_id}/personal")
async def personal(request: Request, officer: OfficerDep, household_id: UUID) -> Response:
    form = await checked_form(request, officer)
    purpose = field(form, "purpose")
    registry = owner(request, officer, "registry")
    try:
        found = await registry.get(f"/v1/households/{household_id}")
        data = await registry.get(f"/v1/households/{household_id}/personal", purpose=purpose)
    except OwnerRefused as err:
        return refused(request, officer, err)
    return page(request, "household.html", officer=officer, h=found, household_id=household_id, personal=data,
                purpose=purpose)


MEMBER_ROWS = 4
RELATIONS = ("kepala", "istri", "suami", "anak", "menantu", "cucu", "orang_tua", "mertua", "famili", "lainnya")


@router.get("/register")
async def new_household(request: Request, officer: OfficerDep) -> Response:
    return page(request, "register.html", officer=officer, rows=range(MEMBER_ROWS), relations=RELATIONS)


@router.post("/households")
async def register(request: Request, officer: OfficerDep) -> Response:
    """The registry decides everything (NIK checks, duplicates, verification); the console only passes the form
    on. Nothing of it is logged; the answer names a refused field the registry's way (`members.0.nik`)."""
    form = await checked_form(request, officer)
    key = field(form, "idem")
    if not KEY.match(key):
        return page(request, "message.html", status_code=422, officer=officer, title_key="bad_input",
                    message="idem: the form's idempotency key is missing or malformed; reload the page", back=True)
    members = [{"nik": field(form, f"nik_{i}"), "name": field(form, f"name_{i}"), "sex": field(form, f"sex_{i}"),
                "birth_date": field(form, f"birth_date_{i}"), "relation": field(form, f"relation_{i}")}
               for i in range(MEMBER_ROWS) if field(form, f"nik_{i}") or field(form, f"name_{i}")]
    body: dict[str, Any] = {"kk": field(form, "kk"), "village_code": field(form, "village_code"),
                            "address": field(form, "address"), "members": members}
    for optional in ("phone", "bank_account"):
        if field(form, optional):
            body[optional] = field(form, optional)
    try:
        answer = await owner(request, officer, "registry").post("/v1/households", body, idempotency_key=key)
    except OwnerRefused as err:
        return refused(request, officer, err)
    return RedirectResponse(f"/households/{answer['household_ref']}?done=1", status_code=303)
