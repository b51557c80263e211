"""What the API and the CLI accept for each command: pydantic models that check types, sizes and formats
(the aggregates check the rules). Imperative names; money is a strict int of rupiah."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from gotong.domain.bounds import Int64, Rupiah
from partnership.domain.values import ContributionKind, Strand

Number = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
Text200 = Annotated[str, Field(min_length=2, max_length=200)]
Reason = Annotated[str, Field(min_length=3, max_length=1000)]
Sha256 = Annotated[str, Field(min_length=64, max_length=64, description="SHA-256 of the document, hex")]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactPerson(Command):
    """A partner's contact person: personal data, kept only in an erasable table, never published."""

    name: Text200
    position: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, max_length=30, pattern=r"^\+?[0-9 ()-]{6,30}$")


class RegisterPartner(Command):
    name: Text200 = Field(description="the organisation, e.g. Pemerintah Kota Surabaya")
    strand: Strand
    kind: str = Field(description="per strand, e.g. pemkot, university, company, ngo (see GET /v1/partner-kinds)")
    region_code: str = Field(description="Kepmendagri 2025 code of its seat, e.g. 35.78")
    nib: str | None = Field(default=None, pattern=r"^\d{13}$", description="NIB (OSS business number), 13 digits")
    website: str | None = Field(default=None, max_length=300, pattern=r"^https?://\S+$")
    contact: ContactPerson | None = None


class DeactivatePartner(Command):
    reason: Reason


class PartyIn(Command):
    partner_id: UUID
    role: str = Field(min_length=2, max_length=100, description="e.g. regulator, researcher, implementer, funder")


class DocumentIn(Command):
    sha256: Sha256
    title: Text200


class DraftAgreement(Command):
    kind: Literal["mou", "pks"] = Field(description="mou = nota kesepahaman, pks = perjanjian kerja sama")
    title: Text200
    purpose: str = Field(min_length=2, max_length=2000)
    starts_on: date
    ends_on: date
    parties: list[PartyIn] = Field(default_factory=list, max_length=20)
    documents: list[DocumentIn] = Field(default_factory=list, max_length=20)
    parent_agreement_id: UUID | None = Field(default=None, description="the MoU a PKS implements")


class ChangeTerm(Command):
    starts_on: date
    ends_on: date


class SignAgreement(Command):
    signed_by: list[UUID] = Field(min_length=1, max_length=20, description="every party's partner id")
    signed_on: date | None = Field(default=None, description="default: today (WIB)")


class Effective(Command):
    effective_on: date | None = Field(default=None, description="default: today (WIB)")


class TerminateAgreement(Effective):
    reason: Reason


class StartProject(Command):
    title: Text200
    goals: list[Annotated[str, Field(min_length=2, max_length=500)]] = Field(min_length=1, max_length=20)
    region_code: str
    budget: Rupiah
    sdgs: list[Int64] = Field(default_factory=list, max_length=17)
    starts_on: date
    ends_on: date | None = None
    partners: list[PartyIn] = Field(default_factory=list, max_length=50)
    agreement_ids: list[UUID] = Field(default_factory=list, max_length=20)


class LinkAgreement(Command):
    agreement_id: UUID


class CommitContribution(Command):
    partner_id: UUID
    kind: ContributionKind
    description: str = Field(min_length=2, max_length=500)
    value_rupiah: Rupiah = Field(default=0, description="money, or the estimated value of in-kind help")
    quantity: Number | None = Field(default=None, description="e.g. 120 for 120 person-days")
    unit: str | None = Field(default=None, min_length=1, max_length=50, description="e.g. person-days, tonnes")


class DeliverContribution(Command):
    value_rupiah: Rupiah = 0
    quantity: Number | None = None
    delivered_on: date | None = None
    evidence_sha256: Sha256 | None = None


class PlanMilestone(Command):
    title: Text200
    due_on: date


class RescheduleMilestone(Command):
    due_on: date
    reason: Reason


class Evidence(Command):
    sha256: Sha256 | None = None
    url: str | None = Field(default=None, max_length=2000)


class CompleteMilestone(Command):
    done_on: date | None = None
    evidence: Evidence


class DefineKpi(Command):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{1,39}$", description="e.g. waste_processed_tonnes")
    name: Text200
    unit: str = Field(min_length=1, max_length=50)
    baseline: Number = 0.0
    target: Number


class MeasureKpi(Command):
    value: Number
    measured_on: date | None = None
    evidence_sha256: Sha256 | None = None


class RecordOutcome(Command):
    statement: str = Field(min_length=5, max_length=2000)
    recorded_on: date | None = None


class CompleteProject(Command):
    summary: str = Field(min_length=5, max_length=2000)
    completed_on: date | None = None


class CancelProject(Command):
    reason: Reason
    cancelled_on: date | None = None
