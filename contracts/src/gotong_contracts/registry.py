"""What the registry (DTSEN) publishes on `registry.events`. Never names, NIK, KK, addresses or accounts:
households and people appear only by pseudonymous references that mean nothing outside Gotong."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from gotong_contracts.base import IntegrationEvent

AgeBand = Literal["0-6", "7-12", "13-15", "16-18", "19-59", "60+"]
VerificationStatus = Literal["pending", "verified", "flagged", "rejected", "under_review"]


class MemberFacts(BaseModel):
    """One member as programs see them (PKH components, BPNT composition)."""

    member_ref: str = Field(description="pseudonymous person reference")
    age_band: AgeBand
    birth_month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM, to compute age at a cut-off")
    school_level: Literal["none", "paud", "sd", "smp", "sma", "higher"] = "none"
    pregnant: bool = False
    severe_disability: bool = False
    alive: bool = True
    died_on: date | None = None
    left_on: date | None = None


class HouseholdChanged(IntegrationEvent):
    """Event-carried state: the household's whole non-personal state after any change (registered, member
    added/removed/moved, birth, death, correction, attributes updated, verified, flagged). Consumers keep the
    newest by `household_version`."""

    event_type: ClassVar[str] = "HouseholdChanged"
    schema_version: ClassVar[int] = 1

    household_ref: str
    household_version: int
    change: str = Field(description="what happened, e.g. registered, member_added, member_died")
    village_code: str = Field(description="Kepmendagri 2025 village code, e.g. 32.73.01.1001")
    district_code: str
    regency_code: str
    province_code: str
    verification: VerificationStatus
    members: list[MemberFacts]
    desil: int | None = Field(default=None, ge=1, le=10)
    desil_rule_version: str | None = None
    occurred_at: str


class HouseholdRanked(IntegrationEvent):
    """A ranking run changed the household's desil (national and provincial)."""

    event_type: ClassVar[str] = "HouseholdRanked"
    schema_version: ClassVar[int] = 1

    household_ref: str
    desil: int = Field(ge=1, le=10)
    desil_province: int = Field(ge=1, le=10)
    previous_desil: int | None = None
    rule_version: str
    snapshot: str = Field(description="ranking snapshot id, e.g. 2026-Q4")
    province_code: str
    regency_code: str
    occurred_at: str


class HouseholdErased(IntegrationEvent):
    """Personal data was crypto-shredded on request (UU PDP); programs must stop using this household."""

    event_type: ClassVar[str] = "HouseholdErased"
    schema_version: ClassVar[int] = 1

    household_ref: str
    occurred_at: str


class HouseholdsMerged(IntegrationEvent):
    event_type: ClassVar[str] = "HouseholdsMerged"
    schema_version: ClassVar[int] = 1

    surviving_ref: str
    merged_refs: list[str]
    occurred_at: str


EVENTS: dict[str, type[IntegrationEvent]] = {
    c.event_type: c for c in (HouseholdChanged, HouseholdRanked, HouseholdErased, HouseholdsMerged)
}
