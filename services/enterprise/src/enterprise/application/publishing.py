"""Internal events -> the published contract (`gotong_contracts.enterprise`). What is not mapped stays internal:
NIB, mission, officers, notes, return reasons, client links and ended links never leave the service."""

from __future__ import annotations

from typing import Any

from gotong_contracts import enterprise as contract
from gotong_contracts.base import IntegrationEvent

from enterprise.domain.catalogue import METRIC_CODES, UNITS
from enterprise.domain.regions import province_and_regency
from enterprise.domain.reports import parse_period
from gotong.eventstore.model import RecordedEvent


def _region(code: str) -> dict[str, str]:
    province, regency = province_and_regency(code)
    return {"province_code": province, "regency_code": regency}


def _registered(e: RecordedEvent) -> IntegrationEvent:
    d = e.data
    return contract.EnterpriseRegistered(
        enterprise_id=str(e.stream_id), name=None if d["legal_form"] == "pt_perorangan" else d["name"],
        legal_form=d["legal_form"], sdgs=d["sdgs"], region_code=d["region_code"], **_region(d["region_code"]),
        groups_served=d["groups_served"], groups_employed=d["groups_employed"], occurred_at=d["occurred_at"])


def _profile(e: RecordedEvent) -> IntegrationEvent:
    d = e.data
    return contract.EnterpriseProfileUpdated(
        enterprise_id=str(e.stream_id), name=None if d["legal_form"] == "pt_perorangan" else d["name"],
        legal_form=d["legal_form"], sdgs=d["sdgs"], region_code=d["region_code"], **_region(d["region_code"]),
        groups_served=d["groups_served"], groups_employed=d["groups_employed"],
        changed=[c for c in d["changed"] if c != "mission"], occurred_at=d["occurred_at"])


def _status(e: RecordedEvent) -> IntegrationEvent:
    d = e.data
    return contract.EnterpriseStatusChanged(enterprise_id=str(e.stream_id), status=d["status"],
                                            previous_status=d["previous_status"], reason=d.get("reason"),
                                            occurred_at=d["occurred_at"])


def _accepted(e: RecordedEvent) -> IntegrationEvent:
    d = e.data
    period = parse_period(d["period"])
    metrics = [contract.ReportedMetric(code=METRIC_CODES[k], name=k, value=v, unit=UNITS[k])
               for k, v in sorted(d["metrics"].items())]
    return contract.ImpactReportAccepted(
        enterprise_id=d["enterprise_id"], report_id=str(e.stream_id), period=period.label,
        period_start=period.start.isoformat(), period_end=period.end.isoformat(), version=d["version"],
        supersedes_version=d["supersedes_version"], province_code=d["province_code"],
        regency_code=d["regency_code"], metrics=metrics, derived=contract.DerivedFigures(**d["derived"]),
        occurred_at=d["occurred_at"])


def _linked(e: RecordedEvent) -> IntegrationEvent | None:
    d = e.data
    if d["relation"] != "employee":
        return None
    return contract.HouseholdGraduated(household_ref=d["household_ref"], enterprise_id=str(e.stream_id),
                                       region_code=d["region_code"], **_region(d["region_code"]),
                                       started_on=d["started_on"], occurred_at=d["occurred_at"])


_MAPPERS = {"EnterpriseRegistered": _registered, "EnterpriseProfileUpdated": _profile,
            "EnterpriseStatusChanged": _status,
            "ImpactReportAccepted": _accepted, "HouseholdLinked": _linked}


def publish_contract(event: RecordedEvent) -> tuple[str, int, dict[str, Any]] | None:
    mapper = _MAPPERS.get(event.event_type)
    published = mapper(event) if mapper else None
    if isinstance(published, contract.EnterpriseProfileUpdated) and not published.changed:
        return None  # only the mission changed: nothing public did
    if published is None:
        return None
    return published.event_type, published.schema_version, published.model_dump(mode="json")
