"""What the registry's ops API answers: typed models for the OpenAPI document and generated clients.

Personal data appears only in `PersonalData` (behind `registry:read-personal`); every other view names people by
their pseudonymous member reference.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gotong.api.answers import Answer, Link, Listing


class HouseholdSummary(Answer):
    """A household after a command: its version, verification state and why, members by reference."""

    household_ref: str = Field(examples=["0192f0c4-6a36-7c3e-9d3a-3c1f0b6e2a10"])
    version: int
    verification: str = Field(examples=["verified", "flagged"])
    reasons: list[dict[str, Any]] = []
    village_code: str | None = Field(default=None, examples=["32.04.12.2001"])
    desil: int | None = Field(default=None, ge=1, le=10)
    members: list[dict[str, Any]] = []


class MemberAdded(HouseholdSummary):
    member_ref: str


class HouseholdSplit(HouseholdSummary):
    new_household: HouseholdSummary


class HouseholdErased(Answer):
    household_ref: str
    erased: bool
    version: int


class HouseholdView(Answer):
    """A household without personal data: region, verification, members by reference, attributes, desil."""

    household_ref: str
    version: int
    village_code: str | None = None
    district_code: str | None = None
    regency_code: str | None = None
    province_code: str | None = None
    verification: str
    status: str = Field(examples=["active", "ceased"])
    members: list[dict[str, Any]] | dict[str, Any] | None = None
    attributes: dict[str, Any] | None = None
    desil: int | None = Field(default=None, ge=1, le=10)
    desil_province: int | None = None
    rule_version: str | None = None
    score: float | None = None


class HistoryEntry(Answer):
    """One event of the household's stream; personal fields read `sealed`."""

    version: int
    type: str
    at: str
    actor: str | None = None
    data: dict[str, Any]


class DesilOn(Answer):
    household_ref: str
    on: str
    snapshot: str
    rule_version: str
    effective_from: str
    desil: int = Field(ge=1, le=10)
    desil_province: int | None = None
    score: float | None = None


class PersonalNote(Answer):
    version: int
    type: str
    at: str
    actor: str | None = None
    text: str


class PersonalData(Answer):
    """Decrypted personal data (NIK, names, address); every read is recorded in the access log."""

    household_ref: str
    notes: list[PersonalNote] = []


class Review(Answer):
    id: int
    household_ref: str
    reasons: list[Any] | None = None
    status: str = Field(examples=["open", "proposed", "decided"])
    proposed_by: str | None = None
    proposal: str | None = None
    decided_by: str | None = None
    opened_at: str
    household_verification: str | None = None
    village_code: str | None = Field(default=None, examples=["35.78.01.1001"],
                                     description="the household's village (Kepmendagri), what `region` filters")
    next: list[Link] = []


class ReviewListing(Listing[Review]):
    """A page of the review queue. By status and reason the total is exact (kept as reviews change); filtered
    by region or age it is counted up to 10,000 (or just past this page) and `total_relation` says `gte`."""

    total_relation: Literal["eq", "gte"] = Field(
        default="eq", description="`eq`: there are `total` reviews; `gte`: there are at least `total`")


class ReviewAnswer(Answer):
    """A review after a proposal or an approval; `household` once it is decided."""

    id: int
    status: str
    proposal: str | None = None
    proposed_by: str | None = None
    decision: str | None = None
    household: HouseholdSummary | None = None
    next: list[Link] = []


class ReviewReopened(Answer):
    review: dict[str, Any]
    household: HouseholdSummary
    next: list[Link] = []


class RankingRunView(Answer):
    """A welfare ranking run: proposed by one officer, approved or rejected by another."""

    run_id: str
    status: str = Field(examples=["proposed", "approved", "rejected"])
    on: str | None = None
    snapshot: str | None = None
    rule_version: str | None = None
    proposed_by: str | None = None
    proposed_at: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = None
    households: int | None = None
    changed: int | None = None
    approved_by: str | None = None
    rejected_by: str | None = None
    next: list[Link] = []


class PersonalRead(Answer):
    at: str
    actor: str
    client_id: str | None = None
    household_ref: str
    purpose: str
    channel: str

