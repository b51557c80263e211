"""The grievance service's domain events (internal: what is published is `gotong_contracts.grievance`, mapped in
`application/publishing.py`, without the sealed fields or the tracking number)."""

from __future__ import annotations

from typing import ClassVar

from gotong.domain.events import DomainEvent, EventRegistry
from grievance.domain.catalogue import Channel, FollowUpAction, FollowUpResult, Kind, Outcome

events = EventRegistry()


@events.register
class CaseReceived(DomainEvent):
    """`sealed_details` and `sealed_reporter` are ciphertext under the case's own key (names, NIKs, free text,
    the reporter's identity); `subject_ref` is a pseudonymous reference (household, payment), never a NIK."""

    event_type: ClassVar[str] = "CaseReceived"
    kind: Kind
    category: str
    channel: Channel
    region_code: str
    tracking_number: str
    subject_ref: str | None = None
    anonymous: bool
    sealed_details: str
    sealed_reporter: str | None = None
    submitted_by: str
    occurred_at: str
    due_at: str


@events.register
class CaseTriaged(DomainEvent):
    event_type: ClassVar[str] = "CaseTriaged"
    officer: str
    triaged_by: str
    occurred_at: str


@events.register
class InvestigationStarted(DomainEvent):
    event_type: ClassVar[str] = "InvestigationStarted"
    field_verification: bool
    requested_by: str
    occurred_at: str


@events.register
class EvidenceAttached(DomainEvent):
    """Evidence lives elsewhere; the case keeps its SHA-256 so nobody can swap it unnoticed."""

    event_type: ClassVar[str] = "EvidenceAttached"
    sha256: str
    media_type: str
    attached_by: str
    occurred_at: str


@events.register
class DecisionProposed(DomainEvent):
    event_type: ClassVar[str] = "DecisionProposed"
    outcome: Outcome
    reason_code: str
    proposed_by: str
    occurred_at: str


@events.register
class CaseDecided(DomainEvent):
    event_type: ClassVar[str] = "CaseDecided"
    outcome: Outcome
    reason_code: str
    proposed_by: str
    decided_by: str
    appeal: bool
    follow_up: FollowUpAction | None = None
    occurred_at: str


@events.register
class FollowUpRecorded(DomainEvent):
    """What the owning service answered when the case asked it to act (status and problem code, no body)."""

    event_type: ClassVar[str] = "FollowUpRecorded"
    action: FollowUpAction
    result: FollowUpResult
    status_code: int | None = None
    detail: str
    occurred_at: str


@events.register
class CaseClosed(DomainEvent):
    event_type: ClassVar[str] = "CaseClosed"
    closed_by: str
    occurred_at: str


@events.register
class CaseAppealed(DomainEvent):
    event_type: ClassVar[str] = "CaseAppealed"
    appealed_by: str
    occurred_at: str
    due_at: str


@events.register
class SlaWarningRaised(DomainEvent):
    event_type: ClassVar[str] = "SlaWarningRaised"
    due_at: str
    occurred_at: str


@events.register
class SlaBreached(DomainEvent):
    event_type: ClassVar[str] = "SlaBreached"
    due_at: str
    occurred_at: str


@events.register
class PersonalDataErased(DomainEvent):
    """The case's key was destroyed: its sealed fields can no longer be read anywhere (crypto-shredding)."""

    event_type: ClassVar[str] = "PersonalDataErased"
    erased_by: str
    occurred_at: str
