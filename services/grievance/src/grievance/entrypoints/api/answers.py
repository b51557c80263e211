"""What the grievance API answers (response models: the contract in the OpenAPI document; more fields may follow)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gotong.api.answers import Answer


class Submitted(Answer):
    """A new case: the tracking number a citizen checks it by, and when a decision is due."""

    tracking_number: str = Field(examples=["GRV-7K3M-Q9XD-2B4T"])
    status: str = Field(examples=["received"])
    due_at: str = Field(description="ISO 8601: when a decision is due (the kind's SLA)")


class OfficerSubmitted(Submitted):
    id: str = Field(description="the case id")


class FollowUpOutcome(Answer):
    """What the owning service answered an upheld case's follow-up, in plain words."""

    result: str = Field(examples=["done", "refused"])
    text_id: str
    text_en: str


class OfficersFollowUpOutcome(FollowUpOutcome):
    action: str = Field(examples=["disbursement_exception"], description="what the owning service was asked")


class CaseView(Answer):
    """A case as officers see it: codes and references, never personal data."""

    id: str
    tracking_number: str
    kind: str = Field(examples=["sanggah"])
    category: str | None = None
    status: str = Field(examples=["investigating"])
    region_code: str = Field(examples=["32.73.01.1001"])
    anonymous: bool
    appealed: bool
    follow_up_outcome: OfficersFollowUpOutcome | None = None
    version: int


class CaseList(Answer):
    items: list[CaseView]
    limit: int
    offset: int


class SealedDetails(Answer):
    """The sealed details, decrypted for the officer handling the case (an anonymous reporter is never kept)."""

    details: dict[str, Any]
    reporter: dict[str, Any] | None = None
    anonymous: bool


class Outcome(Answer):
    result: str = Field(examples=["upheld"])
    text_id: str
    text_en: str


class PublicStatus(Answer):
    """What anyone with the tracking number may know: the status and the outcome in plain words."""

    tracking_number: str
    kind: str
    status: str
    status_text_id: str
    status_text_en: str
    outcome: Outcome | None = None
    follow_up: FollowUpOutcome | None = Field(default=None, description="what the decision set in motion, once "
                                              "the owning service answered")
    appealed: bool
    received_on: str | None = None
    decision_due_on: str | None = None


class Appealed(Answer):
    tracking_number: str
    status: str
    due_at: str
