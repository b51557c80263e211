"""What the social-enterprise service publishes on `enterprise.events`: enterprises, their status, accepted
impact reports with derived figures, and households that found work (graduation). Households appear only by
the registry's pseudonymous `household_ref`; no person's name, NIK, address or account ever does. A one-person
company (PT perorangan) is often named after its owner, so its name is not published either."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from gotong_contracts.base import IntegrationEvent

LegalForm = Literal["pt", "cv", "koperasi", "yayasan", "pt_perorangan"]
EnterpriseStatus = Literal["registered", "verified", "active", "suspended"]
#: Groups an enterprise serves or employs (segments for the canvas).
Group = Literal["women", "disabled", "youth", "elderly", "ex_offenders", "poor_households", "smallholder_farmers",
                "indigenous_communities", "migrant_worker_returnees"]
SuspensionReason = Literal["reports_overdue", "misreporting", "legal_issue", "mission_drift", "requested", "other"]

#: The code each published `ReportedMetric` carries for a metric name: IRIS+ where one fits (IRIS+ 5.3,
#: iris.thegiin.org), else a Gotong-local `GOT-...` code that promises nothing outside Gotong. Published vocabulary
#: only: which metrics a report needs, their units and limits are the enterprise domain's catalogue.
METRIC_CODES: dict[str, str] = {
    "earned_revenue": "PI1775",
    "total_expenses": "FP2321",
    "grants_received": "GOT-GRANT",
    "employees": "GOT-EMP",
    "employees_vulnerable": "GOT-EMP-VUL",
    "beneficiaries_served": "PI4060",
    "service_hours": "GOT-SVC-HRS",
    "operating_expenses": "FP1001",
    "full_time_wages": "OI5887",
    "temporary_employees": "OI9028",
    "client_organizations": "PI9652",
    "value_paid_by_clients": "PI7643",
}


class EnterpriseRegistered(IntegrationEvent):
    """A social enterprise was registered (it still needs verification by ops)."""

    event_type: ClassVar[str] = "EnterpriseRegistered"
    enterprise_id: str
    name: str | None = Field(description="business name; None for a PT perorangan (often its owner's name)")
    legal_form: LegalForm
    sdgs: list[int] = Field(description="SDG numbers 1..17")
    region_code: str = Field(description="Kepmendagri 2025 code where it operates (regency or finer)")
    province_code: str
    regency_code: str
    groups_served: list[Group]
    groups_employed: list[Group]
    occurred_at: str


class EnterpriseProfileUpdated(IntegrationEvent):
    """The enterprise's profile changed: event-carried state (the whole public profile after the change)."""

    event_type: ClassVar[str] = "EnterpriseProfileUpdated"
    enterprise_id: str
    name: str | None = Field(description="None for a PT perorangan")
    legal_form: LegalForm
    sdgs: list[int]
    region_code: str
    province_code: str
    regency_code: str
    groups_served: list[Group]
    groups_employed: list[Group]
    changed: list[str] = Field(description="which of the fields above changed (mission changes are not published)")
    occurred_at: str


class EnterpriseStatusChanged(IntegrationEvent):
    """registered -> verified -> active <-> suspended."""

    event_type: ClassVar[str] = "EnterpriseStatusChanged"
    enterprise_id: str
    status: EnterpriseStatus
    previous_status: EnterpriseStatus
    reason: SuspensionReason | None = Field(default=None, description="why it was suspended")
    occurred_at: str


class ReportedMetric(BaseModel):
    code: str = Field(description="IRIS+ id (e.g. PI4060) or Gotong-local GOT-...")
    name: str = Field(description="e.g. earned_revenue")
    value: int
    unit: Literal["IDR", "people", "organizations", "hours"]


class DerivedFigures(BaseModel):
    """Ratios are decimal strings with four places (no floats); None when the denominator is zero or missing."""

    self_sufficiency: str | None = Field(description="earned revenue / total expenses, e.g. '0.8750'")
    grant_dependency: str | None = Field(description="grants / (earned revenue + grants)")
    cost_per_beneficiary: int | None = Field(description="total expenses / beneficiaries, rupiah, half-up")
    revenue_growth: str | None = Field(description="earned revenue vs the previous period of the same kind")


class ImpactReportAccepted(IntegrationEvent):
    """Ops accepted a version of an enterprise's report for a period; it supersedes earlier accepted ones."""

    event_type: ClassVar[str] = "ImpactReportAccepted"
    enterprise_id: str
    report_id: str = Field(description="stable per (enterprise, period)")
    period: str = Field(description="'2026-Q3' or '2026'")
    period_start: str
    period_end: str
    version: int
    supersedes_version: int | None = Field(description="the accepted version this one corrects")
    province_code: str
    regency_code: str
    metrics: list[ReportedMetric]
    derived: DerivedFigures
    occurred_at: str


class HouseholdGraduated(IntegrationEvent):
    """A member of a registered household took a job at a social enterprise: a graduation signal."""

    event_type: ClassVar[str] = "HouseholdGraduated"
    household_ref: str = Field(description="the registry's pseudonymous household reference")
    enterprise_id: str
    region_code: str = Field(description="where the enterprise operates")
    province_code: str
    regency_code: str
    started_on: str
    occurred_at: str


EVENTS: dict[str, type[IntegrationEvent]] = {
    c.event_type: c for c in (EnterpriseRegistered, EnterpriseProfileUpdated, EnterpriseStatusChanged,
                              ImpactReportAccepted, HouseholdGraduated)
}
