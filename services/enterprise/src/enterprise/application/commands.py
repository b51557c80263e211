"""Enterprise commands: load the aggregate, let it decide, save it through the unit of work (which runs the
projectors in the same transaction). Handlers never commit, never see SQL."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from enterprise.adapters.replicas import RegistryReplica
from enterprise.application.regions import check_region
from enterprise.domain.catalogue import Group, LegalForm, SuspensionReason
from enterprise.domain.enterprise import (
    Action,
    Enterprise,
    RegistryStanding,
    Relation,
    check_household_ref,
    check_nib,
    enterprise_id_for,
)
from enterprise.domain.events import events
from enterprise.domain.regions import province_and_regency
from enterprise.domain.reports import ImpactReport, parse_period, report_id_for, validate_metrics
from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork
from gotong.domain.bounds import Int64
from gotong.domain.errors import Conflict, NotFound

enterprises = Repository(Enterprise, events)
reports = Repository(ImpactReport, events)


class RegisterEnterprise(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200, description="business name as registered in OSS")
    nib: str = Field(description="Nomor Induk Berusaha, 13 digits")
    legal_form: LegalForm
    mission: str = Field(min_length=10, max_length=2000, description="the social purpose its profit serves")
    sdgs: list[Int64] = Field(min_length=1, max_length=17)
    region_code: str = Field(max_length=20, description="Kepmendagri 2025 regency code or finer, e.g. 32.73")
    groups_served: list[Group] = Field(default_factory=list, max_length=9)
    groups_employed: list[Group] = Field(default_factory=list, max_length=9)


class UpdateProfile(BaseModel):
    """Only the fields given change; the NIB never does (an unknown field, `nib` included, is refused)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=2, max_length=200)
    legal_form: LegalForm | None = None
    mission: str | None = Field(default=None, min_length=10, max_length=2000)
    sdgs: list[Int64] | None = Field(default=None, min_length=1, max_length=17)
    region_code: str | None = Field(default=None, max_length=20)
    groups_served: list[Group] | None = Field(default=None, max_length=9)
    groups_employed: list[Group] | None = Field(default=None, max_length=9)


class ChangeStatus(BaseModel):
    reason: SuspensionReason | None = Field(default=None, description="required to suspend")
    note: str | None = Field(default=None, max_length=500, description="internal; never published")


class SubmitReport(BaseModel):
    period: str = Field(max_length=10, description="a quarter '2026-Q3' or a year '2026'")
    currency: str = Field(default="IDR", max_length=3)
    metrics: dict[str, Any] = Field(description="metric name -> whole number; see GET /v1/enterprises/metrics")
    employees_by_group: dict[str, Any] = Field(default_factory=dict,
                                               description="vulnerable employees per group (overlaps allowed)")
    note: str | None = Field(default=None, max_length=1000)


class ReturnReport(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="what needs correcting")


class LinkHousehold(BaseModel):
    household_ref: str = Field(max_length=64, description="the registry's pseudonymous household reference")
    relation: Relation
    groups: list[Group] = Field(default_factory=list, max_length=9)
    started_on: date


class EndLink(BaseModel):
    relation: Relation
    ended_on: date


def enterprise_view(e: Enterprise) -> dict[str, Any]:
    province, regency = province_and_regency(e.region_code)
    return {"id": str(e.id), "name": e.name, "nib": e.nib, "legal_form": e.legal_form, "mission": e.mission,
            "sdgs": e.sdgs, "region_code": e.region_code, "province_code": province, "regency_code": regency,
            "groups_served": e.groups_served, "groups_employed": e.groups_employed, "status": e.status,
            "suspension_reason": e.suspension_reason, "version": e.version, "history": e.history}


def report_view(r: ImpactReport) -> dict[str, Any]:
    return {"report_id": str(r.id), "enterprise_id": r.enterprise_id, "period": r.period,
            "versions": [{"version": v.version, "status": v.status, "metrics": v.metrics,
                          "employees_by_group": v.employees_by_group, "derived": v.derived or None,
                          "submitted_at": v.submitted_at, "reviewed_at": v.reviewed_at,
                          "return_reason": v.return_reason} for v in sorted(r.versions.values(),
                                                                             key=lambda v: v.version)]}


async def _enterprise(uow: UnitOfWork, enterprise_id: UUID) -> Enterprise:
    found = await uow.find(enterprises, enterprise_id)
    if found is None:
        raise NotFound(f"enterprise {enterprise_id} is not registered", field="enterprise_id")
    return found


def _now(uow: UnitOfWork) -> str:
    return uow.clock.now().isoformat()


