"""The authenticated API for village officers and partner apps. Scopes:

- `grievance:read`    cases (codes and references, no personal data) and, for the officer handling it, the
                      sealed details (`/personal`; an anonymous reporter is never there)
- `grievance:write`   submit (an usul too), triage, investigate, attach evidence, propose a decision, close, appeal
- `grievance:decide`  decide a proposed decision (an upheld one by another officer than its proposer), erase
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request

from gotong.api.app import runtime
from gotong.api.auth import Principal, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.problem import problem_responses
from gotong.domain.bounds import INT32_MAX
from grievance.adapters.reads import CaseReads
from grievance.application import commands as c
from grievance.application import queries as q
from grievance.application.inputs import CaseSubmit, Evidence, Investigate, Proposal, Triage
from grievance.domain.catalogue import Kind, Status
from grievance.entrypoints.api.answers import CaseList, CaseView, OfficerSubmitted, SealedDetails
from grievance.entrypoints.api.deps import DepsDep, read

router = APIRouter(prefix="/v1/cases", tags=["cases"])
Reader = Annotated[Principal, require_scopes("grievance:read")]
Writer = Annotated[Principal, require_scopes("grievance:write")]
Decider = Annotated[Principal, require_scopes("grievance:decide")]
READ = [require_scopes("grievance:read")]
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.post("", status_code=201, response_model=OfficerSubmitted, responses=WRITE_ERRORS,
             summary="Submit a case (officer or partner app)")
async def submit(body: CaseSubmit, cmd: CommandDep, deps: DepsDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: c.submit(uow, deps, body, channel="officer", by=who.subject),
                             status_code=201)


@router.get("", response_model=CaseList, dependencies=READ, responses=problem_responses(401, 403, 422),
            summary="Cases, filtered")
async def list_cases(request: Request,
                     region: Annotated[str | None, Query(max_length=20, pattern=r"^[\d.]+$")] = None,
                     status: Status | None = None, kind: Kind | None = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100,
                     offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0) -> Any:
    async def fetch(reads: CaseReads) -> Any:
        rows = await reads.search(region=region, status=status, kind=kind, limit=limit, offset=offset)
        return [{**r, "follow_up_outcome": q.follow_up_outcome(r)} for r in rows]
    return {"items": await read(request, fetch), "limit": limit, "offset": offset}


@router.get("/{case_id}", response_model=CaseView, dependencies=READ, responses=problem_responses(401, 403, 404, 422),
            summary="One case")
async def get_case(case_id: UUID, request: Request) -> Any:
    return await read(request, q.case, case_id)


@router.get("/{case_id}/personal", response_model=SealedDetails, responses=problem_responses(401, 403, 404, 422),
            summary="The sealed details, for the officer handling the case")
async def personal(case_id: UUID, request: Request, deps: DepsDep, _: Reader) -> Any:
    # never through the idempotency store: the answer is personal data and must not be kept anywhere
    async with runtime(request.app).units.begin() as uow:
        return await c.personal(uow, deps, case_id)


@router.post("/{case_id}/triage", response_model=CaseView, responses=WRITE_ERRORS,
             summary="Route to the region's officer")
async def triage(case_id: UUID, body: Triage, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: c.triage(uow, case_id, body, who.subject))


@router.post("/{case_id}/investigation", response_model=CaseView, responses=WRITE_ERRORS,
             summary="Request field verification")
async def investigate(case_id: UUID, body: Investigate, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: c.investigate(uow, case_id, body, who.subject))


@router.post("/{case_id}/evidence", response_model=CaseView, responses=WRITE_ERRORS,
             summary="Attach evidence by its SHA-256")
async def evidence(case_id: UUID, body: Evidence, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: c.attach_evidence(uow, case_id, body, who.subject))


@router.post("/{case_id}/proposal", response_model=CaseView, responses=WRITE_ERRORS,
             summary="Maker: propose upheld or rejected")
async def propose(case_id: UUID, body: Proposal, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: c.propose(uow, case_id, body, who.subject))


@router.post("/{case_id}/decision", response_model=CaseView, responses=WRITE_ERRORS,
             summary="Checker: decide the proposal (upheld: another officer than the proposer)")
async def decide(case_id: UUID, cmd: CommandDep, who: Decider) -> Any:
    return await cmd.execute(lambda uow: c.decide(uow, case_id, who.subject))


@router.post("/{case_id}/close", response_model=CaseView, responses=WRITE_ERRORS, summary="Close a decided case")
async def close(case_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: c.close(uow, case_id, who.subject))


@router.post("/{case_id}/appeal", response_model=CaseView, responses=WRITE_ERRORS,
             summary="Appeal once, on behalf of the citizen")
async def appeal(case_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: c.appeal(uow, case_id, who.subject))


@router.post("/{case_id}/erasure", response_model=CaseView, responses=WRITE_ERRORS,
             summary="Destroy the case's key (crypto-shredding)")
async def erase(case_id: UUID, cmd: CommandDep, who: Decider) -> Any:
    return await cmd.execute(lambda uow: c.erase(uow, case_id, who.subject))
