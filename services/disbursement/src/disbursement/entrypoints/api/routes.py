"""The ops API: programs, eligibility explanations and dry runs, cycles (maker–checker), payments,
reconciliation exceptions, reports; plus the public recipient status."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from disbursement.application import cycles as cy
from disbursement.application import payments as pay
from disbursement.application import programs as pr
from disbursement.application import reports as rep
from disbursement.domain.programs import ProgramDefinition
from gotong.api.auth import Principal, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.pagination import PageDep
from gotong.api.problem import problem_responses
from gotong.api.ratelimit import rate_limit
from gotong.eventstore.postgres import driver_connection

router = APIRouter(prefix="/v1", tags=["disbursement"])
public = APIRouter(prefix="/v1", tags=["public"])
Writer = Annotated[Principal, require_scopes("disbursement:write")]
Approver = Annotated[Principal, require_scopes("disbursement:approve")]
READ = [require_scopes("disbursement:read")]
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
CycleStatus = Literal["open", "computed", "reviewed", "approved", "paying", "closed", "reconciled"]


class OpenCycle(BaseModel):
    program: str = Field(min_length=1, max_length=60, description="program code, e.g. PKH")
    period: str = Field(pattern=cy.PERIOD_PATTERN, description="e.g. 2026-Q4, 2026-M07, 2026-T1")
    cutoff: date = Field(description="members who died or left on or before this date do not count")


class Review(BaseModel):
    note: str | None = Field(default=None, max_length=500)


class Resolve(BaseModel):
    resolution: str = Field(min_length=3, max_length=300, description="what ops did, e.g. 'refunded by bank'")


async def _read(request: Request, fn: Any, *args: Any) -> Any:
    async with request.app.state.engine.connect() as conn:
        driver = await driver_connection(conn, begin=False)
        return await fn(driver, *args)


# -- programs ------------------------------------------------------------------------------------------------
@router.get("/programs", dependencies=READ, summary="Programs with rules, benefit formula, budget and commitments")
async def list_programs(request: Request) -> list[dict[str, Any]]:
    return await _read(request, pr.list_programs)  # type: ignore[no-any-return]


@router.post("/programs", status_code=201, responses=WRITE_ERRORS,
             summary="Define a program, or a new version of its rules (the same definition again changes nothing)")
async def define_program(body: ProgramDefinition, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda tx: pr.define_program(tx, body, cmd.metadata), status_code=201)


@router.get("/programs/{code}/eligibility/{household_ref}", dependencies=READ, responses=problem_responses(404),
            summary="Why a household does or does not qualify: each rule, the facts used, the desil snapshot")
async def explain(code: str, household_ref: str, request: Request, cutoff: date,
                  period: Annotated[str | None, Query(pattern=cy.PERIOD_PATTERN)] = None) -> dict[str, Any]:
    return await _read(request, pr.explain, code, household_ref, cutoff, period)  # type: ignore[no-any-return]


@router.get("/programs/{code}/dry-run", dependencies=READ, responses=problem_responses(404),
            summary="Who would qualify at a cut-off and why, with counts per region")
async def dry_run(code: str, request: Request, cutoff: date,
                  sample: Annotated[int, Query(ge=0, le=500)] = 50) -> dict[str, Any]:
    return await _read(request, lambda d: pr.dry_run(d, code, cutoff, limit=sample))  # type: ignore[no-any-return]


# -- cycles --------------------------------------------------------------------------------------------------
@router.post("/cycles", status_code=201, responses=WRITE_ERRORS, summary="Open a cycle of a program for a period")
async def open_cycle(body: OpenCycle, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda tx: cy.open_cycle(tx, body.program, body.period, body.cutoff, who.subject,
                                                      cmd.metadata), status_code=201)


@router.get("/cycles", dependencies=READ, summary="Cycles, newest first")
async def list_cycles(request: Request, program: str | None = None, status: CycleStatus | None = None) -> Any:
    async def fn(driver: Any) -> list[dict[str, Any]]:
        rows = await driver.fetch(
            "SELECT c.cycle_id FROM cycles c JOIN programs p USING (program_id) WHERE ($1::text IS NULL OR "
            "p.code = $1) AND ($2::text IS NULL OR c.status = $2) ORDER BY c.opened_at DESC LIMIT 200",
            program, status)
        return [await cy.cycle_view(driver, r["cycle_id"]) for r in rows]

    return await _read(request, fn)


@router.get("/cycles/{cycle_id}", dependencies=READ, responses=problem_responses(404),
            summary="A cycle: status, officers, totals, progress of computation and payments")
async def get_cycle(cycle_id: UUID, request: Request) -> dict[str, Any]:
    return await _read(request, cy.cycle_view, cycle_id)  # type: ignore[no-any-return]


@router.post("/cycles/{cycle_id}/compute", responses=WRITE_ERRORS,
             summary="Compute entitlements in bulk (resumable: a rerun after a crash continues, never doubles)")
async def compute(cycle_id: UUID, cmd: CommandDep, who: Writer, request: Request) -> dict[str, Any]:
    app = request.app
    return await cy.compute(app.state.store, cycle_id, who.subject, cmd.metadata,
                            batch=app.state.settings.compute_batch)


@router.post("/cycles/{cycle_id}/review", responses=WRITE_ERRORS, summary="Mark the computed cycle as reviewed")
async def review(cycle_id: UUID, body: Review, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda tx: cy.review(tx, cycle_id, who.subject, body.note, cmd.metadata))


@router.post("/cycles/{cycle_id}/approve", responses=WRITE_ERRORS,
             summary="Approve (a supervisor other than the officer who opened or computed it; budget checked)")
async def approve(cycle_id: UUID, cmd: CommandDep, who: Approver) -> Any:
    return await cmd.execute(lambda tx: cy.approve(tx, cycle_id, who.subject, cmd.metadata))


@router.post("/cycles/{cycle_id}/pay", responses=WRITE_ERRORS,
             summary="Instruct payments for every eligible entitlement without one (idempotent; releases cleared "
                     "holds)")
async def instruct(cycle_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda tx: cy.instruct(tx, cycle_id, who.subject, cmd.metadata))


@router.post("/cycles/{cycle_id}/reissue-failed", responses=WRITE_ERRORS, summary="Reissue every failed payment")
async def reissue_failed(cycle_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda tx: pay.reissue_failed(tx, cycle_id, who.subject, cmd.metadata))


@router.post("/cycles/{cycle_id}/close", responses=WRITE_ERRORS,
             summary="Close the cycle once no payment awaits the channel")
async def close(cycle_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda tx: cy.close(tx, cycle_id, who.subject, cmd.metadata))


@router.post("/cycles/{cycle_id}/reconcile", responses=WRITE_ERRORS,
             summary="Mark a closed cycle reconciled (refused while exceptions are open)")
async def reconcile(cycle_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda tx: cy.reconcile(tx, cycle_id, who.subject, cmd.metadata))


@router.get("/cycles/{cycle_id}/entitlements", dependencies=READ, responses=problem_responses(404, 422),
            summary="Entitlements of a cycle, by household reference, paged")
async def entitlements(cycle_id: UUID, page: PageDep, request: Request) -> dict[str, Any]:
    async def fn(driver: Any) -> dict[str, Any]:
        await cy.cycle_view(driver, cycle_id)
        rows = await driver.fetch(
            "SELECT household_ref, amount, status, members_counted, desil, desil_rule_version, village_code "
            "FROM entitlements WHERE cycle_id = $1 AND household_ref > $2 ORDER BY household_ref LIMIT $3",
            cycle_id, page.after or "", page.limit)
        items = [dict(r) for r in rows]
        return {"items": items, "next_cursor": page.next_cursor(items[-1]["household_ref"] if items else "",
                                                                len(items))}

    return await _read(request, fn)  # type: ignore[no-any-return]


@router.get("/cycles/{cycle_id}/entitlements/{household_ref}", dependencies=READ, responses=problem_responses(404),
            summary="Why a household got (or did not get) an entitlement in this cycle")
async def entitlement_explained(cycle_id: UUID, household_ref: Annotated[str, Path(max_length=100)],
                                request: Request) -> dict[str, Any]:
    return await _read(request, pr.explain_entitlement, cycle_id, household_ref)  # type: ignore[no-any-return]


# -- payments and exceptions -----------------------------------------------------------------------------------
@router.post("/payments/{payment_id}/reissue", responses=WRITE_ERRORS,
             summary="Reissue a failed or returned payment as a new attempt")
async def reissue(payment_id: UUID, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda tx: pay.reissue(tx, payment_id, who.subject, cmd.metadata))


@router.get("/exceptions", dependencies=READ, summary="Reconciliation exceptions (instructed ≠ confirmed)")
async def exceptions(request: Request, cycle_id: UUID | None = None,
                     status: Literal["open", "resolved"] | None = None) -> list[dict[str, Any]]:
    return await _read(request, pay.list_exceptions, cycle_id, status)  # type: ignore[no-any-return]


@router.post("/exceptions/{exception_id}/resolve", responses=WRITE_ERRORS, summary="Resolve an exception")
async def resolve(exception_id: UUID, body: Resolve, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda tx: pay.resolve_exception(tx, exception_id, who.subject, body.resolution))


# -- reports ---------------------------------------------------------------------------------------------------
@router.get("/reports/targeting/{cycle_id}", dependencies=READ, responses=problem_responses(404),
            summary="Recipients per desil; inclusion and exclusion error against desil 1-4")
async def targeting(cycle_id: UUID, request: Request) -> dict[str, Any]:
    return await _read(request, rep.targeting, cycle_id)  # type: ignore[no-any-return]


@router.get("/reports/coverage/{cycle_id}", dependencies=READ, responses=problem_responses(404),
            summary="Coverage of desil 1-4 households per region")
async def coverage(cycle_id: UUID, request: Request,
                   level: Literal["province", "regency"] = "regency") -> dict[str, Any]:
    return await _read(request, rep.coverage, cycle_id, level)  # type: ignore[no-any-return]


@router.get("/reports/paid", dependencies=READ, summary="Amount paid per program, cycle and region")
async def paid(request: Request, level: Literal["province", "regency"] = "province",
               program: str | None = None) -> list[dict[str, Any]]:
    return await _read(request, rep.paid, level, program)  # type: ignore[no-any-return]


@router.get("/reports/approval-to-payment", dependencies=READ, summary="Seconds from approval to confirmed payment")
async def approval_to_payment(request: Request) -> list[dict[str, Any]]:
    return await _read(request, rep.approval_to_payment)  # type: ignore[no-any-return]


@public.get("/recipients/{household_ref}/programs", dependencies=[rate_limit("recipient-status", 600)],
            summary="Public status check: programs a household received and their period, nothing else")
async def recipient_programs(household_ref: Annotated[str, Path(max_length=100)], request: Request) -> dict[str, Any]:
    return await _read(request, rep.recipient_programs, household_ref)  # type: ignore[no-any-return]
