"""What the enterprise ops API answers: typed models for the OpenAPI document and generated clients.
Households appear only by their pseudonymous registry reference."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gotong.api.answers import Answer


class EnterpriseView(Answer):
    """A social enterprise's profile and status (NIB: Nomor Induk Berusaha, the business licence number)."""

    id: str
    name: str = Field(examples=["Koperasi Tenun Sumba"])
    nib: str | None = None
    legal_form: str | None = None
    mission: str | None = None
    sdgs: list[int] | None = None
    region_code: str | None = Field(default=None, examples=["53.11"])
    province_code: str | None = None
    regency_code: str | None = None
    groups_served: list[str] | None = None
    groups_employed: list[str] | None = None
    status: str = Field(examples=["registered", "verified", "active", "suspended"])
    suspension_reason: str | None = None


class EnterpriseChanged(EnterpriseView):
    version: int
    history: list[dict[str, Any]] = []


class EnterpriseDetail(EnterpriseView):
    region_name: str | None = None
    households: dict[str, Any] | list[dict[str, Any]] | None = None
    reports: list[dict[str, Any]] = []
    csr_grants: list[dict[str, Any]] = []
    latest_figures: dict[str, Any] | None = None


class ReportVersion(Answer):
    version: int
    status: str = Field(examples=["submitted", "accepted", "returned", "superseded"])
    metrics: dict[str, Any] | None = None


class QueuedReport(Answer):
    """One version of an enterprise's impact report, as a cross-enterprise review queue lists it."""

    report_id: str
    version: int
    enterprise_id: str
    enterprise_name: str
    region_code: str
    region_name: str | None = None
    period: str = Field(examples=["2026-Q3", "2026"])
    period_kind: str = Field(examples=["quarter", "year"])
    status: str = Field(examples=["submitted", "accepted", "returned", "superseded"])
    submitted_by: str
    submitted_at: str
    reviewed_by: str | None = None
    reviewed_at: str | None = None


class ImpactReport(Answer):
    """An impact report of one period with every version submitted (history kept)."""

    report_id: str
    enterprise_id: str
    period: str = Field(examples=["2026-Q3", "2026"])
    versions: list[ReportVersion]


class PeriodReports(Answer):
    period: str
    kind: str = Field(examples=["quarter", "year"])
    versions: list[dict[str, Any]]


class Figures(Answer):
    """Derived figures: self-sufficiency, grant dependency, cost per beneficiary, revenue growth, and trends."""

    enterprise_id: str
    definitions: dict[str, str]
    quarterly: dict[str, Any] | list[Any]
    annual: dict[str, Any] | list[Any]
    metrics: dict[str, dict[str, Any]]
    csr_grants_approved: int
    grants_reported: int


class Portfolio(Answer):
    region: str | None = None
    enterprises_by_status: dict[str, int]
    employees: int
    employees_vulnerable: int
    beneficiaries_served: int
    households_graduated: int
    households_graduated_desil_1_4: int
    median_self_sufficiency: str | None = Field(default=None, examples=["0.8125"])
    enterprises_reporting: int


class Metric(Answer):
    name: str
    code: str = Field(examples=["PI4060"])
    unit: str | None = None
    required: bool


class DerivedMetric(Answer):
    name: str
    code: str


class MetricCatalogue(Answer):
    metrics: list[Metric]
    derived: list[DerivedMetric]


class HouseholdLinked(Answer):
    enterprise_id: str
    household_ref: str
    relation: str = Field(examples=["employee", "client"])
    started_on: str | None = None
    ended_on: str | None = None
    graduation_signal: Any = None
    registry_status: Any = None


class HouseholdLink(Answer):
    household_ref: str
    relation: str
    groups: list[str] | None = None
    started_on: str | None = None
    ended_on: str | None = None
    registry_status: str | None = None
    desil: int | None = None
