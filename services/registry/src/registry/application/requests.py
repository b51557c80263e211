"""What other services (and the registry's own desk) ask of the register: flag a household for review because a
grievance was upheld, and request the registration of a household that is missing (an upheld *usul*), which a
village officer completes by registering it from its Kartu Keluarga or declines with a reason code.

Each is decided by an aggregate (`Household.flag_for_grievance`, `RegistrationRequest`) and saved as events
through the unit of work; a repeated request from the same grievance case changes nothing and answers the same.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from uuid6 import uuid7

from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork
from gotong.domain.errors import NotFound, ValidationFailed
from registry.adapters.requests import RequestReads
from registry.adapters.reviews import ReviewQueue
from registry.application.commands import Deps, _save, load, next_steps, register_household, summary
from registry.domain.household import GRIEVANCE_REASONS, GrievanceReason, events
from registry.domain.identity import Regions
from registry.domain.model import HouseholdIn
from registry.domain.requests import (
    DECLINE_REASONS,
    DeclineReason,
    RegistrationRequest,
    RequestSource,
    request_id_for,
)

requests = Repository(RegistrationRequest, events)
REGION_CODE = r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"


# --- flag a household for review (an upheld sanggah, an usul for re-assessment) ------------------------------
class ReviewFlag(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_ref: UUID = Field(description="the upheld grievance case (its id, not its tracking number): one flag per "
                           "case, a repeat changes nothing")
    reason: GrievanceReason = Field(description="why: " + "; ".join(f"`{k}`: {v}"
                                                                   for k, v in GRIEVANCE_REASONS.items()))


async def flag_for_review(uow: UnitOfWork, household_id: UUID, by: str, body: ReviewFlag) -> dict[str, Any]:
    h = await load(uow, household_id)
    review_id = await uow.adapter(ReviewQueue).next_id() if h.open_review is None else None
    flagged = h.flag_for_grievance(str(body.case_ref), body.reason, by, review_id)
    if flagged:
        await _save(uow, h, "flagged_for_review")
    opened = h.open_review
    review = {"id": opened.id, "status": opened.status} if opened is not None else None
    return {"household_ref": str(h.id), "case_ref": str(body.case_ref), "flagged": flagged, "review": review,
            "household": summary(h), "next": next_steps(h.id, h.verification, review)}


# --- registration requests (an upheld usul) ------------------------------------------------------------------
class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    region_code: str = Field(pattern=REGION_CODE, description="where the household lives: a Kepmendagri code "
                             "(province, regency, district or village) that exists", examples=["32.73.01.1001"])
    case_ref: UUID | None = Field(default=None, description="the upheld grievance case that asks: the same case "
                                  "asking again finds the request it opened")


class Decline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: DeclineReason = Field(description="why: " + "; ".join(f"`{k}`: {v}" for k, v in DECLINE_REASONS.items()))


def _check_region(code: str, regions: Regions) -> None:
    if code not in regions.names:
        raise ValidationFailed("not a region code in the Kepmendagri list", field="region_code")


def request_view(r: RegistrationRequest) -> dict[str, Any]:
    view = r.view()
    href = f"/v1/registration-requests/{r.id}"
    view["next"] = ([{"action": "register the household", "method": "POST", "href": f"{href}/registration"},
                     {"action": "decline", "method": "POST", "href": f"{href}/decline"}]
                    if r.status == "open" else [])
    return view


async def request_registration(uow: UnitOfWork, deps: Deps, by: str, body: RequestIn,
                               source: RequestSource) -> dict[str, Any]:
    _check_region(body.region_code, deps.regions)
    request_id = request_id_for(source, str(body.case_ref)) if body.case_ref is not None else None
    if request_id is not None:
        found = await uow.find(requests, request_id)
        if found is not None:
            return {**request_view(found), "created": False}
    request = RegistrationRequest.open(request_id or uuid7(), body.region_code, source,
                                       str(body.case_ref) if body.case_ref else None, by)
    await uow.save(request)
    return {**request_view(request), "created": True}


async def _request(uow: UnitOfWork, request_id: UUID) -> RegistrationRequest:
    found = await uow.find(requests, request_id)
    if found is None:
        raise NotFound(f"registration request {request_id} does not exist", field="request_id")
    return found


async def complete_registration(uow: UnitOfWork, deps: Deps, request_id: UUID, by: str,
                                body: HouseholdIn) -> dict[str, Any]:
    """The village officer registers the household the request asked for (verified at once, as any
    registration); the request is completed in the same transaction."""
    request = await _request(uow, request_id)
    request.check_open()
    request.check_village(body.village_code)
    household = await register_household(uow, deps, body, source="registration_request")
    request.complete(UUID(household["household_ref"]), body.village_code, by)
    await uow.save(request)
    return {**request_view(request), "household": household}


async def decline_registration(uow: UnitOfWork, request_id: UUID, by: str, body: Decline) -> dict[str, Any]:
    request = await _request(uow, request_id)
    request.decline(body.reason, by)
    await uow.save(request)
    return request_view(request)


async def list_requests(uow: UnitOfWork, status: str | None, limit: int, offset: int) -> dict[str, Any]:
    total, ids = await uow.adapter(RequestReads).ids(status, limit, offset)
    return {"total": total, "items": [request_view(await _request(uow, i)) for i in ids]}


async def get_request(uow: UnitOfWork, request_id: UUID) -> dict[str, Any]:
    return request_view(await _request(uow, request_id))
