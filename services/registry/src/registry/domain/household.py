"""The household aggregate: every change to a Kartu Keluarga is an event on its stream.

Events hold non-personal facts in the clear and personal data only sealed (`pii`, AES-GCM under the
household's own key). The last event of every command carries `state`, the household's whole non-personal
state after it, which is what `registry.events` publishes (event-carried state).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import Field

from gotong.domain.aggregate import Aggregate
from gotong.domain.clock import SYSTEM_CLOCK, Clock
from gotong.domain.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gotong.domain.events import DomainEvent, EventRegistry
from registry.domain.identity import Regions, check_kk, check_nik, check_village, region_parts
from registry.domain.model import Attributes, HouseholdIn, MemberFact, Relation, age_band, age_on

events = EventRegistry()
#: pending → verified | flagged (a review opens) → verified | rejected (two officers decided). A rejected household
#: is not paid; it leaves that state by a new review (reopened, or opened by any later change: checks alone never
#: verify what a review rejected). `under_review` is what earlier releases called `rejected`.
Verification = Literal["pending", "verified", "flagged", "rejected", "under_review"]
REJECTED = ("rejected", "under_review")
Decision = Literal["verified", "rejected"]
ReviewStatus = Literal["open", "proposed", "decided"]
#: Minimum age of the head of a family: a younger head is a reason to review the household.
HEAD_MIN_AGE = 15


class Erased(Conflict):
    """The household's key was destroyed (UU PDP erasure): nothing personal can be read any more."""

    code = "erased"
    title = "Personal data erased"


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
    """The household needs a review: a review opens (`review_id`), or the open one takes these reasons."""

    event_type: ClassVar[str] = "HouseholdFlagged"
    reasons: list[dict[str, str]]
    review_id: int | None = None


@events.register
class ReviewProposed(HouseholdEvent):
    """Maker: an officer proposes a decision on the open review (the note is sealed with the household's key)."""

    event_type: ClassVar[str] = "ReviewProposed"
    review_id: int | None
    decision: Decision
    proposed_by: str
    note: str


@events.register
class ProposalSentBack(HouseholdEvent):
    """Checker: another officer sends the proposal back; the review is open again."""

    event_type: ClassVar[str] = "ProposalSentBack"
    review_id: int | None
    by: str


@events.register
class ReviewDecided(HouseholdEvent):
    event_type: ClassVar[str] = "ReviewDecided"
    decision: Decision
    proposed_by: str
    approved_by: str
    note: str
    review_id: int | None = None


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


#: Why personal data may be erased, by UU 27/2022 (Pelindungan Data Pribadi): a ground from this list and the
#: reference of the document that asked for it (a letter or case number), never free text that could name people.
ErasureGround = Literal["subject_request", "consent_withdrawn", "purpose_fulfilled", "unlawful_processing",
                        "retention_expired", "court_order"]
ERASURE_GROUNDS: dict[str, str] = {
    "subject_request": "the data subject asked (UU PDP Pasal 8, Pasal 43)",
    "consent_withdrawn": "the data subject withdrew consent (UU PDP Pasal 9, Pasal 43)",
    "purpose_fulfilled": "no longer needed for the purpose it was collected for (UU PDP Pasal 43)",
    "unlawful_processing": "processed against the law (UU PDP Pasal 43)",
    "retention_expired": "the retention period ended (UU PDP Pasal 44)",
    "court_order": "a court ordered it (UU PDP Pasal 44)",
}
#: A document reference: letters, digits and `. / - _`, no spaces — a number, not a sentence.
ERASURE_REFERENCE = r"^[A-Za-z0-9][A-Za-z0-9./_-]{2,63}$"


@events.register
class HouseholdErased(HouseholdEvent):
    event_type: ClassVar[str] = "HouseholdErased"
    schema_version: ClassVar[int] = 2
    ground: ErasureGround | Literal["unspecified"]
    reference: str | None = None


