"""What other services and the review desk ask of the register (bearer token with scopes):

- `registry:verify`    flag a household for review because a grievance was upheld; request a registration
- `registry:register`  complete a registration request by registering the household (a village officer)
- `registry:read`      registration requests

The grievance service calls the first two with its own client-credentials token when a case is upheld.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import Field

from gotong.api.answers import Answer, Link, Listing
from gotong.api.app import RuntimeDep
from gotong.api.auth import Principal, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.problem import LIST_PROBLEMS, READ_PROBLEMS, problem_responses
from gotong.domain.bounds import INT32_MAX
from registry.application import requests as rq
from registry.domain.model import HouseholdIn
from registry.domain.requests import RequestSource
from registry.entrypoints.api.answers import HouseholdSummary
from registry.entrypoints.api.deps import DepsDep

router = APIRouter(prefix="/v1", tags=["registry"])
Verifier = Annotated[Principal, require_scopes("registry:verify")]
Registrar = Annotated[Principal, require_scopes("registry:register")]
READ = [require_scopes("registry:read")]
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


class ReviewFlagged(Answer):
    """A household flagged for review by an upheld grievance (`flagged` false: this case flagged it before)."""

    household_ref: str
    case_ref: str
    flagged: bool
    review: dict[str, Any] | None = None
    household: HouseholdSummary
    next: list[Link] = []


class RegistrationRequestView(Answer):
    """A request that a household be registered: open, then completed (with the household) or declined."""

    request_id: str
    status: str = Field(examples=["open", "completed", "declined"])
    region_code: str = Field(examples=["32.73.01.1001"])
    source: str = Field(examples=["grievance", "ops"])
    case_ref: str | None = None
    requested_by: str
    household_ref: str | None = None
    decided_by: str | None = None
    decline_reason: str | None = None
    version: int
    next: list[Link] = []


class RegistrationRequested(RegistrationRequestView):
    created: bool = Field(description="false: this case had asked already, this is the request it opened")


class RegistrationCompleted(RegistrationRequestView):
    household: HouseholdSummary


@router.post("/households/{household_id}/grievance-review", response_model=ReviewFlagged, responses=WRITE_ERRORS,
             summary="Flag a household for review because a grievance about it was upheld (once per case)")
async def flag_for_review(household_id: UUID, body: rq.ReviewFlag, cmd: CommandDep, who: Verifier) -> Any:
    return await cmd.execute(lambda uow: rq.flag_for_review(uow, household_id, who.subject, body))


@router.post("/registration-requests", response_model=RegistrationRequested, status_code=201,
             responses=WRITE_ERRORS,
             summary="Request that a household missing from the register be registered (an upheld usul)")
async def request_registration(body: rq.RequestIn, cmd: CommandDep, deps: DepsDep, who: Verifier) -> Any:
    source: RequestSource = "grievance" if body.case_ref is not None else "ops"
    return await cmd.execute(lambda uow: rq.request_registration(uow, deps, who.subject, body,
                                                                 source), status_code=201)


@router.get("/registration-requests", response_model=Listing[RegistrationRequestView], dependencies=READ,
            responses=LIST_PROBLEMS, summary="Registration requests, oldest first")
async def list_requests(rt: RuntimeDep,
                        status: Annotated[str | None, Query(pattern="^(open|completed|declined)$")] = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 50,
                        offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0) -> dict[str, Any]:
    async with rt.units.begin() as uow:
        return await rq.list_requests(uow, status, limit, offset)


@router.get("/registration-requests/{request_id}", response_model=RegistrationRequestView, dependencies=READ,
            responses=READ_PROBLEMS, summary="A registration request")
async def get_request(request_id: UUID, rt: RuntimeDep) -> dict[str, Any]:
    async with rt.units.begin() as uow:
        return await rq.get_request(uow, request_id)


@router.post("/registration-requests/{request_id}/registration", response_model=RegistrationCompleted,
             status_code=201, responses=WRITE_ERRORS,
             summary="Complete a request: register the household from its Kartu Keluarga (verified at once)")
async def complete(request_id: UUID, body: HouseholdIn, cmd: CommandDep, deps: DepsDep, who: Registrar) -> Any:
    return await cmd.execute(lambda uow: rq.complete_registration(uow, deps, request_id, who.subject, body),
                             status_code=201)


@router.post("/registration-requests/{request_id}/decline", response_model=RegistrationRequestView,
             responses=WRITE_ERRORS, summary="Decline a request with a reason code")
async def decline(request_id: UUID, body: rq.Decline, cmd: CommandDep, who: Registrar) -> Any:
    return await cmd.execute(lambda uow: rq.decline_registration(uow, request_id, who.subject, body))
