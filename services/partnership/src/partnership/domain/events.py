"""The service's own domain events (internal: what is published is `gotong.contracts.partnership`)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from gotong.domain.events import DomainEvent, EventRegistry
from partnership.domain.values import ContributionKind, Strand

registry = EventRegistry()


class PartyTerm(BaseModel):
    model_config = ConfigDict(frozen=True)
    partner_id: str
    role: str


# -- partner ---------------------------------------------------------------------------------------------

@registry.register
class PartnerEnrolled(DomainEvent):
    event_type: ClassVar[str] = "PartnerEnrolled"
    name: str
    strand: Strand
    kind: str
    region_code: str
    nib: str | None = None
    website: str | None = None


@registry.register
class PartnerDeactivated(DomainEvent):
    event_type: ClassVar[str] = "PartnerDeactivated"
    reason: str


@registry.register
class PartnerReactivated(DomainEvent):
    event_type: ClassVar[str] = "PartnerReactivated"


# -- agreement -------------------------------------------------------------------------------------------

@registry.register
class AgreementDrafted(DomainEvent):
    event_type: ClassVar[str] = "AgreementDrafted"
    kind: str
    title: str
    purpose: str
    starts_on: date
    ends_on: date
    parties: list[PartyTerm]
    parent_agreement_id: str | None = None


@registry.register
class PartyAdded(DomainEvent):
    event_type: ClassVar[str] = "PartyAdded"
    partner_id: str
    role: str


@registry.register
class PartyRemoved(DomainEvent):
    event_type: ClassVar[str] = "PartyRemoved"
    partner_id: str


@registry.register
class TermChanged(DomainEvent):
    event_type: ClassVar[str] = "TermChanged"
    starts_on: date
    ends_on: date


@registry.register
class DocumentAttached(DomainEvent):
    event_type: ClassVar[str] = "DocumentAttached"
    sha256: str
    title: str


@registry.register
class AgreementSigned(DomainEvent):
    event_type: ClassVar[str] = "AgreementSigned"
    signed_on: date
    signed_by: list[str]


@registry.register
class AgreementActivated(DomainEvent):
    event_type: ClassVar[str] = "AgreementActivated"
    effective_on: date


@registry.register
class AgreementEnded(DomainEvent):
    event_type: ClassVar[str] = "AgreementEnded"
    effective_on: date


@registry.register
class AgreementTerminated(DomainEvent):
    event_type: ClassVar[str] = "AgreementTerminated"
    effective_on: date
    reason: str


# -- project ---------------------------------------------------------------------------------------------

@registry.register
class ProjectStarted(DomainEvent):
    event_type: ClassVar[str] = "ProjectStarted"
    title: str
    goals: list[str]
    region_code: str
    budget: int
    sdgs: list[int]
    starts_on: date
    ends_on: date | None = None
    partners: list[PartyTerm]
    agreement_ids: list[str]


@registry.register
class PartnerJoined(DomainEvent):
    event_type: ClassVar[str] = "PartnerJoined"
    partner_id: str
    role: str


@registry.register
class AgreementLinked(DomainEvent):
    event_type: ClassVar[str] = "AgreementLinked"
    agreement_id: str


@registry.register
class ContributionCommitted(DomainEvent):
    event_type: ClassVar[str] = "ContributionCommitted"
    contribution_id: str
    partner_id: str
    kind: ContributionKind
    description: str
    value_rupiah: int
    quantity: float | None = None
    unit: str | None = None


@registry.register
class ContributionDelivered(DomainEvent):
    event_type: ClassVar[str] = "ContributionDelivered"
    contribution_id: str
    value_rupiah: int
    quantity: float | None = None
    delivered_on: date
    evidence_sha256: str | None = None


@registry.register
class MilestonePlanned(DomainEvent):
    event_type: ClassVar[str] = "MilestonePlanned"
    milestone_id: str
    title: str
    due_on: date


@registry.register
class MilestoneRescheduled(DomainEvent):
    event_type: ClassVar[str] = "MilestoneRescheduled"
    milestone_id: str
    due_on: date
    reason: str


@registry.register
class MilestoneCompleted(DomainEvent):
    event_type: ClassVar[str] = "MilestoneCompleted"
    milestone_id: str
    done_on: date
    evidence_sha256: str | None = None
    evidence_url: str | None = None


@registry.register
class MilestoneBecameOverdue(DomainEvent):
    event_type: ClassVar[str] = "MilestoneBecameOverdue"
    milestone_id: str
    as_of: date


@registry.register
class KpiDefined(DomainEvent):
    event_type: ClassVar[str] = "KpiDefined"
    code: str
    name: str
    unit: str
    baseline: float
    target: float


@registry.register
class KpiMeasured(DomainEvent):
    event_type: ClassVar[str] = "KpiMeasured"
    code: str
    value: float
    measured_on: date
    evidence_sha256: str | None = None


@registry.register
class OutcomeRecorded(DomainEvent):
    event_type: ClassVar[str] = "OutcomeRecorded"
    outcome_id: str
    statement: str
    recorded_on: date


@registry.register
class ProjectCompleted(DomainEvent):
    event_type: ClassVar[str] = "ProjectCompleted"
    completed_on: date
    summary: str


@registry.register
class ProjectCancelled(DomainEvent):
    event_type: ClassVar[str] = "ProjectCancelled"
    cancelled_on: date
    reason: str
