"""Enterprise commands: load the aggregate, decide (pure domain), save its events, update the read tables —
all inside the caller's event store transaction (handlers never commit)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from enterprise.application import projections
from enterprise.application.regions import check_region
from enterprise.domain import figures
from enterprise.domain.enterprise import (
    Action,
    Enterprise,
    Relation,
    check_household_ref,
    check_nib,
    enterprise_id_for,
)
from enterprise.domain.enterprise import events as enterprise_events
from enterprise.domain.reports import ImpactReport, parse_period, report_id_for, validate_metrics
from enterprise.domain.reports import events as report_events
from gotong.application.repository import Repository
from gotong.contracts.enterprise import Group, LegalForm, SuspensionReason
from gotong.domain.bounds import Int64
from gotong.domain.errors import Conflict, NotFound
from gotong.eventstore import EventMetadata, EventStoreTx
from gotong.eventstore.postgres import driver_connection

enterprises = Repository(Enterprise, enterprise_events)
reports = Repository(ImpactReport, report_events)


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


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _today() -> date:
    return datetime.now(UTC).date()


def enterprise_view(e: Enterprise) -> dict[str, Any]:
    _, province, regency = check_region(e.region_code)
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


async def _enterprise(tx: EventStoreTx, enterprise_id: UUID) -> Enterprise:
    found = await enterprises.find(tx, enterprise_id)
    if found is None:
        raise NotFound(f"enterprise {enterprise_id} is not registered", field="enterprise_id")
    return found


async def register(tx: EventStoreTx, cmd: RegisterEnterprise, officer: str, meta: EventMetadata) -> dict[str, Any]:
    region_code, _, _ = check_region(cmd.region_code)
    nib = check_nib(cmd.nib)
    if await enterprises.find(tx, enterprise_id_for(nib)) is not None:
        raise Conflict("an enterprise with this NIB is registered already", field="nib")
    e = Enterprise.register(name=cmd.name, nib=nib, legal_form=cmd.legal_form, mission=cmd.mission, sdgs=cmd.sdgs,
                            region_code=region_code, groups_served=cmd.groups_served,
                            groups_employed=cmd.groups_employed, registered_by=officer, now=_now())
    await enterprises.save(tx, e, meta)
    await projections.save_enterprise(await driver_connection(tx.connection, begin=False), e)
    return enterprise_view(e)


async def update_profile(tx: EventStoreTx, enterprise_id: UUID, cmd: UpdateProfile,
                         meta: EventMetadata) -> dict[str, Any]:
    e = await _enterprise(tx, enterprise_id)
    changes = cmd.model_dump(exclude_none=True)
    if "region_code" in changes:
        changes["region_code"], _, _ = check_region(changes["region_code"])
    if e.update_profile(_now(), **changes):
        await enterprises.save(tx, e, meta)
        await projections.save_enterprise(await driver_connection(tx.connection, begin=False), e)
    return enterprise_view(e)


async def change_status(tx: EventStoreTx, enterprise_id: UUID, action: Action, cmd: ChangeStatus, officer: str,
                        meta: EventMetadata) -> dict[str, Any]:
    e = await _enterprise(tx, enterprise_id)
    e.change_status(action, officer, _now(), reason=cmd.reason, note=cmd.note)
    await enterprises.save(tx, e, meta)
    await projections.save_enterprise(await driver_connection(tx.connection, begin=False), e)
    return enterprise_view(e)


async def submit_report(tx: EventStoreTx, enterprise_id: UUID, cmd: SubmitReport, officer: str,
                        meta: EventMetadata, today: date | None = None) -> dict[str, Any]:
    e = await _enterprise(tx, enterprise_id)
    period = parse_period(cmd.period)
    metrics, groups = validate_metrics(cmd.metrics, cmd.employees_by_group, cmd.currency)
    report = await reports.find(tx, report_id_for(e.id, period.label)) or ImpactReport.start(e.id, period)
    report.submit(period, e.status, metrics, groups, officer, _now(), today or _today(), note=cmd.note)
    await reports.save(tx, report, meta)
    await projections.save_report(await driver_connection(tx.connection, begin=False), report)
    return report_view(report)


async def _report(tx: EventStoreTx, enterprise_id: UUID, period_label: str) -> tuple[Enterprise, ImpactReport]:
    e = await _enterprise(tx, enterprise_id)
    period = parse_period(period_label)
    report = await reports.find(tx, report_id_for(e.id, period.label))
    if report is None:
        raise NotFound(f"no report for {period.label} from this enterprise", field="period")
    return e, report


async def accepted_metrics(tx: EventStoreTx, enterprise_id: UUID, period_label: str) -> dict[str, int] | None:
    driver = await driver_connection(tx.connection, begin=False)
    row = await driver.fetchval(
        "SELECT metrics FROM impact_reports WHERE enterprise_id = $1 AND period = $2 AND status = 'accepted'",
        enterprise_id, period_label)
    return dict(row) if row else None


async def accept_report(tx: EventStoreTx, enterprise_id: UUID, period_label: str, version: int, officer: str,
                        meta: EventMetadata) -> dict[str, Any]:
    e, report = await _report(tx, enterprise_id, period_label)
    found = report.versions.get(version)
    period = parse_period(report.period)
    previous = await accepted_metrics(tx, e.id, period.previous().label)
    derived = figures.as_json(figures.derive(found.metrics, previous)) if found else {}
    _, province, regency = check_region(e.region_code)
    report.accept(version, officer, derived, province, regency, _now())
    await reports.save(tx, report, meta)
    await projections.save_report(await driver_connection(tx.connection, begin=False), report)
    return report_view(report)


async def return_report(tx: EventStoreTx, enterprise_id: UUID, period_label: str, version: int, cmd: ReturnReport,
                        officer: str, meta: EventMetadata) -> dict[str, Any]:
    _, report = await _report(tx, enterprise_id, period_label)
    report.return_for_correction(version, officer, cmd.reason, _now())
    await reports.save(tx, report, meta)
    await projections.save_report(await driver_connection(tx.connection, begin=False), report)
    return report_view(report)


async def link_household(tx: EventStoreTx, enterprise_id: UUID, cmd: LinkHousehold, meta: EventMetadata,
                         today: date | None = None) -> dict[str, Any]:
    e = await _enterprise(tx, enterprise_id)
    registry = await _registry_status(tx, check_household_ref(cmd.household_ref))
    graduated = e.link_household(cmd.household_ref, cmd.relation, cmd.groups, cmd.started_on, _now(),
                                 today or _today())
    await enterprises.save(tx, e, meta)
    await projections.save_link(await driver_connection(tx.connection, begin=False), e, cmd.household_ref,
                                cmd.relation)
    return {"enterprise_id": str(e.id), "household_ref": cmd.household_ref, "relation": cmd.relation,
            "started_on": cmd.started_on.isoformat(), "graduation_signal": graduated, "registry_status": registry}


async def _registry_status(tx: EventStoreTx, household_ref: str) -> str:
    """What the registry replica knows: `registered`, or `unknown` (not replicated yet: allowed). An erased or
    merged household cannot be linked."""
    driver = await driver_connection(tx.connection, begin=False)
    row = await driver.fetchrow("SELECT status, merged_into FROM registry_households WHERE household_ref = $1",
                                household_ref)
    if row is None:
        return "unknown"
    if row["status"] == "erased":
        raise Conflict("this household was erased from the registry at its request (UU PDP); it cannot be linked",
                       field="household_ref")
    if row["status"] == "merged":
        raise Conflict("this household was merged into another; link the surviving reference",
                       field="household_ref", surviving_ref=row["merged_into"])
    return "registered"


async def end_link(tx: EventStoreTx, enterprise_id: UUID, household_ref: str, cmd: EndLink,
                   meta: EventMetadata) -> dict[str, Any]:
    e = await _enterprise(tx, enterprise_id)
    e.end_link(household_ref, cmd.relation, cmd.ended_on, _now())
    await enterprises.save(tx, e, meta)
    await projections.save_link(await driver_connection(tx.connection, begin=False), e, household_ref, cmd.relation)
    return {"enterprise_id": str(e.id), "household_ref": household_ref, "relation": cmd.relation,
            "ended_on": cmd.ended_on.isoformat()}
