"""Impact reports: one stream per (enterprise, period); each submission is a new version that supersedes the
one before it (history kept); ops accept or return each version (by an officer other than the submitter)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Literal
from uuid import UUID, uuid5

from enterprise.domain import figures
from enterprise.domain.catalogue import GROUPS, METRIC_CODES, OPTIONAL, REQUIRED, RUPIAH, UNITS
from enterprise.domain.enterprise import NAMESPACE
from enterprise.domain.events import ImpactReportAccepted, ImpactReportReturned, ImpactReportSubmitted, events
from gotong.domain.aggregate import Aggregate
from gotong.domain.bounds import MAX_RUPIAH
from gotong.domain.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed

VersionStatus = Literal["submitted", "accepted", "returned", "superseded"]
__all__ = ["OPTIONAL", "REQUIRED", "RUPIAH", "UNITS", "ImpactReport", "ImpactReportAccepted", "Period",
           "ReportVersion", "events", "parse_period", "report_id_for", "validate_metrics"]

#: Enterprises may submit only for statuses where they operate under review.
REPORTING_STATUSES = frozenset({"verified", "active"})


@dataclass(frozen=True)
class Period:
    label: str
    kind: Literal["quarter", "year"]
    year: int
    quarter: int | None
    start: date
    end: date

    def previous(self) -> Period:
        if self.quarter is None:
            return parse_period(str(self.year - 1))
        return parse_period(f"{self.year}-Q{self.quarter - 1}" if self.quarter > 1 else f"{self.year - 1}-Q4")


def parse_period(raw: str, field: str = "period") -> Period:
    """'2026-Q3' (a quarter) or '2026' (a year)."""
    m = re.fullmatch(r"(\d{4})(?:-Q([1-4]))?", raw.strip())
    if m is None:
        raise ValidationFailed("period must be a quarter like 2026-Q3 or a year like 2026", field=field)
    year = int(m.group(1))
    if not 2000 <= year <= 2100:
        raise ValidationFailed("period year must be between 2000 and 2100", field=field)
    if m.group(2) is None:
        return Period(str(year), "year", year, None, date(year, 1, 1), date(year, 12, 31))
    q = int(m.group(2))
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return Period(f"{year}-Q{q}", "quarter", year, q, start, date.fromordinal(end.toordinal() - 1))


def report_id_for(enterprise_id: UUID, period: str) -> UUID:
    return uuid5(NAMESPACE, f"report:{enterprise_id}:{period}")


def validate_metrics(metrics: Mapping[str, Any], employees_by_group: Mapping[str, Any] | None = None,
                     currency: str = "IDR") -> tuple[dict[str, int], dict[str, int]]:
    """Every problem at once, each naming its field (`metrics.employees_vulnerable`); values never echoed."""
    errors: list[dict[str, str]] = []

    def bad(name: str, detail: str) -> None:
        errors.append({"field": name, "detail": detail})

    if currency != "IDR":
        bad("currency", "amounts are whole rupiah: currency must be IDR")
    clean: dict[str, int] = {}
    for key, value in metrics.items():
        if key not in METRIC_CODES:
            bad(f"metrics.{key}", "unknown metric; known: " + ", ".join(METRIC_CODES))
        elif isinstance(value, bool) or not isinstance(value, int):
            unit = "whole rupiah (no decimals, no text)" if key in RUPIAH else "a whole number"
            bad(f"metrics.{key}", f"must be {unit}")
        elif value < 0:
            bad(f"metrics.{key}", "must not be negative")
        elif value > MAX_RUPIAH:  # sums over enterprises and quarters must still fit a bigint
            bad(f"metrics.{key}", f"must be at most {MAX_RUPIAH:,}".replace(",", "."))
        else:
            clean[key] = value
    for key in REQUIRED:
        if key not in metrics:
            bad(f"metrics.{key}", f"required ({METRIC_CODES[key]})")
    if {"employees", "employees_vulnerable"} <= clean.keys() and clean["employees_vulnerable"] > clean["employees"]:
        bad("metrics.employees_vulnerable", "cannot exceed employees")
    for part in ("operating_expenses", "full_time_wages"):
        if {part, "total_expenses"} <= clean.keys() and clean[part] > clean["total_expenses"]:
            bad(f"metrics.{part}", "cannot exceed total_expenses")
    groups: dict[str, int] = {}
    for key, value in (employees_by_group or {}).items():
        name = f"employees_by_group.{key}"
        if key not in GROUPS:
            bad(name, "unknown group; known: " + ", ".join(GROUPS))
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RUPIAH:
            bad(name, "must be a whole number, not negative")
        elif "employees_vulnerable" in clean and value > clean["employees_vulnerable"]:
            bad(name, "cannot exceed employees_vulnerable (a person may count in several groups, each group "
                      "at most once)")
        else:
            groups[key] = value
    if errors:
        fields = ", ".join(e["field"] for e in errors[:5])
        raise ValidationFailed(f"the report is not valid: {fields}", errors=errors)
    return clean, groups


@dataclass
class ReportVersion:
    version: int
    metrics: dict[str, int]
    employees_by_group: dict[str, int]
    submitted_by: str
    submitted_at: str
    note: str | None = None
    status: VersionStatus = "submitted"
    reviewed_by: str | None = None
    reviewed_at: str | None = None
    return_reason: str | None = None
    derived: dict[str, Any] = field(default_factory=dict)


class ImpactReport(Aggregate):
    stream_type: ClassVar[str] = "impact_report"

    def initial_state(self) -> None:
        self.enterprise_id = ""
        self.period = ""
        self.versions: dict[int, ReportVersion] = {}

    @classmethod
    def start(cls, enterprise_id: UUID, period: Period) -> ImpactReport:
        report = cls(report_id_for(enterprise_id, period.label))
        report.initial_state()
        report.enterprise_id, report.period = str(enterprise_id), period.label
        return report

    @property
    def latest(self) -> ReportVersion | None:
        return self.versions[max(self.versions)] if self.versions else None

    @property
    def accepted(self) -> ReportVersion | None:
        """The latest accepted version: the figures count from it."""
        done = [v for v in self.versions.values() if v.status == "accepted"]
        return max(done, key=lambda v: v.version) if done else None

    def submit(self, period: Period, enterprise_status: str, metrics: dict[str, int], groups: dict[str, int],
               submitted_by: str, now: str, today: date, note: str | None = None) -> int:
        """A new version; the one awaiting review (if any) is superseded. Returns the version number."""
        if enterprise_status not in REPORTING_STATUSES:
            why = "it must be verified first" if enterprise_status == "registered" else "reinstate it first"
            raise InvalidTransition(f"a {enterprise_status} enterprise cannot submit impact reports: {why}",
                                    field="status", status_now=enterprise_status)
        if period.end >= today:
            raise ValidationFailed(f"period {period.label} has not ended yet (it ends {period.end.isoformat()})",
                                   field="period")
        version = (max(self.versions) if self.versions else 0) + 1
        self._record(ImpactReportSubmitted(enterprise_id=self.enterprise_id, period=period.label, version=version,
                                           metrics=metrics, employees_by_group=groups, note=note,
                                           submitted_by=submitted_by, occurred_at=now))
        return version

    def _reviewable(self, version: int, reviewer: str) -> ReportVersion:
        found = self.versions.get(version)
        if found is None:
            raise NotFound(f"version {version} of this report does not exist", field="version")
        if found.status != "submitted":
            hint = {"accepted": "it was accepted already", "returned": "it was returned; a new version may be "
                    "submitted", "superseded": "a newer version replaced it"}[found.status]
            raise InvalidTransition(f"version {version} is {found.status}, not awaiting review: {hint}",
                                    field="version", status_now=found.status)
        if found.submitted_by == reviewer:
            raise Forbidden("the officer who submitted a report cannot review it (four eyes)", field="reviewer")
        return found

    def derived_figures(self, version: int, previous_period: ImpactReport | None) -> dict[str, Any]:
        """What accepting `version` publishes as derived figures: from its metrics and the accepted ones of the
        previous period of the same kind (revenue growth); empty for a version that does not exist."""
        found = self.versions.get(version)
        if found is None:
            return {}
        before = previous_period.accepted if previous_period is not None else None
        return figures.as_json(figures.derive(found.metrics, before.metrics if before is not None else None))

    def accept(self, version: int, reviewer: str, derived: dict[str, Any], province_code: str, regency_code: str,
               now: str) -> None:
        found = self._reviewable(version, reviewer)
        previous = self.accepted
        self._record(ImpactReportAccepted(
            enterprise_id=self.enterprise_id, period=self.period, version=version,
            supersedes_version=previous.version if previous else None, metrics=found.metrics, derived=derived,
            province_code=province_code, regency_code=regency_code, reviewed_by=reviewer, occurred_at=now))

    def return_for_correction(self, version: int, reviewer: str, reason: str, now: str) -> None:
        self._reviewable(version, reviewer)
        if not reason.strip():
            raise ValidationFailed("say what needs correcting", field="reason")
        self._record(ImpactReportReturned(version=version, reason=reason.strip(), reviewed_by=reviewer,
                                          occurred_at=now))

    # -- state -------------------------------------------------------------------------------------------
    def apply_impact_report_submitted(self, e: ImpactReportSubmitted) -> None:
        self.enterprise_id, self.period = e.enterprise_id, e.period
        for v in self.versions.values():
            if v.status == "submitted":
                v.status = "superseded"
        self.versions[e.version] = ReportVersion(e.version, dict(e.metrics), dict(e.employees_by_group),
                                                 e.submitted_by, e.occurred_at, e.note)

    def apply_impact_report_accepted(self, e: ImpactReportAccepted) -> None:
        for v in self.versions.values():
            if v.status == "accepted":
                v.status = "superseded"
        v = self.versions[e.version]
        v.status, v.reviewed_by, v.reviewed_at, v.derived = "accepted", e.reviewed_by, e.occurred_at, dict(e.derived)

    def apply_impact_report_returned(self, e: ImpactReportReturned) -> None:
        v = self.versions[e.version]
        v.status, v.reviewed_by, v.reviewed_at, v.return_reason = "returned", e.reviewed_by, e.occurred_at, e.reason