@events.upcaster("HouseholdErased", 1)
def _erased_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 kept the request as free text (`basis`), which could name people: it is never read back."""
    return {"ground": "unspecified", "reference": None}


#: Why an upheld grievance asks for a household's review: codes, never free text (the grievance's own text stays
#: sealed in the grievance service, and who objected is never sent at all).
GrievanceReason = Literal["inclusion", "desil", "reassessment", "data_correction"]
GRIEVANCE_REASONS: dict[str, str] = {
    "inclusion": "an upheld objection (sanggah): the household may not meet the criteria",
    "desil": "an upheld objection (sanggah): the household's desil may be wrong",
    "reassessment": "an upheld proposal (usul): the household is to be re-assessed",
    "data_correction": "an upheld data correction: a member died, moved or was born",
}

ONE_HEAD = "a household has exactly one member with relation 'kepala'"


def check_one_head(relations: Iterable[str], *, field: str = "members") -> None:
    """A household has exactly one head (kepala keluarga)."""
    if sum(1 for r in relations if r == "kepala") != 1:
        raise ValidationFailed(ONE_HEAD, field=field)


def head_too_young(members: Iterable[MemberFact], today: date) -> list[dict[str, str]]:
    """`head_too_young` review reasons: a living, present head of the family under HEAD_MIN_AGE."""
    return [{"code": "head_too_young", "member_ref": m.member_ref} for m in members
            if m.relation == "kepala" and m.alive and m.left_on is None
            and age_on(m.birth_month, today) < HEAD_MIN_AGE]


def validate_household(data: HouseholdIn, *, regions: Regions, today: date, prefix: str = "") -> None:
    """Rules pydantic cannot express, against the region codes and on `today`; every error names its field
    (e.g. `members.2.nik`)."""
    check_kk(data.kk, field=f"{prefix}kk", regions=regions)
    check_village(data.village_code, field=f"{prefix}village_code", regions=regions)
    check_one_head((m.relation for m in data.members), field=f"{prefix}members")
    seen: set[str] = set()
    for i, m in enumerate(data.members):
        check_nik(m.nik, birth_date=m.birth_date, sex=m.sex, field=f"{prefix}members.{i}.nik", regions=regions)
        if m.nik in seen:
            raise ValidationFailed("the same NIK appears twice in this household", field=f"{prefix}members.{i}.nik")
        seen.add(m.nik)
        if m.pregnant and m.sex != "F":
            raise ValidationFailed("only a woman can be recorded as pregnant", field=f"{prefix}members.{i}.pregnant")
        if m.birth_date > today:
            raise ValidationFailed("birth date is in the future", field=f"{prefix}members.{i}.birth_date")


@dataclass
class Review:
    """The household's latest review, as its events left it (the review queue is a projection of them)."""

    id: int | None
    status: ReviewStatus
    reasons: list[dict[str, str]]
    proposed_by: str | None = None
    proposal: Decision | None = None
    note: str | None = None
    decided_by: str | None = None


