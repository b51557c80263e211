"""The service's own domain events. Internal: what is published is `gotong_contracts.partnership`, mapped from
these in `application/publishing.py`. The events a consumer hears of carry what it hears (event-carried state):
`occurred_at` on a partner's events, `published` on an agreement's status events, and a project's `ProjectChanged`
(its public state and Triple Helix assessment after any change). Events recorded before publishing moved here lack
them: those were published through the old `publication` streams, which the mapper still sends as stored."""

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


class DocumentRef(BaseModel):
    model_config = ConfigDict(frozen=True)
    sha256: str
    title: str


class PublishedParty(BaseModel):
    model_config = ConfigDict(frozen=True)
    partner_id: str
    strand: Strand
    role: str


class AgreementPublished(BaseModel):
    """An agreement's public state after a status change (what `AgreementStatusChanged` publishes)."""

    model_config = ConfigDict(frozen=True)
    kind: str
    title: str
    status: str
    previous_status: str | None = None
    parties: list[PublishedParty]
    starts_on: date
    ends_on: date
    effective_on: date
    document_sha256: list[str]
    occurred_at: str


class ProjectShare(BaseModel):
    model_config = ConfigDict(frozen=True)
    partner_id: str
    strand: Strand
    role: str
    committed_rupiah: int
    delivered_rupiah: int


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
    occurred_at: str | None = None


@registry.register
class PartnerDeactivated(DomainEvent):
    event_type: ClassVar[str] = "PartnerDeactivated"
    reason: str
    occurred_at: str | None = None


@registry.register
class PartnerReactivated(DomainEvent):
    event_type: ClassVar[str] = "PartnerReactivated"
    occurred_at: str | None = None


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
    documents: list[DocumentRef] = []
    published: AgreementPublished | None = None


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
    published: AgreementPublished | None = None


@registry.register
class AgreementActivated(DomainEvent):
    event_type: ClassVar[str] = "AgreementActivated"
    effective_on: date
    published: AgreementPublished | None = None


@registry.register
class AgreementEnded(DomainEvent):
    event_type: ClassVar[str] = "AgreementEnded"
    effective_on: date
    published: AgreementPublished | None = None


@registry.register
class AgreementTerminated(DomainEvent):
    event_type: ClassVar[str] = "AgreementTerminated"
    effective_on: date
    reason: str
    published: AgreementPublished | None = None


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


@registry.register
class ProjectChanged(DomainEvent):
    """The project's public state after a change (its own, or a partner's or agreement's it depends on, or
    time alone), with the Triple Helix judged as of `as_of`: what `ProjectChanged` publishes. `version` counts
    these per project."""

    event_type: ClassVar[str] = "ProjectChanged"
    project_id: str
    version: int
    change: str
    title: str
    status: str
    region_code: str
    province_code: str
    budget: int
    sdgs: list[int]
    agreement_ids: list[str]
    partners: list[ProjectShare]
    strands_present: list[Strand]
    helix_complete: bool
    helix_missing: list[Strand]
    committed_rupiah: int
    delivered_rupiah: int
    milestones_done: int
    milestones_due: int
    milestones_overdue: int
    as_of: date
    occurred_at: str
