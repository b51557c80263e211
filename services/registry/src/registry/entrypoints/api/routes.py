"""The registry's ops API: register and change households, verification reviews (maker–checker), ranking,
erasure, history and the audit of personal-data reads. Every route needs a scope:

- `registry:read`           non-personal household views, history, queues
- `registry:read-personal`  decrypt a household's personal data (a purpose is required, every read is logged)
- `registry:register`       register, add/remove members, deaths, corrections, attributes, merges
- `registry:verify`         propose a review decision        - `registry:approve` approve one (another officer)
- `registry:rank`           run the welfare ranking          - `registry:erase`   crypto-shred (UU PDP)
- `registry:audit`          the log of personal-data reads
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request

from gotong.api.auth import Principal, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.problem import problem_responses
from gotong.domain.bounds import INT32_MAX, INT64_MAX
from gotong.eventstore.postgres import driver_connection
from registry.application import commands as c
from registry.application import queries as q
from registry.application.ranking import run_ranking
from registry.domain.model import Attributes, HouseholdIn

router = APIRouter(prefix="/v1", tags=["registry"])
Registrar = Annotated[Principal, require_scopes("registry:register")]
Verifier = Annotated[Principal, require_scopes("registry:verify")]
Approver = Annotated[Principal, require_scopes("registry:approve")]
Eraser = Annotated[Principal, require_scopes("registry:erase")]
Ranker = Annotated[Principal, require_scopes("registry:rank")]
PersonalReader = Annotated[Principal, require_scopes("registry:read-personal")]
READ = [require_scopes("registry:read")]
AUDIT = [require_scopes("registry:audit")]
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=INT32_MAX)]
ReviewId = Annotated[int, Path(ge=1, le=INT64_MAX)]


def deps(request: Request) -> c.Deps:
    return request.app.state.registry  # type: ignore[no-any-return]


async def _read(request: Request, fn: Any, *args: Any, **kwargs: Any) -> Any:
    async with request.app.state.engine.connect() as conn:
        driver = await driver_connection(conn, begin=False)
        return await fn(driver, *args, **kwargs)


@router.post("/households", status_code=201, responses=WRITE_ERRORS,
             summary="Register a household (Kartu Keluarga) with its members; verified automatically")
async def register(body: HouseholdIn, cmd: CommandDep, request: Request, _: Registrar) -> Any:
    return await cmd.execute(lambda tx: c.register_household(tx, deps(request), body, cmd.metadata),
                             status_code=201)


@router.get("/households", dependencies=READ, summary="Households (non-personal view), filtered")
async def list_households(request: Request, village: Annotated[str | None, Query(pattern=r"^[\d.]+$")] = None,
                          verification: str | None = None, desil: Annotated[int | None, Query(ge=1, le=10)] = None,
                          limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    return await _read(request, q.households, village=village, verification=verification, desil=desil,  # type: ignore[no-any-return]
                       limit=limit, offset=offset)


@router.get("/households/{household_id}", dependencies=READ, responses=problem_responses(404),
            summary="A household without personal data: members by reference, verification, desil")
async def get_household(household_id: UUID, request: Request) -> dict[str, Any]:
    return await _read(request, q.household, household_id)  # type: ignore[no-any-return]


@router.get("/households/{household_id}/history", dependencies=READ, responses=problem_responses(404),
            summary="The household's event stream (personal fields shown as sealed)")
async def get_history(household_id: UUID, request: Request) -> list[dict[str, Any]]:
    return await _read(request, q.history, household_id)  # type: ignore[no-any-return]


@router.get("/households/{household_id}/desil", dependencies=READ, responses=problem_responses(404),
            summary="The desil in force on a date, with the snapshot and rule version")
async def get_desil(household_id: UUID, request: Request, on: date) -> dict[str, Any]:
    return await _read(request, q.desil_as_of, household_id, on)  # type: ignore[no-any-return]


@router.get("/households/{household_id}/personal", responses=problem_responses(401, 403, 404, 409),
            summary="Decrypt personal data for a stated purpose; the read is recorded")
async def get_personal(household_id: UUID, request: Request, who: PersonalReader,
                       purpose: Annotated[str, Query(min_length=3, max_length=200, description=(
                           "why: one of " + ", ".join(q.PURPOSES) + ", or a sentence of at least two real "
                           "words"))]) -> dict[str, Any]:
    q.check_purpose(purpose)
    async with request.app.state.engine.begin() as conn:
        driver = await driver_connection(conn)
        return await q.personal_data(driver, deps(request).keyring, household_id, actor=who.subject,
                                     client_id=who.client_id, purpose=purpose, channel="ops-api")


@router.post("/households/{household_id}/members", status_code=201, responses=WRITE_ERRORS,
             summary="Add a member (birth, moved in)")
async def add_member(household_id: UUID, body: c.AddMember, cmd: CommandDep, request: Request, _: Registrar) -> Any:
    return await cmd.execute(lambda tx: c.add_member(tx, deps(request), household_id, body, cmd.metadata),
                             status_code=201)


@router.post("/households/{household_id}/members/{member_ref}/leave", responses=WRITE_ERRORS,
             summary="A member moved out or is removed")
async def member_leave(household_id: UUID, member_ref: str, body: c.MemberLeaves, cmd: CommandDep,
                       request: Request, _: Registrar) -> Any:
    return await cmd.execute(lambda tx: c.member_left(tx, deps(request), household_id, member_ref, body,
                                                      cmd.metadata))


@router.post("/households/{household_id}/members/{member_ref}/death", responses=WRITE_ERRORS,
             summary="Record a member's death")
async def member_death(household_id: UUID, member_ref: str, body: c.RecordDeath, cmd: CommandDep,
                       request: Request, _: Registrar) -> Any:
    return await cmd.execute(lambda tx: c.record_death(tx, deps(request), household_id, member_ref, body,
                                                       cmd.metadata))


@router.post("/households/{household_id}/corrections", responses=WRITE_ERRORS,
             summary="Correct personal data, relations or region; re-verified")
async def correct(household_id: UUID, body: c.Correction, cmd: CommandDep, request: Request, _: Registrar) -> Any:
    return await cmd.execute(lambda tx: c.correct(tx, deps(request), household_id, body, cmd.metadata))


@router.put("/households/{household_id}/attributes", responses=WRITE_ERRORS,
            summary="Update the socio-economic attributes (used by the next ranking)")
async def attributes(household_id: UUID, body: Attributes, cmd: CommandDep, request: Request, _: Registrar) -> Any:
    return await cmd.execute(lambda tx: c.update_attributes(tx, deps(request), household_id, body, cmd.metadata))


@router.post("/households/{household_id}/merge", responses=WRITE_ERRORS,
             summary="Merge another household into this one (its members join; it ceases)")
async def merge(household_id: UUID, body: c.Merge, cmd: CommandDep, request: Request, _: Registrar) -> Any:
    return await cmd.execute(lambda tx: c.merge(tx, deps(request), household_id, body, cmd.metadata))


@router.post("/households/{household_id}/split", responses=WRITE_ERRORS,
             summary="Members leave to form a new household (new Kartu Keluarga); both re-verified")
async def split(household_id: UUID, body: c.Split, cmd: CommandDep, request: Request, _: Registrar) -> Any:
    return await cmd.execute(lambda tx: c.split(tx, deps(request), household_id, body, cmd.metadata))


@router.post("/households/{household_id}/erasure", responses=WRITE_ERRORS,
             summary="Erase personal data on request (UU PDP 27/2022): crypto-shred, history stays")
async def erase(household_id: UUID, body: c.Erase, cmd: CommandDep, _: Eraser) -> Any:
    return await cmd.execute(lambda tx: c.erase(tx, household_id, body, cmd.metadata))


@router.get("/reviews", dependencies=READ, summary="The verification review queue")
async def reviews(request: Request, status: Annotated[str | None, Query(pattern="^(open|proposed|decided)$")] = None,
                  limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    return await _read(request, q.review_queue, status, limit, offset)  # type: ignore[no-any-return]


@router.post("/reviews/{review_id}/proposal", responses=WRITE_ERRORS, summary="Maker: propose a decision")
async def propose(review_id: ReviewId, body: c.Proposal, cmd: CommandDep, request: Request, who: Verifier) -> Any:
    return await cmd.execute(lambda tx: c.propose_review(tx, deps(request), review_id, who.subject, body))


@router.post("/reviews/{review_id}/approval", responses=WRITE_ERRORS,
             summary="Checker: approve (or send back) another officer's proposal")
async def approve(review_id: ReviewId, cmd: CommandDep, who: Approver,
                  approve: Annotated[bool, Query(description="false sends the proposal back")] = True) -> Any:
    return await cmd.execute(lambda tx: c.approve_review(tx, review_id, who.subject, approve, cmd.metadata))


@router.post("/households/{household_id}/review", responses=WRITE_ERRORS,
             summary="Reopen the review of a household a review rejected (appeal, new evidence)")
async def reopen_review(household_id: UUID, body: c.Reopen, cmd: CommandDep, who: Verifier) -> Any:
    return await cmd.execute(lambda tx: c.reopen_review(tx, household_id, who.subject, body, cmd.metadata))


@router.post("/rankings", responses=WRITE_ERRORS,
             summary="Run the welfare ranking (PMT score, desil nationally and per province) for a quarter")
async def rank(cmd: CommandDep, _: Ranker, on: date | None = None, rule_version: str | None = None) -> Any:
    async def run(tx: Any) -> dict[str, Any]:
        return (await run_ranking(tx, on=on or date.today(), rule_version=rule_version, meta=cmd.metadata)).as_dict()
    return await cmd.execute(run)


@router.get("/audit/personal-reads", dependencies=AUDIT, summary="Who read whose personal data, and why")
async def personal_reads(request: Request, household_id: UUID | None = None, actor: str | None = None,
                         limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    return await _read(request, q.access_log, household_id=household_id, actor=actor,  # type: ignore[no-any-return]
                       limit=limit, offset=offset)
