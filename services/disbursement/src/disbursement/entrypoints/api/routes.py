"""The ops API: programs, eligibility explanations and dry runs, cycles (maker–checker), payments,
reconciliation exceptions, reports, and a household's programs (read scope)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from disbursement.adapters.computation import EntitlementComputation
from disbursement.application import cycles as cy
from disbursement.application import payments as pay
from disbursement.application import programs as pr
from disbursement.application import queries as q
from disbursement.domain.cycle import PERIOD_PATTERN
from disbursement.domain.programs import ProgramDefinition
from disbursement.entrypoints.api import answers as a
from disbursement.entrypoints.api.deps import ServiceDep, read
from gotong.api.answers import Page
from gotong.api.app import RuntimeDep
from gotong.api.auth import Principal, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.pagination import PageDep
from gotong.api.problem import LIST_PROBLEMS, READ_PROBLEMS, WRITE_PROBLEMS
from gotong.api.ratelimit import rate_limit
from gotong.application.uow import UnitOfWork

router = APIRouter(prefix="/v1", tags=["disbursement"])
Writer = Annotated[Principal, require_scopes("disbursement:write")]
Approver = Annotated[Principal, require_scopes("disbursement:approve")]
READ = [require_scopes("disbursement:read")]
CycleStatus = Literal["open", "computed", "reviewed", "approved", "paying", "closed", "reconciled"]


class OpenCycle(BaseModel):
    program: str = Field(min_length=1, max_length=60, description="program code, e.g. PKH")
    period: str = Field(pattern=PERIOD_PATTERN, description="e.g. 2026-Q4, 2026-M07, 2026-T1")
    cutoff: date = Field(description="members who died or left on or before this date do not count")


class Review(BaseModel):
    note: str | None = Field(default=None, max_length=500)


class Reject(BaseModel):
    reason: str = Field(min_length=3, max_length=500, description="why the draft is rejected")


class Resolve(BaseModel):
    resolution: str = Field(min_length=3, max_length=300, description="what ops did, e.g. 'refunded by bank'")


class DisputeAmount(BaseModel):
    kind: Literal["amount_disputed"] = Field(description="what is disputed: the amount a paid payment delivered")
    reference: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$",
                           description="an opaque code of the complaint, e.g. the grievance case's id (never "
                                       "free text); the same reference finds the same exception")


# -- programs ------------------------------------------------------------------------------------------------
@router.get("/programs", response_model=list[a.ProgramView], dependencies=READ, responses=LIST_PROBLEMS,
            summary="Programs with rules, benefit formula, budget and commitments")
async def list_programs(rt: RuntimeDep) -> list[dict[str, Any]]:
    return await read(rt, q.list_programs)


@router.post("/programs", response_model=a.ProgramProposal, status_code=201,
             responses={**WRITE_PROBLEMS, 200: {"model": a.ProgramProposal,
                                                "description": "a draft of an existing program, or nothing new"}},
             summary="Propose a program, or a new version of its rules, as a draft (201 a new program, 200 an "
                     "existing one): not usable nor published until another officer approves it")
async def propose_program(body: ProgramDefinition, cmd: CommandDep, who: Writer) -> Any:
    async def run(uow: UnitOfWork) -> Response:
        created, view = await pr.propose_program(uow, body, who.subject)
        return Response(orjson.dumps(view), status_code=201 if created else 200, media_type="application/json")

    return await cmd.execute(run)


@router.get("/programs/drafts", response_model=list[a.ProgramDraft], dependencies=READ, responses=LIST_PROBLEMS,
            summary="Program definitions proposed and awaiting a second officer's approval")
async def program_drafts(rt: RuntimeDep) -> list[dict[str, Any]]:
    return await read(rt, q.program_drafts)


@router.post("/programs/{code}/approve", response_model=a.ProgramProposal, responses=WRITE_PROBLEMS,
             summary="Approve a program's draft (four eyes: an officer other than its proposer); it is then in force "
                     "and published")
async def approve_program(code: Annotated[str, Path(max_length=60)], cmd: CommandDep, who: Approver) -> Any:
    return await cmd.execute(lambda uow: pr.approve_program(uow, code, who.subject))


@router.post("/programs/{code}/reject", response_model=a.ProgramRejected, responses=WRITE_PROBLEMS,
             summary="Reject a program's draft, with the reason (the definition in force, if any, stays)")
async def reject_program(code: Annotated[str, Path(max_length=60)], body: Reject, cmd: CommandDep,
                         who: Approver) -> Any:
    return await cmd.execute(lambda uow: pr.reject_program(uow, code, body.reason, who.subject))


@router.get("/programs/{code}/eligibility/{household_ref}", response_model=a.Explanation, dependencies=READ,
            responses=READ_PROBLEMS,
            summary="Why a household does or does not qualify: each rule, the facts used, the desil snapshot")
async def explain(code: str, household_ref: str, rt: RuntimeDep, cutoff: date,
                  period: Annotated[str | None, Query(pattern=PERIOD_PATTERN)] = None) -> dict[str, Any]:
    return await read(rt, q.explain, code, household_ref, cutoff, period)


@router.get("/programs/{code}/dry-run", response_model=a.DryRun, dependencies=READ, responses=READ_PROBLEMS,
            summary="Who would qualify at a cut-off and why, with counts per region")
async def dry_run(code: str, rt: RuntimeDep, cutoff: date,
                  sample: Annotated[int, Query(ge=0, le=500)] = 50) -> dict[str, Any]:
    return await read(rt, q.dry_run, code, cutoff, limit=sample)


# -- cycles --------------------------------------------------------------------------------------------------
@router.post("/cycles", response_model=a.CycleView, status_code=201, responses=WRITE_PROBLEMS,
             summary="Open a cycle of a program for a period")
async def open_cycle(body: OpenCycle, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: cy.open_cycle(uow, body.program, body.period, body.cutoff, who.subject),
                             status_code=201)


@router.get("/cycles", response_model=list[a.CycleView], dependencies=READ, responses=LIST_PROBLEMS,
            summary="Cycles, newest first (at most 200)")
async def list_cycles(rt: RuntimeDep, program: str | None = None,
                      status: CycleStatus | None = None) -> list[dict[str, Any]]:
    return await read(rt, q.list_cycles, program, status)


@router.get("/cycles/{cycle_id}", response_model=a.CycleView, dependencies=READ, responses=READ_PROBLEMS,
            summary="A cycle: status, officers, totals, progress of computation and payments")
async def get_cycle(cycle_id: UUID, rt: RuntimeDep) -> dict[str, Any]:
    return await read(rt, q.cycle_view, cycle_id)


@router.post("/cycles/{cycle_id}/compute", response_model=a.CycleView, responses=WRITE_PROBLEMS,
             summary="Compute entitlements in bulk (resumable: a rerun after a crash continues, never doubles)")
async def compute(cycle_id: UUID, cmd: CommandDep, who: Writer, rt: RuntimeDep, svc: ServiceDep) -> dict[str, Any]:
    return await cy.compute(rt.units, EntitlementComputation(rt.database), cycle_id, who.subject, cmd.metadata,
                            batch=svc.settings.compute_batch)


@router.post("/cycles/{cycle_id}/review", response_model=a.CycleView, responses=WRITE_PROBLEMS,
             summary="Mark the computed cycle as reviewed")
async def review(cycle_id: UUID, body: Review, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: cy.review(uow, cycle_id, who.subject, body.note))


@router.post("/cycles/{cycle_id}/approve", response_model=a.CycleView, responses=WRITE_PROBLEMS,
             summary="Approve (a supervisor other than the officer who opened or computed it; budget checked)")
async def approve(cycle_id: UUID, cmd: CommandDep, who: Approver) -> Any:
    return await cmd.execute(lambda uow: cy.approve(uow, cycle_id, who.subject))


@router.post("/cycles/{cycle_id}/pay", response_model=a.CyclePaid, responses=WRITE_PROBLEMS,
             summary="Instruct payments for every eligible entitlement without one (idempotent; releases cleared "
                     "holds)")
async def instruct(cycle_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: cy.instruct(uow, cycle_id, who.subject))


@router.post("/cycles/{cycle_id}/reissue-failed", response_model=a.FailedReissued, responses=WRITE_PROBLEMS,
             summary="Reissue every failed payment")
async def reissue_failed(cycle_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: pay.reissue_failed(uow, cycle_id, who.subject))


@router.post("/cycles/{cycle_id}/close", response_model=a.CycleClosed, responses=WRITE_PROBLEMS,
             summary="Close the cycle once no payment awaits the channel")
async def close(cycle_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: cy.close(uow, cycle_id, who.subject))


@router.post("/cycles/{cycle_id}/reconcile", response_model=a.CycleView, responses=WRITE_PROBLEMS,
             summary="Mark a closed cycle reconciled (refused while exceptions are open)")
async def reconcile(cycle_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: cy.reconcile(uow, cycle_id, who.subject))


@router.get("/cycles/{cycle_id}/entitlements", response_model=Page[a.Entitlement], dependencies=READ,
            responses=READ_PROBLEMS,
            summary="Entitlements of a cycle, by household reference, paged")
async def entitlements(cycle_id: UUID, page: PageDep, rt: RuntimeDep) -> dict[str, Any]:
    items = await read(rt, q.entitlements, cycle_id, page.after or "", page.limit)
    return {"items": items, "next_cursor": page.next_cursor(items[-1]["household_ref"] if items else "", len(items)),
            "limit": page.limit}


@router.get("/cycles/{cycle_id}/entitlements/{household_ref}", response_model=a.EntitlementExplained,
            dependencies=READ, responses=READ_PROBLEMS,
            summary="Why a household got (or did not get) an entitlement in this cycle")
async def entitlement_explained(cycle_id: UUID, household_ref: Annotated[str, Path(max_length=100)],
                                rt: RuntimeDep) -> dict[str, Any]:
    return await read(rt, q.explain_entitlement, cycle_id, household_ref)


# -- payments and exceptions -----------------------------------------------------------------------------------
@router.post("/payments/{payment_id}/reissue", response_model=a.PaymentReissued, responses=WRITE_PROBLEMS,
             summary="Reissue a failed or returned payment as a new attempt")
async def reissue(payment_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: pay.reissue(uow, payment_id, who.subject))


@router.post("/payments/{payment_id}/exceptions", response_model=a.ExceptionRaised, status_code=201,
             responses={**WRITE_PROBLEMS, 200: {"model": a.ExceptionRaised,
                                                "description": "the exception this reference opened before"}},
             summary="Open a reconciliation exception on a paid payment whose amount is disputed (an upheld "
                     "complaint): 201 a new one, 200 the one the same reference opened")
async def dispute_amount(payment_id: UUID, body: DisputeAmount, cmd: CommandDep, who: Writer) -> Any:
    async def run(uow: UnitOfWork) -> Response:
        created, view = await pay.dispute_amount(uow, payment_id, body.reference)
        return Response(orjson.dumps(view), status_code=201 if created else 200, media_type="application/json")

    return await cmd.execute(run)


@router.get("/exceptions", response_model=list[a.ReconciliationException], dependencies=READ,
            responses=LIST_PROBLEMS, summary="Reconciliation exceptions (instructed ≠ confirmed)")
async def exceptions(rt: RuntimeDep, cycle_id: UUID | None = None,
                     status: Literal["open", "resolved"] | None = None) -> list[dict[str, Any]]:
    return await read(rt, q.exceptions, cycle_id, status)


@router.post("/exceptions/{exception_id}/resolve", response_model=a.ExceptionResolved, responses=WRITE_PROBLEMS,
             summary="Resolve an exception")
async def resolve(exception_id: UUID, body: Resolve, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: pay.resolve_exception(uow, exception_id, who.subject, body.resolution))


# -- reports ---------------------------------------------------------------------------------------------------
@router.get("/reports/targeting/{cycle_id}", response_model=a.Targeting, dependencies=READ, responses=READ_PROBLEMS,
            summary="Recipients per desil; inclusion and exclusion error against desil 1-4")
async def targeting(cycle_id: UUID, rt: RuntimeDep) -> dict[str, Any]:
    return await read(rt, q.targeting, cycle_id)


@router.get("/reports/coverage/{cycle_id}", response_model=a.Coverage, dependencies=READ, responses=READ_PROBLEMS,
            summary="Coverage of desil 1-4 households per region")
async def coverage(cycle_id: UUID, rt: RuntimeDep,
                   level: Literal["province", "regency"] = "regency") -> dict[str, Any]:
    return await read(rt, q.coverage, cycle_id, level)


@router.get("/reports/paid", response_model=list[a.Paid], dependencies=READ, responses=LIST_PROBLEMS,
            summary="Amount paid per program, cycle and region")
async def paid(rt: RuntimeDep, level: Literal["province", "regency"] = "province",
               program: str | None = None) -> list[dict[str, Any]]:
    return await read(rt, q.paid, level, program)


@router.get("/reports/approval-to-payment", response_model=list[a.ApprovalToPayment], dependencies=READ,
            responses=LIST_PROBLEMS, summary="Seconds from approval to confirmed payment")
async def approval_to_payment(rt: RuntimeDep) -> list[dict[str, Any]]:
    return await read(rt, q.approval_to_payment)


# Not public: who received what is personal data about a household, and a reference in a receipt or a letter is
# no proof of being that household (DESIGN.md: the public "is my aid coming?" check is the registry's).
@router.get("/recipients/{household_ref}/programs", response_model=a.RecipientPrograms,
            dependencies=[*READ, rate_limit("recipient-status", 600)], responses=LIST_PROBLEMS,
            summary="Status check (read scope): programs a household received and their period, nothing else")
async def recipient_programs(household_ref: Annotated[str, Path(max_length=100)], rt: RuntimeDep) -> dict[str, Any]:
    return await read(rt, q.recipient_programs, household_ref)
