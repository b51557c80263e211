"""The registry's ops API: register and change households, verification reviews (maker–checker), ranking,
erasure, history and the audit of personal-data reads. Every route needs a scope:

- `registry:read`           non-personal household views, history, queues
- `registry:read-personal`  decrypt a household's personal data (a purpose is required, every read is logged)
- `registry:register`       register, add/remove members, deaths, corrections, attributes, merges
- `registry:verify`         propose a review decision        - `registry:approve` approve one (another officer)
- `registry:rank`           propose a welfare ranking run    - `registry:approve` approve or reject one (another
                                                               officer: nothing is ranked before that)
- `registry:erase`          crypto-shred (UU PDP)
- `registry:audit`          the log of personal-data reads
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query

from gotong.api.answers import Listing
from gotong.api.app import RuntimeDep
from gotong.api.auth import Principal, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.problem import LIST_PROBLEMS, READ_PROBLEMS, problem_responses
from gotong.domain.bounds import INT32_MAX, INT64_MAX
from registry.adapters.households import HouseholdReads
from registry.adapters.ranking import RankingProposals
from registry.adapters.reviews import ReviewQueue
from registry.application import commands as c
from registry.application import queries as q
from registry.application import ranking as rk
from registry.domain.model import Attributes, HouseholdIn
from registry.entrypoints.api import answers as a
from registry.entrypoints.api.deps import DepsDep

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



@router.post("/households", response_model=a.HouseholdSummary, status_code=201, responses=WRITE_ERRORS,
             summary="Register a household (Kartu Keluarga) with its members; verified automatically")
async def register(body: HouseholdIn, cmd: CommandDep, deps: DepsDep, _: Registrar) -> Any:
    return await cmd.execute(lambda uow: c.register_household(uow, deps, body), status_code=201)


@router.get("/households", response_model=Listing[a.HouseholdView], dependencies=READ, responses=LIST_PROBLEMS,
            summary="Households (non-personal view), filtered")
async def list_households(rt: RuntimeDep, village: Annotated[str | None, Query(pattern=r"^[\d.]+$")] = None,
                          verification: str | None = None, desil: Annotated[int | None, Query(ge=1, le=10)] = None,
                          limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    async with rt.database.read() as sql:
        return await q.households(HouseholdReads(sql), village=village, verification=verification, desil=desil,
                                  limit=limit, offset=offset)


@router.get("/households/{household_id}", response_model=a.HouseholdView, dependencies=READ, responses=READ_PROBLEMS,
            summary="A household without personal data: members by reference, verification, desil")
async def get_household(household_id: UUID, rt: RuntimeDep) -> dict[str, Any]:
    async with rt.database.read() as sql:
        return await q.household(HouseholdReads(sql), household_id)


@router.get("/households/{household_id}/history", response_model=list[a.HistoryEntry], dependencies=READ,
            responses=READ_PROBLEMS,
            summary="The household's event stream (personal fields shown as sealed)")
async def get_history(household_id: UUID, rt: RuntimeDep) -> list[dict[str, Any]]:
    async with rt.database.read() as sql:
        return await q.history(HouseholdReads(sql), household_id)


@router.get("/households/{household_id}/desil", response_model=a.DesilOn, dependencies=READ, responses=READ_PROBLEMS,
            summary="The desil in force on a date, with the snapshot and rule version")
async def get_desil(household_id: UUID, rt: RuntimeDep, on: date) -> dict[str, Any]:
    async with rt.database.read() as sql:
        return await q.desil_as_of(HouseholdReads(sql), household_id, on)


@router.get("/households/{household_id}/personal", response_model=a.PersonalData, responses=WRITE_ERRORS,
            summary="Decrypt personal data for a stated purpose; the read is recorded")
async def get_personal(household_id: UUID, rt: RuntimeDep, deps: DepsDep, who: PersonalReader,
                       purpose: Annotated[str, Query(min_length=3, max_length=200, description=(
                           "why: one of " + ", ".join(q.PURPOSES) + ", or a sentence of at least two real "
                           "words"))]) -> dict[str, Any]:
    q.check_purpose(purpose)
    async with rt.database.transaction() as sql:
        return await q.personal_data(HouseholdReads(sql), deps.keyring, household_id, actor=who.subject,
                                     client_id=who.client_id, purpose=purpose, channel="ops-api")


@router.post("/households/{household_id}/members", response_model=a.MemberAdded, status_code=201,
             responses=WRITE_ERRORS,
             summary="Add a member (birth, moved in)")
async def add_member(household_id: UUID, body: c.AddMember, cmd: CommandDep, deps: DepsDep, _: Registrar) -> Any:
    return await cmd.execute(lambda uow: c.add_member(uow, deps, household_id, body), status_code=201)


@router.post("/households/{household_id}/members/{member_ref}/leave", response_model=a.HouseholdSummary,
             responses=WRITE_ERRORS,
             summary="A member moved out or is removed")
async def member_leave(household_id: UUID, member_ref: str, body: c.MemberLeaves, cmd: CommandDep,
                       deps: DepsDep, _: Registrar) -> Any:
    return await cmd.execute(lambda uow: c.member_left(uow, deps, household_id, member_ref, body))


@router.post("/households/{household_id}/members/{member_ref}/death", response_model=a.HouseholdSummary,
             responses=WRITE_ERRORS,
             summary="Record a member's death")
async def member_death(household_id: UUID, member_ref: str, body: c.RecordDeath, cmd: CommandDep,
                       deps: DepsDep, _: Registrar) -> Any:
    return await cmd.execute(lambda uow: c.record_death(uow, deps, household_id, member_ref, body))


@router.post("/households/{household_id}/corrections", response_model=a.HouseholdSummary, responses=WRITE_ERRORS,
             summary="Correct personal data, relations or region; re-verified")
async def correct(household_id: UUID, body: c.Correction, cmd: CommandDep, deps: DepsDep, _: Registrar) -> Any:
    return await cmd.execute(lambda uow: c.correct(uow, deps, household_id, body))


@router.put("/households/{household_id}/attributes", response_model=a.HouseholdSummary, responses=WRITE_ERRORS,
            summary="Update the socio-economic attributes (used by the next ranking)")
async def attributes(household_id: UUID, body: Attributes, cmd: CommandDep, deps: DepsDep, _: Registrar) -> Any:
    return await cmd.execute(lambda uow: c.update_attributes(uow, deps, household_id, body))


@router.post("/households/{household_id}/merge", response_model=a.HouseholdSummary, responses=WRITE_ERRORS,
             summary="Merge another household into this one (its members join; it ceases)")
async def merge(household_id: UUID, body: c.Merge, cmd: CommandDep, deps: DepsDep, _: Registrar) -> Any:
    return await cmd.execute(lambda uow: c.merge(uow, deps, household_id, body))


@router.post("/households/{household_id}/split", response_model=a.HouseholdSplit, responses=WRITE_ERRORS,
             summary="Members leave to form a new household (new Kartu Keluarga); both re-verified")
async def split(household_id: UUID, body: c.Split, cmd: CommandDep, deps: DepsDep, _: Registrar) -> Any:
    return await cmd.execute(lambda uow: c.split(uow, deps, household_id, body))


@router.post("/households/{household_id}/erasure", response_model=a.HouseholdErased, responses=WRITE_ERRORS,
             summary="Erase personal data on request (UU PDP 27/2022): crypto-shred, history stays")
async def erase(household_id: UUID, body: c.Erase, cmd: CommandDep, _: Eraser) -> Any:
    return await cmd.execute(lambda uow: c.erase(uow, household_id, body))


@router.get("/reviews", response_model=a.ReviewListing, dependencies=READ, responses=LIST_PROBLEMS,
            summary="The verification review queue, oldest first; filter by status, reason, region and age")
async def reviews(rt: RuntimeDep, status: Annotated[str | None, Query(pattern="^(open|proposed|decided)$")] = None,
                  reason: Annotated[str | None, Query(pattern="^[a-z][a-z0-9_]{1,59}$",
                                                      description="a reason code, e.g. duplicate_nik")] = None,
                  region: Annotated[str | None, Query(pattern=r"^\d{2}(\.\d{2}){0,2}(\.\d{4})?$",
                                                      description="Kepmendagri code; everything inside it")] = None,
                  older_than_days: Annotated[int | None, Query(ge=0, le=36_500,
                                                               description="opened at least this many days ago")
                                             ] = None,
                  limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    before = rt.clock.now() - timedelta(days=older_than_days) if older_than_days is not None else None
    async with rt.database.read() as sql:
        return await q.review_queue(ReviewQueue(sql), status, limit, offset, reason=reason, region=region,
                                    opened_before=before)


@router.post("/reviews/{review_id}/proposal", response_model=a.ReviewAnswer, responses=WRITE_ERRORS,
             summary="Maker: propose a decision")
async def propose(review_id: ReviewId, body: c.Proposal, cmd: CommandDep, deps: DepsDep, who: Verifier) -> Any:
    return await cmd.execute(lambda uow: c.propose_review(uow, deps, review_id, who.subject, body))


@router.post("/reviews/{review_id}/approval", response_model=a.ReviewAnswer, responses=WRITE_ERRORS,
             summary="Checker: approve (or send back) another officer's proposal")
async def approve(review_id: ReviewId, cmd: CommandDep, who: Approver,
                  approve: Annotated[bool, Query(description="false sends the proposal back")] = True) -> Any:
    return await cmd.execute(lambda uow: c.approve_review(uow, review_id, who.subject, approve))


@router.post("/households/{household_id}/review", response_model=a.ReviewReopened, responses=WRITE_ERRORS,
             summary="Reopen the review of a household a review rejected (appeal, new evidence)")
async def reopen_review(household_id: UUID, body: c.Reopen, cmd: CommandDep, who: Verifier) -> Any:
    return await cmd.execute(lambda uow: c.reopen_review(uow, household_id, who.subject, body))


@router.post("/rankings", response_model=a.RankingRunView, status_code=202, responses=WRITE_ERRORS,
             summary="Maker: propose a welfare ranking run for a quarter (applied once another officer approves)")
async def propose_ranking(cmd: CommandDep, who: Ranker, on: date | None = None,
                          rule_version: str | None = None) -> Any:
    return await cmd.execute(lambda uow: rk.propose_ranking(uow, who.subject, on=on, rule_version=rule_version),
                             status_code=202)


@router.get("/rankings", response_model=Listing[a.RankingRunView], dependencies=READ, responses=LIST_PROBLEMS,
            summary="Ranking runs: proposed, approved, rejected")
async def ranking_runs(rt: RuntimeDep,
                       status: Annotated[str | None, Query(pattern="^(proposed|approved|rejected)$")] = None,
                       limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    async with rt.database.read() as sql:
        return await rk.ranking_runs(RankingProposals(sql), status, limit, offset)


@router.get("/rankings/{run_id}", response_model=a.RankingRunView, dependencies=READ, responses=READ_PROBLEMS,
            summary="A ranking run")
async def ranking_run(run_id: UUID, rt: RuntimeDep) -> dict[str, Any]:
    async with rt.database.read() as sql:
        return await rk.ranking_run(RankingProposals(sql), run_id)


@router.post("/rankings/{run_id}/approve", response_model=a.RankingRunView, responses=WRITE_ERRORS,
             summary="Checker: approve another officer's ranking run; the PMT score and desil (nationally and per "
                     "province) are computed and applied now")
async def approve_ranking(run_id: UUID, cmd: CommandDep, who: Approver) -> Any:
    return await cmd.execute(lambda uow: rk.approve_ranking(uow, run_id, who.subject))


@router.post("/rankings/{run_id}/reject", response_model=a.RankingRunView, responses=WRITE_ERRORS,
             summary="Checker: reject another officer's ranking run (it never ranks anyone)")
async def reject_ranking(run_id: UUID, body: rk.RejectRanking, cmd: CommandDep, who: Approver) -> Any:
    return await cmd.execute(lambda uow: rk.reject_ranking(uow, run_id, who.subject, body))


@router.get("/audit/personal-reads", response_model=Listing[a.PersonalRead], dependencies=AUDIT,
            responses=LIST_PROBLEMS, summary="Who read whose personal data, and why")
async def personal_reads(rt: RuntimeDep, household_id: UUID | None = None, actor: str | None = None,
                         limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    async with rt.database.read() as sql:
        return await q.access_log(HouseholdReads(sql), household_id=household_id, actor=actor, limit=limit,
                                  offset=offset)
