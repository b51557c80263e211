"""What the partnership service publishes on `partnership.events`: Triple Helix partners, agreements and joint
projects. Organisations are public; their contact persons are personal data and never appear here."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from gotong_contracts.base import IntegrationEvent

#: Government as rule-maker, campus as knowledge and research, industry as resources and field of
#: implementation; civil society/community is the optional fourth strand (quadruple helix).
HelixStrand = Literal["government", "campus", "industry", "community"]
AgreementKind = Literal["mou", "pks"]
AgreementStatus = Literal["draft", "signed", "active", "ended", "terminated"]
ProjectStatus = Literal["running", "completed", "cancelled"]


class PartnerRegistered(IntegrationEvent):
    """An organisation joined as a partner in one helix strand."""

    event_type: ClassVar[str] = "PartnerRegistered"
    partner_id: str
    name: str = Field(description="the organisation's name, e.g. Pemerintah Kota Surabaya")
    strand: HelixStrand
    kind: str = Field(description="e.g. pemda_kota, university, company, ngo")
    region_code: str = Field(description="Kepmendagri 2025 code of its seat, e.g. 35.78")
    province_code: str
    occurred_at: str


class PartnerStatusChanged(IntegrationEvent):
    """A partner was deactivated (it no longer counts for any project's helix) or reactivated."""

    event_type: ClassVar[str] = "PartnerStatusChanged"
    partner_id: str
    status: Literal["active", "inactive"]
    occurred_at: str


class AgreementParty(BaseModel):
    partner_id: str
    strand: HelixStrand
    role: str = Field(description="the party's role in the agreement, e.g. regulator, researcher, implementer")


class AgreementStatusChanged(IntegrationEvent):
    """An agreement (MoU = nota kesepahaman, PKS = perjanjian kerja sama) was drafted, signed by all its
    parties, became active, ended at the end of its term, or was terminated early."""

    event_type: ClassVar[str] = "AgreementStatusChanged"
    agreement_id: str
    kind: AgreementKind
    title: str
    status: AgreementStatus
    previous_status: AgreementStatus | None = None
    parties: list[AgreementParty]
    starts_on: date
    ends_on: date
    effective_on: date = Field(description="the date the new status took effect (WIB calendar)")
    document_sha256: list[str] = Field(description="SHA-256 (hex) of the agreement's documents")
    occurred_at: str


class ProjectPartner(BaseModel):
    partner_id: str
    strand: HelixStrand
    role: str
    committed_rupiah: int = Field(description="value of everything committed (money and in-kind valued), rupiah")
    delivered_rupiah: int


class ProjectChanged(IntegrationEvent):
    """Event-carried state of a joint project after any change (its own, or an agreement or partner it
    depends on). Consumers keep the highest `version` per `project_id`."""

    event_type: ClassVar[str] = "ProjectChanged"
    project_id: str
    version: int = Field(description="increases with every ProjectChanged of this project")
    change: str = Field(description="what happened, e.g. created, contribution_delivered, milestone_overdue")
    title: str
    status: ProjectStatus
    region_code: str
    province_code: str
    budget: int = Field(description="rupiah")
    sdgs: list[int]
    agreement_ids: list[str]
    partners: list[ProjectPartner]
    strands_present: list[HelixStrand] = Field(
        description="strands with at least one active partner under a signed or active agreement of the project")
    helix_complete: bool = Field(description="government, campus and industry are all present")
    helix_missing: list[HelixStrand]
    committed_rupiah: int
    delivered_rupiah: int
    milestones_done: int
    milestones_due: int = Field(description="open milestones not yet past their due date")
    milestones_overdue: int
    as_of: date = Field(description="the date (WIB) completeness and overdue milestones were judged on")
    occurred_at: str


EVENTS: dict[str, type[IntegrationEvent]] = {
    c.event_type: c for c in (PartnerRegistered, PartnerStatusChanged, AgreementStatusChanged, ProjectChanged)
}
