"""The ops API: enterprises and their review, impact reports and their review, figures, household links."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from enterprise.adapters.reads import EnterpriseReads
from enterprise.application import commands as c
from enterprise.application import queries as q
from enterprise.domain.catalogue import DERIVED_CODES, METRIC_CODES, REQUIRED, UNITS, EnterpriseStatus, LegalForm
from enterprise.domain.reports import VersionStatus, parse_period
from enterprise.entrypoints.api import answers as a
from gotong.api.answers import Page
from gotong.api.app import runtime
from gotong.api.auth import InsufficientScope, Principal, PrincipalDep, require_scopes
from gotong.api.idempotency import CommandDep
from gotong.api.pagination import PageDep, link_header
from gotong.api.problem import LIST_PROBLEMS, problem_responses
from gotong.domain.bounds import INT32_MAX


def require_one_of(*scopes: str) -> Any:
    """Any one of `scopes` (the first is the service's own; the launcher's supervisors hold `enterprise:approve`)."""

    async def check(principal: PrincipalDep) -> Principal:
        if not any(principal.has(s) for s in scopes):
            raise InsufficientScope([scopes[0]])
        return principal

    check.__name__ = "require_" + scopes[0].replace(":", "_")
    return Depends(check)


router = APIRouter(prefix="/v1/enterprises", tags=["enterprises"])
Writer = Annotated[Principal, require_scopes("enterprise:write")]
Reviewer = Annotated[Principal, require_one_of("enterprise:review", "enterprise:approve")]
Verifier = Annotated[Principal, require_one_of("enterprise:verify", "enterprise:approve")]
READ = [require_scopes("enterprise:read")]
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
READ_ERRORS = problem_responses(401, 403, 404, 422)
Period = Annotated[str, Path(max_length=10, description="'2026-Q3' or '2026'")]
Version = Annotated[int, Path(ge=1, le=INT32_MAX, description="report version, from 1")]


async def _read(request: Request, fn: Any, *args: Any, **kw: Any) -> Any:
    """A query on one consistent read-only snapshot."""
    async with runtime(request.app).database.read() as sql:
        return await fn(EnterpriseReads(sql), *args, **kw)


@router.post("", response_model=a.EnterpriseChanged, status_code=201, responses=WRITE_ERRORS,
             summary="Register a social enterprise")
async def register(body: c.RegisterEnterprise, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: c.register(uow, body, who.subject), status_code=201)


@router.get("", response_model=Page[a.EnterpriseView], dependencies=READ, responses=READ_ERRORS,
            summary="Enterprises, by name; filter by region (any level), status, legal form")
async def list_enterprises(request: Request, response: Response, page: PageDep,
                           region: Annotated[str | None, Query(max_length=20, pattern=r"^[\d.]+$")] = None,
                           status: EnterpriseStatus | None = None,
                           legal_form: LegalForm | None = None,
                           name: Annotated[str | None, Query(min_length=2, max_length=100,
                                                             description="part of the name, any case")] = None
                           ) -> dict[str, Any]:
    after = page.after if isinstance(page.after, list) and len(page.after) == 2 else None
    items = await _read(request, q.list_enterprises, page.limit, after, region=region, status=status,
                        legal_form=legal_form, name=name)
    next_cursor = page.next_cursor([items[-1]["name"], items[-1]["id"]] if items else None, len(items))
    response.headers.update(link_header(request, next_cursor))
    return {"items": items, "next_cursor": next_cursor, "limit": page.limit}


@router.get("/summary", response_model=a.Portfolio, dependencies=READ, responses=LIST_PROBLEMS,
            summary="Portfolio: status counts, jobs, jobs for vulnerable people, "
                                                    "graduations, median self-sufficiency")
async def summary(request: Request,
                  region: Annotated[str | None, Query(max_length=20, pattern=r"^[\d.]+$")] = None) -> Any:
    return await _read(request, q.portfolio, region)


@router.get("/reports", response_model=Page[a.QueuedReport], dependencies=READ, responses=READ_ERRORS,
            summary="Impact report versions across every enterprise, oldest submission first, paged; "
                    "status=submitted is the review queue")
async def report_queue(request: Request, response: Response, page: PageDep,
                       status: VersionStatus | None = None,
                       region: Annotated[str | None, Query(max_length=20, pattern=r"^[\d.]+$")] = None,
                       enterprise_id: UUID | None = None,
                       period: Annotated[str | None, Query(max_length=10, description="'2026-Q3' or '2026'")] = None
                       ) -> dict[str, Any]:
    items = await _read(request, q.report_queue, page.limit, page.after, status=status, region=region,
                        enterprise_id=enterprise_id, period=period)
    last = items[-1] if items else None
    next_cursor = page.next_cursor([last["submitted_at"], last["report_id"], last["version"]] if last else None,
                                   len(items))
    response.headers.update(link_header(request, next_cursor))
    return {"items": items, "next_cursor": next_cursor, "limit": page.limit}


@router.get("/metrics", response_model=a.MetricCatalogue, dependencies=READ, responses=LIST_PROBLEMS,
            summary="The report metrics: IRIS+ or Gotong-local codes, units")
async def report_metrics() -> dict[str, Any]:
    return {"metrics": [{"name": k, "code": v, "unit": UNITS[k], "required": k in REQUIRED}
                        for k, v in METRIC_CODES.items()],
            "derived": [{"name": k, "code": v} for k, v in DERIVED_CODES.items()]}


@router.get("/{enterprise_id}", response_model=a.EnterpriseDetail, dependencies=READ, responses=READ_ERRORS,
            summary="One enterprise: profile, status, household counts, reports, CSR grants, latest figures")
async def show(enterprise_id: UUID, request: Request) -> Any:
    return await _read(request, q.enterprise_detail, enterprise_id)


@router.patch("/{enterprise_id}", response_model=a.EnterpriseChanged, responses=WRITE_ERRORS,
              summary="Update the profile: name, legal form, mission, SDGs, region, groups (never the NIB)")
async def update_profile(enterprise_id: UUID, body: c.UpdateProfile, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.update_profile(uow, enterprise_id, body))


@router.post("/{enterprise_id}/verify", response_model=a.EnterpriseChanged, responses=WRITE_ERRORS,
             summary="Verify a registered enterprise (an officer other than the registrant)")
async def verify(enterprise_id: UUID, cmd: CommandDep, who: Verifier, body: c.ChangeStatus | None = None) -> Any:
    return await cmd.execute(lambda uow: c.change_status(uow, enterprise_id, "verify", body or c.ChangeStatus(),
                                                        who.subject))


@router.post("/{enterprise_id}/activate", response_model=a.EnterpriseChanged, responses=WRITE_ERRORS,
             summary="Activate a verified enterprise")
async def activate(enterprise_id: UUID, cmd: CommandDep, who: Reviewer, body: c.ChangeStatus | None = None) -> Any:
    return await cmd.execute(lambda uow: c.change_status(uow, enterprise_id, "activate", body or c.ChangeStatus(),
                                                        who.subject))


@router.post("/{enterprise_id}/suspend", response_model=a.EnterpriseChanged, responses=WRITE_ERRORS,
             summary="Suspend an active enterprise (reason)")
async def suspend(enterprise_id: UUID, body: c.ChangeStatus, cmd: CommandDep, who: Reviewer) -> Any:
    return await cmd.execute(lambda uow: c.change_status(uow, enterprise_id, "suspend", body, who.subject))


@router.post("/{enterprise_id}/reinstate", response_model=a.EnterpriseChanged, responses=WRITE_ERRORS,
             summary="Reinstate a suspended enterprise")
async def reinstate(enterprise_id: UUID, cmd: CommandDep, who: Reviewer, body: c.ChangeStatus | None = None) -> Any:
    return await cmd.execute(lambda uow: c.change_status(uow, enterprise_id, "reinstate", body or c.ChangeStatus(),
                                                        who.subject))


@router.post("/{enterprise_id}/reports", response_model=a.ImpactReport, status_code=201, responses=WRITE_ERRORS,
             summary="Submit an impact report for a period; again for the same period submits a correction")
async def submit_report(enterprise_id: UUID, body: c.SubmitReport, cmd: CommandDep, who: Writer) -> Any:
    return await cmd.execute(lambda uow: c.submit_report(uow, enterprise_id, body, who.subject),
                             status_code=201)


@router.get("/{enterprise_id}/reports", response_model=list[a.PeriodReports], dependencies=READ, responses=READ_ERRORS,
            summary="Every period's report versions (history kept)")
async def reports(enterprise_id: UUID, request: Request) -> Any:
    return await _read(request, q.report_history, enterprise_id)


@router.get("/{enterprise_id}/reports/{period}", response_model=a.PeriodReports, dependencies=READ,
            responses=READ_ERRORS,
            summary="One period's report versions")
async def report(enterprise_id: UUID, period: Period, request: Request) -> Any:
    return (await _read(request, q.report_history, enterprise_id, parse_period(period).label))[0]


@router.post("/{enterprise_id}/reports/{period}/versions/{version}/accept", response_model=a.ImpactReport,
             responses=WRITE_ERRORS,
             summary="Accept a submitted version (an officer other than the submitter); it supersedes earlier ones")
async def accept(enterprise_id: UUID, period: Period, version: Version, cmd: CommandDep, who: Reviewer) -> Any:
    return await cmd.execute(lambda uow: c.accept_report(uow, enterprise_id, period, version, who.subject))


@router.post("/{enterprise_id}/reports/{period}/versions/{version}/return", response_model=a.ImpactReport,
             responses=WRITE_ERRORS,
             summary="Return a submitted version for correction, saying why")
async def return_report(enterprise_id: UUID, period: Period, version: Version, body: c.ReturnReport, cmd: CommandDep,
                        who: Reviewer) -> Any:
    return await cmd.execute(lambda uow: c.return_report(uow, enterprise_id, period, version, body, who.subject))


@router.get("/{enterprise_id}/figures", response_model=a.Figures, dependencies=READ, responses=READ_ERRORS,
            summary="Self-sufficiency, grant dependency, cost per beneficiary, revenue growth, trend")
async def enterprise_figures(enterprise_id: UUID, request: Request) -> Any:
    return await _read(request, q.enterprise_figures, enterprise_id)


@router.post("/{enterprise_id}/households", response_model=a.HouseholdLinked, status_code=201, responses=WRITE_ERRORS,
             summary="Link an employee or client household by its pseudonymous registry reference")
async def link_household(enterprise_id: UUID, body: c.LinkHousehold, cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.link_household(uow, enterprise_id, body), status_code=201)


@router.post("/{enterprise_id}/households/{household_ref}/end", response_model=a.HouseholdLinked,
             responses=WRITE_ERRORS,
             summary="End a household's employment or client link")
async def end_link(enterprise_id: UUID, household_ref: Annotated[str, Path(max_length=64)], body: c.EndLink,
                   cmd: CommandDep, _: Writer) -> Any:
    return await cmd.execute(lambda uow: c.end_link(uow, enterprise_id, household_ref, body))


@router.get("/{enterprise_id}/households", response_model=Page[a.HouseholdLink], dependencies=READ,
            responses=READ_ERRORS,
            summary="Linked households (pseudonymous references only), paged")
async def households(enterprise_id: UUID, request: Request, response: Response, page: PageDep) -> dict[str, Any]:
    after = page.after if isinstance(page.after, list) and len(page.after) == 2 else None
    items = await _read(request, q.household_links, enterprise_id, page.limit, after)
    next_cursor = page.next_cursor([items[-1]["household_ref"], items[-1]["relation"]] if items else None,
                                   len(items))
    response.headers.update(link_header(request, next_cursor))
    return {"items": items, "next_cursor": next_cursor, "limit": page.limit}