async def register(uow: UnitOfWork, cmd: RegisterEnterprise, officer: str) -> dict[str, Any]:
    region_code, _, _ = check_region(cmd.region_code)
    nib = check_nib(cmd.nib)
    if await uow.find(enterprises, enterprise_id_for(nib)) is not None:
        raise Conflict("an enterprise with this NIB is registered already", field="nib")
    e = Enterprise.register(name=cmd.name, nib=nib, legal_form=cmd.legal_form, mission=cmd.mission, sdgs=cmd.sdgs,
                            region_code=region_code, groups_served=cmd.groups_served,
                            groups_employed=cmd.groups_employed, registered_by=officer, now=_now(uow))
    await uow.save(e)
    return enterprise_view(e)


async def update_profile(uow: UnitOfWork, enterprise_id: UUID, cmd: UpdateProfile) -> dict[str, Any]:
    e = await _enterprise(uow, enterprise_id)
    changes = cmd.model_dump(exclude_none=True)
    if "region_code" in changes:
        changes["region_code"], _, _ = check_region(changes["region_code"])
    if e.update_profile(_now(uow), **changes):
        await uow.save(e)
    return enterprise_view(e)


async def change_status(uow: UnitOfWork, enterprise_id: UUID, action: Action, cmd: ChangeStatus,
                        officer: str) -> dict[str, Any]:
    e = await _enterprise(uow, enterprise_id)
    e.change_status(action, officer, _now(uow), reason=cmd.reason, note=cmd.note)
    await uow.save(e)
    return enterprise_view(e)


async def submit_report(uow: UnitOfWork, enterprise_id: UUID, cmd: SubmitReport, officer: str,
                        today: date | None = None) -> dict[str, Any]:
    e = await _enterprise(uow, enterprise_id)
    period = parse_period(cmd.period)
    metrics, groups = validate_metrics(cmd.metrics, cmd.employees_by_group, cmd.currency)
    report = await uow.find(reports, report_id_for(e.id, period.label)) or ImpactReport.start(e.id, period)
    report.submit(period, e.status, metrics, groups, officer, _now(uow), today or uow.clock.today(), note=cmd.note)
    await uow.save(report)
    return report_view(report)


async def _report(uow: UnitOfWork, enterprise_id: UUID, period_label: str) -> tuple[Enterprise, ImpactReport]:
    e = await _enterprise(uow, enterprise_id)
    period = parse_period(period_label)
    report = await uow.find(reports, report_id_for(e.id, period.label))
    if report is None:
        raise NotFound(f"no report for {period.label} from this enterprise", field="period")
    return e, report


async def accept_report(uow: UnitOfWork, enterprise_id: UUID, period_label: str, version: int,
                        officer: str) -> dict[str, Any]:
    e, report = await _report(uow, enterprise_id, period_label)
    previous = await uow.find(reports, report_id_for(e.id, parse_period(report.period).previous().label))
    province, regency = province_and_regency(e.region_code)
    report.accept(version, officer, report.derived_figures(version, previous), province, regency, _now(uow))
    await uow.save(report)
    return report_view(report)


async def return_report(uow: UnitOfWork, enterprise_id: UUID, period_label: str, version: int, cmd: ReturnReport,
                        officer: str) -> dict[str, Any]:
    _, report = await _report(uow, enterprise_id, period_label)
    report.return_for_correction(version, officer, cmd.reason, _now(uow))
    await uow.save(report)
    return report_view(report)


async def link_household(uow: UnitOfWork, enterprise_id: UUID, cmd: LinkHousehold,
                         today: date | None = None) -> dict[str, Any]:
    e = await _enterprise(uow, enterprise_id)
    known = await uow.adapter(RegistryReplica).standing(check_household_ref(cmd.household_ref))
    registry = RegistryStanding(*(known or (None, None))).check()  # an erased or merged household: refused
    graduated = e.link_household(cmd.household_ref, cmd.relation, cmd.groups, cmd.started_on, _now(uow),
                                 today or uow.clock.today())
    await uow.save(e)
    return {"enterprise_id": str(e.id), "household_ref": cmd.household_ref, "relation": cmd.relation,
            "started_on": cmd.started_on.isoformat(), "graduation_signal": graduated, "registry_status": registry}


async def end_link(uow: UnitOfWork, enterprise_id: UUID, household_ref: str, cmd: EndLink) -> dict[str, Any]:
    e = await _enterprise(uow, enterprise_id)
    e.end_link(household_ref, cmd.relation, cmd.ended_on, _now(uow))
    await uow.save(e)
    return {"enterprise_id": str(e.id), "household_ref": household_ref, "relation": cmd.relation,
            "ended_on": cmd.ended_on.isoformat()}
