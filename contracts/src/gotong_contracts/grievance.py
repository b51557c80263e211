"""What the grievance service publishes on `grievance.events`: cases by id, kind, category and region, their
status, decisions by reason code, SLA warnings and breaches, and what the owning service answered. Never a name,
NIK, free text, the reporter (an anonymous objector especially), the tracking number (it lets its holder read
the case's status) or which household or payment a case is about."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from gotong_contracts.base import IntegrationEvent

Kind = Literal["usul", "sanggah", "payment_complaint", "data_correction"]
Status = Literal["received", "triaged", "investigating", "decided", "closed"]


class CaseReceived(IntegrationEvent):
    """A case was received, publicly or from an officer."""

    event_type: ClassVar[str] = "CaseReceived"
    case_id: str
    kind: Kind
    category: str = Field(description="e.g. inclusion, desil, not_received, wrong_amount, member_died")
    channel: Literal["public", "officer"]
    region_code: str = Field(description="Kepmendagri 2025 code")
    due_at: str = Field(description="when a decision is due (UTC)")
    occurred_at: str


class CaseStatusChanged(IntegrationEvent):
    """The case moved on: triaged, investigating, decided, closed, or investigating again after an appeal."""

    event_type: ClassVar[str] = "CaseStatusChanged"
    case_id: str
    status: Status
    appeal: bool = False
    occurred_at: str


class CaseDecided(IntegrationEvent):
    """Upheld or rejected, by reason code (the plain-language text is in the service's catalogue)."""

    event_type: ClassVar[str] = "CaseDecided"
    case_id: str
    outcome: Literal["upheld", "rejected"]
    reason_code: str
    appeal: bool
    follow_up: str | None = Field(default=None, description="what the owning service is asked to do")
    occurred_at: str


class SlaWarning(IntegrationEvent):
    """A case's decision is due soon (see the service's README for each kind's SLA)."""

    event_type: ClassVar[str] = "SlaWarning"
    case_id: str
    due_at: str
    occurred_at: str


class SlaBreached(IntegrationEvent):
    """A case passed its deadline without a decision."""

    event_type: ClassVar[str] = "SlaBreached"
    case_id: str
    due_at: str
    occurred_at: str


class FollowUpRecorded(IntegrationEvent):
    """What the owning service answered when an upheld case asked it to act."""

    event_type: ClassVar[str] = "FollowUpRecorded"
    case_id: str
    action: str
    result: Literal["done", "refused", "unsupported"]
    status_code: int | None = None
    occurred_at: str


EVENTS: dict[str, type[IntegrationEvent]] = {
    c.event_type: c for c in (CaseReceived, CaseStatusChanged, CaseDecided, SlaWarning, SlaBreached,
                              FollowUpRecorded)
}