class Household(Aggregate):
    """A Kartu Keluarga: its members (facts only), attributes, verification, desil and its latest review.

    Every rule about a household lives here (one head, dates not in the future, split, maker–checker on the
    review lifecycle, erased and merged-away households changing no more). It decides "today" with the `Clock`
    it is given (`using(uow.clock)` after loading; the system clock when built without one).
    """

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
        self.review: Review | None = None
        #: the grievance cases (ids) that flagged this household already: each one flags it once
        self.grievance_cases: set[str] = set()
        if not hasattr(self, "clock"):
            self.clock: Clock = SYSTEM_CLOCK

    def __init__(self, id: UUID, clock: Clock = SYSTEM_CLOCK) -> None:
        super().__init__(id)
        self.clock = clock
        self.initial_state()

    def using(self, clock: Clock) -> Household:
        """This household, deciding with `clock` (the unit of work's) from now on."""
        self.clock = clock
        return self

    # --- queries ---------------------------------------------------------------------------------------
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

    @property
    def present(self) -> list[MemberFact]:
        """Members who are alive and still in the household."""
        return [m for m in self.members.values() if m.alive and m.left_on is None]

    @property
    def open_review(self) -> Review | None:
        """The review not decided yet (a household has at most one), if any."""
        return self.review if self.review is not None and self.review.status != "decided" else None

    def opens_review(self, reasons: list[dict[str, str]]) -> bool:
        """Whether an automatic check with these `reasons` would open a new review (and so needs a review id):
        reasons flag the household, and a rejected household is flagged by any change; an open review takes the
        new reasons instead."""
        return (bool(reasons) or self.verification in REJECTED) and self.open_review is None

    def review_status(self, review_id: int) -> ReviewStatus:
        """The status of one of this household's reviews: every review before the latest one was decided."""
        review = self.review
        if review is None or (review.id is not None and review.id != review_id):
            return "decided"
        return review.status

    # --- decisions -------------------------------------------------------------------------------------
    @classmethod
    def register(cls, id: UUID, village_code: str, members: list[MemberFact], attributes: Attributes, pii: str,
                 source: str = "ops", *, clock: Clock = SYSTEM_CLOCK) -> Household:
        household = cls(id, clock)
        check_one_head(m.relation for m in members)
        household._record(HouseholdRegistered(village_code=village_code, members=members, attributes=attributes,
                                              pii=pii, source=source))
        return household

    def add_member(self, member: MemberFact, reason: Literal["birth", "moved_in", "added"], pii: str) -> None:
        if member.relation == "kepala":
            raise ValidationFailed("the household has a head already; correct the relation instead",
                                   field="member.relation")
        self._live()
        self._record(MemberAdded(member=member, reason=reason, pii=pii))

    def member_left(self, member_ref: str, on: date, reason: Literal["moved_out", "removed", "split"],
                    to_household: str | None = None) -> None:
        self._live()
        m = self.member(member_ref)
        if m.left_on is not None:
            raise InvalidTransition("this member already left the household")
        if on > self.clock.today():
            raise ValidationFailed("the date of leaving is in the future", field="on")
        if m.relation == "kepala" and len(self.present) > 1:
            raise InvalidTransition("the head cannot leave while others remain; correct the head first",
                                    field="member_ref")
        self._record(MemberLeft(member_ref=member_ref, on=on, reason=reason, to_household=to_household))

    def member_died(self, member_ref: str, died_on: date, source: Literal["ops", "civil_registry"]) -> bool:
        """Record a death; False (and nothing recorded) when it is already known."""
        self._live()
        m = self.member(member_ref)
        if not m.alive:
            return False
        if died_on > self.clock.today():
            raise ValidationFailed("date of death is in the future", field="died_on")
        self._record(MemberDied(member_ref=member_ref, died_on=died_on, source=source))
        return True

    def record_death(self, member_ref: str, died_on: date) -> None:
        """An officer records a death; known already is refused."""
        if not self.member_died(member_ref, died_on, "ops"):
            raise InvalidTransition("this member's death is recorded already", field="member_ref")

    def correct(self, village_code: str, members: list[MemberFact], pii: str, reason: str) -> None:
        self._live()
        check_one_head(m.relation for m in members if m.left_on is None)
        self._record(HouseholdCorrected(village_code=village_code, members=members, pii=pii, reason=reason))

    def update_attributes(self, attributes: Attributes) -> None:
        self._live()
        if attributes == self.attributes:
            return
        self._record(AttributesUpdated(attributes=attributes))

    def split_relations(self, member_refs: list[str], head: str) -> dict[str, Relation]:
        """Who may split off into a new household, and the relation each has there (`head` becomes its head, a
        former head would be family). Refused: a head outside the group, nobody left behind, a member no longer
        here, this household's own head leaving."""
        if head not in member_refs:
            raise ValidationFailed("the new head must be one of the members who split off", field="head")
        if not [m for ref, m in self.members.items() if ref not in member_refs and m.alive and m.left_on is None]:
            raise InvalidTransition("nobody would remain; correct the KK or register the household anew instead")
        relations: dict[str, Relation] = {}
        for i, ref in enumerate(member_refs):
            fact = self.member(ref)
            if not fact.alive or fact.left_on is not None:
                raise InvalidTransition(f"member {ref} is no longer in this household", field=f"member_refs.{i}")
            relations[ref] = "kepala" if ref == head else ("famili" if fact.relation == "kepala" else fact.relation)
        for i, ref in enumerate(member_refs):
            if self.members[ref].relation == "kepala":
                raise InvalidTransition("the head stays; to move the head, correct the relations first",
                                        field=f"member_refs.{i}")
        return relations

    def split_off(self, member_refs: list[str], head: str, on: date) -> dict[str, Relation]:
        """Members leave to form a new household (`split`); returns their relations in the new one."""
        relations = self.split_relations(member_refs, head)
        for ref in member_refs:
            self.member_left(ref, on, "split")
        return relations

    def checked(self, reasons: list[dict[str, str]], deaths: Iterable[tuple[str, date]], checks: list[str], *,
                review_id: int | None = None) -> list[dict[str, str]]:
        """The automatic checks' outcome: deaths on record, then flagged (a review opens or takes the reasons) or
        verified. Returns the reasons the household's open review now has (none when it passed)."""
        for ref, died_on in deaths:
            self.member_died(ref, died_on, "civil_registry")
        if reasons:
            self.flagged(reasons, review_id)
        else:
            self.verified(checks, review_id)
        review = self.open_review
        return list(review.reasons) if self.verification == "flagged" and review is not None else []

    def verified(self, checks: list[str], review_id: int | None = None) -> None:
        self._live()
        if self.verification in REJECTED:  # a review decides, not a later automatic pass: a new review opens
            self.flagged([{"code": "changed_after_rejection", "detail": "changed since a review rejected it"}],
                         review_id)
            return
        self._record(HouseholdVerified(checks=checks))

    def flagged(self, reasons: list[dict[str, str]], review_id: int | None = None) -> None:
        """A review opens with `review_id`, or the open review takes these reasons (and is open again)."""
        self._live()
        current = self.open_review
        self._record(HouseholdFlagged(reasons=reasons, review_id=current.id if current is not None else review_id))

    def propose(self, review_id: int, officer: str, decision: Decision, note: str) -> None:
        """Maker: propose a decision on the open review (`note` sealed by the caller)."""
        self.check_proposal(review_id)
        self._record(ReviewProposed(review_id=review_id, decision=decision, proposed_by=officer, note=note))

    def check_proposal(self, review_id: int) -> None:
        status = self.review_status(review_id)
        if status != "open":
            raise InvalidTransition(f"review {review_id} is {status}; only an open review takes a proposal")

    def answer_proposal(self, review_id: int, officer: str, approve: bool) -> None:
        """Checker: another officer approves the proposal (the review is decided) or sends it back (open again)."""
        status = self.review_status(review_id)
        review = self.review
        if status != "proposed" or review is None or review.proposed_by is None or review.proposal is None:
            raise InvalidTransition(f"review {review_id} is {status}; only a proposal can be approved")
        _four_eyes(review.proposed_by, officer)
        if not approve:
            self._record(ProposalSentBack(review_id=review_id, by=officer))
            return
        self.decide_review(review.proposal, review.proposed_by, officer, review.note or "", review_id=review_id)

    def decide_review(self, decision: Decision, proposed_by: str, approved_by: str, note: str, *,
                      review_id: int | None = None) -> None:
        self._live()
        if self.verification in REJECTED:
            raise InvalidTransition("a review rejected this household; reopen its review (POST "
                                    f"/v1/households/{self.id}/review) or correct it, then decide again")
        if self.verification != "flagged":
            raise InvalidTransition(f"the household is {self.verification}, there is nothing to review")
        _four_eyes(proposed_by, approved_by)
        self._record(ReviewDecided(decision=decision, proposed_by=proposed_by, approved_by=approved_by, note=note,
                                   review_id=review_id))

    def reopen_review(self, reason: str, by: str, review_id: int | None = None) -> None:
        """An officer asks for a new review of a rejected household (an appeal, new evidence)."""
        self._live()
        if self.verification not in REJECTED:
            raise InvalidTransition(f"the household is {self.verification}; only a rejected household's review "
                                    "is reopened", field="household_id")
        self.flagged([{"code": "review_reopened", "detail": reason, "by": by}], review_id)

    def flag_for_grievance(self, case_ref: str, reason: GrievanceReason, by: str,
                           review_id: int | None = None) -> bool:
        """An upheld grievance (a sanggah about inclusion or desil, an usul asking for a re-assessment) puts the
        household in the review queue: a review opens with `review_id`, or the open one takes this reason too.
        Once per grievance case: False (nothing recorded) when this case flagged it already. Whatever the
        household's state (verified, flagged, rejected) a review decides; an erased or merged household refuses."""
        self._live()
        if case_ref in self.grievance_cases:
            return False
        if reason not in GRIEVANCE_REASONS:
            raise ValidationFailed("one of " + ", ".join(GRIEVANCE_REASONS), field="reason")
        flag = {"code": "grievance_upheld", "detail": reason, "case_ref": case_ref, "by": by}
        current = self.open_review
        self.flagged([*current.reasons, flag] if current is not None else [flag], review_id)
        return True

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

    def erase(self, ground: ErasureGround, reference: str) -> None:
        if self.erased:
            raise InvalidTransition("this household was erased already")
        if ground not in ERASURE_GROUNDS:
            raise ValidationFailed("one of " + ", ".join(ERASURE_GROUNDS), field="ground")
        if not re.fullmatch(ERASURE_REFERENCE, reference):
            raise ValidationFailed("a document reference (letters, digits, . / - _; no spaces), e.g. 470/123/DS/2026",
                                   field="reference")
        self._record(HouseholdErased(ground=ground, reference=reference))

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
        self.grievance_cases.update(r["case_ref"] for r in e.reasons if r.get("case_ref"))
        current = self.open_review
        if current is None:
            self.review = Review(e.review_id, "open", list(e.reasons))
        else:  # the open review takes the new reasons and is open again (a proposal is dropped, its note kept)
            current.reasons, current.status, current.proposed_by, current.proposal = list(e.reasons), "open", None, None

    def apply_review_proposed(self, e: ReviewProposed) -> None:
        if self.review is not None:
            r = self.review
            r.status, r.proposed_by, r.proposal, r.note = "proposed", e.proposed_by, e.decision, e.note

    def apply_proposal_sent_back(self, e: ProposalSentBack) -> None:
        if self.review is not None:
            self.review.status, self.review.proposed_by, self.review.proposal = "open", None, None

    def apply_review_decided(self, e: ReviewDecided) -> None:
        self.verification = "verified" if e.decision == "verified" else "rejected"
        if self.review is not None and self.review.status != "decided":
            self.review.status, self.review.decided_by = "decided", e.approved_by

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
                            list(self.members.values()), self.desil, self.rule_version, on or self.clock.today())

    def stamp_state(self, change: str) -> None:
        """Put the household's state after this command on its last new event (what gets published)."""
        if self._pending:
            self._pending[-1] = self._pending[-1].model_copy(update={"state": self.public_state(change)})


def public_state(ref: str, version: int, change: str, village_code: str, verification: str,
                 members: list[MemberFact], desil: int | None, rule_version: str | None,
                 on: date | None = None) -> dict[str, Any]:
    """The `HouseholdChanged` payload (without `occurred_at`): no personal data, members by reference."""
    today = on or SYSTEM_CLOCK.today()
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


def _four_eyes(proposed_by: str, approved_by: str) -> None:
    """Maker–checker: the officer who proposed a decision never approves (or sends back) their own proposal."""
    if proposed_by == approved_by:
        raise Forbidden("maker–checker: the officer who proposed cannot approve their own proposal",
                        field="approved_by")
