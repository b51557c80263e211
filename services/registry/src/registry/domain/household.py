"""The household aggregate: every change to a Kartu Keluarga is an event on its stream.

Events hold non-personal facts in the clear and personal data only sealed (`pii`, AES-GCM under the
household's own key). The last event of every command carries `state`, the household's whole non-personal
state after it, which is what `registry.events` publishes (event-carried state).
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import Field

from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from gotong.domain.events import DomainEvent, EventRegistry
from registry.domain.identity import check_kk, check_nik, check_village, region_parts
from registry.domain.model import Attributes, HouseholdIn, MemberFact, age_band, age_on

events = EventRegistry()
#: pending → verified | flagged (a review opens) → verified | rejected (two officers decided). A rejected household
#: is not paid; it leaves that state by a new review (reopened, or opened by any later change: checks alone never
#: verify what a review rejected). `under_review` is what earlier releases called `rejected`.
Verification = Literal["pending", "verified", "flagged", "rejected", "under_review"]
REJECTED = ("rejected", "under_review")


class HouseholdEvent(DomainEvent):
    state: dict[str, Any] | None = None


@events.register
class HouseholdRegistered(HouseholdEvent):
    event_type: ClassVar[str] = "HouseholdRegistered"
    village_code: str
    members: list[MemberFact]
    attributes: Attributes
    pii: str = Field(description="sealed: kk, address, phone, bank account, members' NIK/name/birth date")
    source: str = "ops"


@events.register
class MemberAdded(HouseholdEvent):
    event_type: ClassVar[str] = "MemberAdded"
    member: MemberFact
    reason: Literal["birth", "moved_in", "added"]
    pii: str


@events.register
class MemberLeft(HouseholdEvent):
    event_type: ClassVar[str] = "MemberLeft"
    member_ref: str
    on: date
    reason: Literal["moved_out", "removed", "split"]
    to_household: str | None = None


@events.register
class MemberDied(HouseholdEvent):
    event_type: ClassVar[str] = "MemberDied"
    member_ref: str
    died_on: date
    source: Literal["ops", "civil_registry"]


@events.register
class HouseholdCorrected(HouseholdEvent):
    event_type: ClassVar[str] = "HouseholdCorrected"
    village_code: str
    members: list[MemberFact]
    pii: str
    reason: str


@events.register
class AttributesUpdated(HouseholdEvent):
    event_type: ClassVar[str] = "AttributesUpdated"
    attributes: Attributes


@events.register
class HouseholdVerified(HouseholdEvent):
    event_type: ClassVar[str] = "HouseholdVerified"
    checks: list[str]
    by: str = "automatic"


@events.register
class HouseholdFlagged(HouseholdEvent):
    event_type: ClassVar[str] = "HouseholdFlagged"
    reasons: list[dict[str, str]]


@events.register
class ReviewDecided(HouseholdEvent):
    event_type: ClassVar[str] = "ReviewDecided"
    decision: Literal["verified", "rejected"]
    proposed_by: str
    approved_by: str
    note: str


@events.register
class HouseholdRanked(HouseholdEvent):
    event_type: ClassVar[str] = "HouseholdRanked"
    desil: int
    desil_province: int
    previous_desil: int | None
    score: float
    rule_version: str
    snapshot: str


@events.register
class HouseholdsMerged(HouseholdEvent):
    event_type: ClassVar[str] = "HouseholdsMerged"
    absorbed: str
    members: list[MemberFact]
    pii: str


@events.register
class HouseholdMergedAway(HouseholdEvent):
    event_type: ClassVar[str] = "HouseholdMergedAway"
    into: str


@events.register
class HouseholdErased(HouseholdEvent):
    event_type: ClassVar[str] = "HouseholdErased"
    basis: str


def validate_household(data: HouseholdIn, *, prefix: str = "") -> None:
    """Rules pydantic cannot express; every error names its field (e.g. `members.2.nik`)."""
    check_kk(data.kk, field=f"{prefix}kk")
    check_village(data.village_code, field=f"{prefix}village_code")
    heads = [m for m in data.members if m.relation == "kepala"]
    if len(heads) != 1:
        raise ValidationFailed("a household has exactly one member with relation 'kepala'", field=f"{prefix}members")
    seen: set[str] = set()
    today = date.today()
    for i, m in enumerate(data.members):
        check_nik(m.nik, birth_date=m.birth_date, sex=m.sex, field=f"{prefix}members.{i}.nik")
        if m.nik in seen:
            raise ValidationFailed("the same NIK appears twice in this household", field=f"{prefix}members.{i}.nik")
        seen.add(m.nik)
        if m.pregnant and m.sex != "F":
            raise ValidationFailed("only a woman can be recorded as pregnant", field=f"{prefix}members.{i}.pregnant")
        if m.birth_date > today:
            raise ValidationFailed("birth date is in the future", field=f"{prefix}members.{i}.birth_date")


class Household(Aggregate):
    stream_type: ClassVar[str] = "household"

    def initial_state(self) -> None:
        self.village_code = ""
        self.members: dict[str, MemberFact] = {}
        self.attributes = Attributes()
        self.verification: Verification = "pending"
        self.desil: int | None = None
        self.desil_province: int | None = None
        self.rule_version: str | None = None
        self.erased = False
        self.merged_into: str | None = None
        self.pii = ""

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.initial_state()

    # --- decisions -------------------------------------------------------------------------------------
    def _live(self) -> None:
        if self.erased:
            raise InvalidTransition("this household's personal data was erased; it cannot change any more")
        if self.merged_into:
            raise InvalidTransition(f"this household was merged into {self.merged_into}; change that one instead")

    def member(self, member_ref: str) -> MemberFact:
        found = self.members.get(member_ref)
        if found is None:
            raise NotFound(f"member {member_ref} is not in this household", field="member_ref")
        return found

    @classmethod
    def register(cls, id: UUID, village_code: str, members: list[MemberFact], attributes: Attributes, pii: str,
                 source: str = "ops") -> Household:
        household = cls(id)
        household._record(HouseholdRegistered(village_code=village_code, members=members, attributes=attributes,
                                              pii=pii, source=source))
        return household

    def add_member(self, member: MemberFact, reason: Literal["birth", "moved_in", "added"], pii: str) -> None:
        self._live()
        self._record(MemberAdded(member=member, reason=reason, pii=pii))

    def member_left(self, member_ref: str, on: date, reason: Literal["moved_out", "removed", "split"],
                    to_household: str | None = None) -> None:
        self._live()
        m = self.member(member_ref)
        if m.left_on is not None:
            raise InvalidTransition("this member already left the household")
        if on > date.today():
            raise ValidationFailed("the date of leaving is in the future", field="on")
        if m.relation == "kepala" and sum(1 for x in self.members.values() if x.left_on is None and x.alive) > 1:
            raise InvalidTransition("the head cannot leave while others remain; correct the head first",
                                    field="member_ref")
        self._record(MemberLeft(member_ref=member_ref, on=on, reason=reason, to_household=to_household))

    def member_died(self, member_ref: str, died_on: date, source: Literal["ops", "civil_registry"]) -> bool:
        """Record a death; False (and nothing recorded) when it is already known."""
        self._live()
        m = self.member(member_ref)
        if not m.alive:
            return False
        if died_on > date.today():
            raise ValidationFailed("date of death is in the future", field="died_on")
        self._record(MemberDied(member_ref=member_ref, died_on=died_on, source=source))
        return True

    def correct(self, village_code: str, members: list[MemberFact], pii: str, reason: str) -> None:
        self._live()
        self._record(HouseholdCorrected(village_code=village_code, members=members, pii=pii, reason=reason))

    def update_attributes(self, attributes: Attributes) -> None:
        self._live()
        if attributes == self.attributes:
            return
        self._record(AttributesUpdated(attributes=attributes))

    def verified(self, checks: list[str]) -> None:
        self._live()
        if self.verification in REJECTED:  # a review decides, not a later automatic pass: a new review opens
            self._record(HouseholdFlagged(reasons=[{"code": "changed_after_rejection",
                                                    "detail": "changed since a review rejected it"}]))
            return
        self._record(HouseholdVerified(checks=checks))

    def flagged(self, reasons: list[dict[str, str]]) -> None:
        self._live()
        self._record(HouseholdFlagged(reasons=reasons))

    def decide_review(self, decision: Literal["verified", "rejected"], proposed_by: str, approved_by: str,
                      note: str) -> None:
        self._live()
        if self.verification in REJECTED:
            raise InvalidTransition("a review rejected this household; reopen its review (POST "
                                    f"/v1/households/{self.id}/review) or correct it, then decide again")
        if self.verification != "flagged":
            raise InvalidTransition(f"the household is {self.verification}, there is nothing to review")
        if proposed_by == approved_by:
            raise Forbidden("maker–checker: the officer who proposed cannot approve their own proposal",
                            field="approved_by")
        self._record(ReviewDecided(decision=decision, proposed_by=proposed_by, approved_by=approved_by, note=note))

    def reopen_review(self, reason: str, by: str) -> None:
        """An officer asks for a new review of a rejected household (an appeal, new evidence)."""
        self._live()
        if self.verification not in REJECTED:
            raise InvalidTransition(f"the household is {self.verification}; only a rejected household's review "
                                    "is reopened", field="household_id")
        self._record(HouseholdFlagged(reasons=[{"code": "review_reopened", "detail": reason, "by": by}]))

    def ranked(self, desil: int, desil_province: int, score: float, rule_version: str, snapshot: str) -> None:
        self._live()
        self._record(HouseholdRanked(desil=desil, desil_province=desil_province, previous_desil=self.desil,
                                     score=score, rule_version=rule_version, snapshot=snapshot))

    def absorb(self, other: Household, pii: str) -> None:
        self._live()
        other._live()
        if other.id == self.id:
            raise ValidationFailed("a household cannot be merged into itself", field="absorbed")
        # the absorbed household's head joins as family: a household has one head
        joining = [m.model_copy(update={"relation": "famili"}) if m.relation == "kepala" else m
                   for m in other.members.values()]
        self._record(HouseholdsMerged(absorbed=str(other.id), members=joining, pii=pii))
        other._record(HouseholdMergedAway(into=str(self.id)))

    def erase(self, basis: str) -> None:
        if self.erased:
            raise InvalidTransition("this household was erased already")
        self._record(HouseholdErased(basis=basis))

    # --- state -----------------------------------------------------------------------------------------
    def apply_household_registered(self, e: HouseholdRegistered) -> None:
        self.village_code, self.attributes, self.pii = e.village_code, e.attributes, e.pii
        self.members = {m.member_ref: m for m in e.members}

    def apply_member_added(self, e: MemberAdded) -> None:
        self.members[e.member.member_ref] = e.member
        self.pii = e.pii

    def apply_member_left(self, e: MemberLeft) -> None:
        self.members[e.member_ref] = self.members[e.member_ref].model_copy(update={"left_on": e.on})

    def apply_member_died(self, e: MemberDied) -> None:
        self.members[e.member_ref] = self.members[e.member_ref].model_copy(update={"alive": False,
                                                                                  "died_on": e.died_on})

    def apply_household_corrected(self, e: HouseholdCorrected) -> None:
        self.village_code, self.pii = e.village_code, e.pii
        self.members = {m.member_ref: m for m in e.members}

    def apply_attributes_updated(self, e: AttributesUpdated) -> None:
        self.attributes = e.attributes

    def apply_household_verified(self, e: HouseholdVerified) -> None:
        self.verification = "verified"

    def apply_household_flagged(self, e: HouseholdFlagged) -> None:
        self.verification = "flagged"

    def apply_review_decided(self, e: ReviewDecided) -> None:
        self.verification = "verified" if e.decision == "verified" else "rejected"

    def apply_household_ranked(self, e: HouseholdRanked) -> None:
        self.desil, self.desil_province, self.rule_version = e.desil, e.desil_province, e.rule_version

    def apply_households_merged(self, e: HouseholdsMerged) -> None:
        self.members.update({m.member_ref: m for m in e.members})
        self.pii = e.pii

    def apply_household_merged_away(self, e: HouseholdMergedAway) -> None:
        self.merged_into = e.into

    def apply_household_erased(self, e: HouseholdErased) -> None:
        self.erased, self.pii = True, ""

    # --- publishing ------------------------------------------------------------------------------------
    def public_state(self, change: str, on: date | None = None) -> dict[str, Any]:
        return public_state(str(self.id), self.version, change, self.village_code, self.verification,
                            list(self.members.values()), self.desil, self.rule_version, on)

    def stamp_state(self, change: str) -> None:
        """Put the household's state after this command on its last new event (what gets published)."""
        if self._pending:
            self._pending[-1] = self._pending[-1].model_copy(update={"state": self.public_state(change)})


def public_state(ref: str, version: int, change: str, village_code: str, verification: str,
                 members: list[MemberFact], desil: int | None, rule_version: str | None,
                 on: date | None = None) -> dict[str, Any]:
    """The `HouseholdChanged` payload (without `occurred_at`): no personal data, members by reference."""
    today = on or date.today()
    province, regency, district = region_parts(village_code)
    return {
        "household_ref": ref, "household_version": version, "change": change, "village_code": village_code,
        "district_code": district, "regency_code": regency, "province_code": province,
        "verification": verification, "desil": desil, "desil_rule_version": rule_version,
        "members": [{"member_ref": m.member_ref, "age_band": age_band(age_on(m.birth_month, today)),
                     "birth_month": m.birth_month, "school_level": m.schooling, "pregnant": m.pregnant,
                     "severe_disability": m.disability == "severe", "alive": m.alive,
                     "died_on": m.died_on.isoformat() if m.died_on else None,
                     "left_on": m.left_on.isoformat() if m.left_on else None} for m in members],
    }
