"""Projects: partners and agreements, contributions (committed vs delivered), milestones, KPIs, outcomes,
the Triple Helix check, overdue milestones and the partner network."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Request, Response

from gotong.api.answers import Page
from gotong.api.idempotency import CommandDep
from gotong.api.pagination import PageDep, link_header
from gotong.application.uow import UnitOfWork
from partnership.application import commands as c
from partnership.application import inputs
from partnership.application import queries as q
from partnership.entrypoints.api import answers as a
from partnership.entrypoints.api.deps import (
    READ,
    READ_ERRORS,
    WRITE_ERRORS,
    AsOf,
    Region,
    Writer,
    as_of_or_today,
    paged,
    read,
)

router = APIRouter(prefix="/v1", tags=["projects"])
P = "/projects/{project_id}"


@router.post("/projects", response_model=a.ProjectView, status_code=201, responses=WRITE_ERRORS,
             summary="Start a joint project")
async def start(body: inputs.StartProject, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.start_project(uow, body), status_code=201)


@router.get("/projects", response_model=Page[a.ProjectSummary], dependencies=READ, responses=READ_ERRORS,
            summary="Projects, filtered and paged")
async def list_projects(request: Request, page: PageDep, region: Region = None,
                        status: Literal["running", "completed", "cancelled"] | None = None,
                        partner_id: UUID | None = None, agreement_id: UUID | None = None,
                        helix_complete: bool | None = None) -> dict[str, Any]:
    items = await read(request, q.list_projects, limit=page.limit, after=page.after, region=region, status=status,
                       partner_id=partner_id, agreement_id=agreement_id, helix_complete=helix_complete)
    return paged(items, page)


@router.get(P, response_model=a.ProjectView, dependencies=READ, responses=READ_ERRORS,
            summary="A project: partners, agreements, contributions, milestones (as of a date), KPIs, helix check")
async def get_project(project_id: UUID, request: Request, as_of: AsOf = None) -> dict[str, Any]:
    return await read(request, q.get_project, project_id, as_of_or_today(as_of))  # type: ignore[no-any-return]


@router.get(P + "/helix", response_model=a.Helix, dependencies=READ, responses=READ_ERRORS,
            summary="Is the project Triple Helix complete (as of a date)? If not, why, strand by strand")
async def helix(project_id: UUID, request: Request, as_of: AsOf = None) -> dict[str, Any]:
    return await read(request, q.project_helix, project_id, as_of_or_today(as_of))  # type: ignore[no-any-return]


@router.get(P + "/contributions", response_model=list[a.PartnerContribution], dependencies=READ, responses=READ_ERRORS,
            summary="Commitments vs deliveries per partner (rupiah, by kind)")
async def contributions(project_id: UUID, request: Request) -> list[dict[str, Any]]:
    return await read(request, q.project_contributions, project_id)  # type: ignore[no-any-return]


@router.post(P + "/partners", response_model=a.ProjectView, responses=WRITE_ERRORS,
             summary="Add a partner to the project")
async def add_partner(project_id: UUID, body: inputs.PartyIn, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.add_project_partner(uow, project_id, body))


@router.post(P + "/agreements", response_model=a.ProjectView, responses=WRITE_ERRORS,
             summary="Link an agreement the project runs under")
async def link_agreement(project_id: UUID, body: inputs.LinkAgreement, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.link_agreement(uow, project_id, body))


@router.post(P + "/contributions", response_model=a.Contribution, status_code=201, responses=WRITE_ERRORS,
             summary="A partner commits a contribution: money, in kind, expertise, facilities or research output")
async def commit(project_id: UUID, body: inputs.CommitContribution, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.commit_contribution(uow, project_id, body), status_code=201)


@router.post(P + "/contributions/{contribution_id}/deliveries", response_model=a.Contribution, status_code=201,
             responses=WRITE_ERRORS,
             summary="Record a delivery against a commitment (never beyond what was committed)")
async def deliver(project_id: UUID, contribution_id: str, body: inputs.DeliverContribution, cmd: CommandDep,
                  _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.deliver_contribution(uow, project_id, contribution_id, body),
                             status_code=201)


@router.post(P + "/milestones", response_model=a.Milestone, status_code=201, responses=WRITE_ERRORS,
             summary="Plan a milestone with a due date")
async def plan(project_id: UUID, body: inputs.PlanMilestone, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.plan_milestone(uow, project_id, body), status_code=201)


@router.post(P + "/milestones/{milestone_id}/reschedule", response_model=a.Milestone, responses=WRITE_ERRORS,
             summary="Move an open milestone's due date (with a reason)")
async def reschedule(project_id: UUID, milestone_id: str, body: inputs.RescheduleMilestone, cmd: CommandDep,
                     _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.reschedule_milestone(uow, project_id, milestone_id, body))


@router.post(P + "/milestones/{milestone_id}/complete", response_model=a.Milestone, responses=WRITE_ERRORS,
             summary="Mark a milestone done, with evidence (document SHA-256 and/or https URL)")
async def complete_milestone(project_id: UUID, milestone_id: str, body: inputs.CompleteMilestone, cmd: CommandDep,
                             _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.complete_milestone(uow, project_id, milestone_id, body))


@router.post(P + "/kpis", response_model=a.Kpi, status_code=201, responses=WRITE_ERRORS,
             summary="Define a KPI: baseline and target")
async def define_kpi(project_id: UUID, body: inputs.DefineKpi, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.define_kpi(uow, project_id, body), status_code=201)


@router.post(P + "/kpis/{code}/measurements", response_model=a.Kpi, status_code=201, responses=WRITE_ERRORS,
             summary="Record a KPI's actual value")
async def measure_kpi(project_id: UUID, code: str, body: inputs.MeasureKpi, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.measure_kpi(uow, project_id, code, body), status_code=201)


@router.post(P + "/outcomes", response_model=a.Outcome, status_code=201, responses=WRITE_ERRORS,
             summary="Record an outcome")
async def outcome(project_id: UUID, body: inputs.RecordOutcome, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.record_outcome(uow, project_id, body), status_code=201)


@router.post(P + "/complete", response_model=a.ProjectView, responses=WRITE_ERRORS,
             summary="running → completed (no milestone left open)")
async def complete(project_id: UUID, body: inputs.CompleteProject, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.complete_project(uow, project_id, body))


@router.post(P + "/cancel", response_model=a.ProjectView, responses=WRITE_ERRORS,
             summary="running → cancelled (with a reason)")
async def cancel(project_id: UUID, body: inputs.CancelProject, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.cancel_project(uow, project_id, body))


@router.get("/milestones/overdue", response_model=list[a.OverdueMilestone], dependencies=READ, responses=READ_ERRORS,
            summary="Open milestones past their due date, as of a date, across running projects")
async def overdue(request: Request, as_of: AsOf = None, region: Region = None) -> list[dict[str, Any]]:
    return await read(request, q.overdue_milestones, as_of_or_today(as_of), region)  # type: ignore[no-any-return]


@router.get("/milestones", response_model=Page[a.MilestoneRow], dependencies=READ, responses=READ_ERRORS,
            summary="Milestones across projects by due date, paged; state=overdue: open past due (as of a date) "
                    "in running projects")
async def list_milestones(request: Request, response: Response, page: PageDep,
                          state: Literal["open", "overdue", "done"] | None = None, as_of: AsOf = None,
                          region: Region = None, project_id: UUID | None = None) -> dict[str, Any]:
    items = await read(request, q.milestones_page, limit=page.limit, after=page.after, state=state,
                       as_of=as_of_or_today(as_of), region=region, project_id=project_id)
    last = items[-1] if items else None
    next_cursor = page.next_cursor([last["due_on"], last["project_id"], last["milestone_id"]] if last else None,
                                   len(items))
    response.headers.update(link_header(request, next_cursor))
    return {"items": items, "next_cursor": next_cursor, "limit": page.limit}


@router.post("/checks/overdue", response_model=a.Flagged, responses=WRITE_ERRORS,
             summary="Flag (and publish) milestones that became overdue, now rather than at the next periodic run")
async def flag_overdue(cmd: CommandDep, _: Writer, as_of: AsOf = None) -> Any:
    day = as_of_or_today(as_of)
    return await cmd.execute(lambda uow: _flagged(uow, day))


async def _flagged(uow: UnitOfWork, day: date) -> dict[str, Any]:
    return {"as_of": day.isoformat(), "flagged": await c.flag_overdue_milestones(uow, day)}


@router.get("/checks", response_model=a.Checks, dependencies=READ, responses=READ_ERRORS,
            summary="Every running project: Triple Helix completeness with reasons, overdue milestones, outstanding")
async def checks(request: Request, as_of: AsOf = None, region: Region = None) -> dict[str, Any]:
    return await read(request, q.checks, as_of_or_today(as_of), region)  # type: ignore[no-any-return]


@router.get("/network", response_model=a.Network, dependencies=READ, responses=READ_ERRORS,
            summary="Who works with whom on what, per region: partner and project nodes, edges")
async def network(request: Request, as_of: AsOf = None, region: Region = None,
                  include_ended: bool = False) -> dict[str, Any]:
    return await read(request, q.network, as_of_or_today(as_of), region,  # type: ignore[no-any-return]
                      include_ended)
