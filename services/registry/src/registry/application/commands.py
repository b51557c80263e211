"""Registry commands: each loads the household, lets it decide, runs the automatic checks and saves it through
the unit of work, whose projectors write the read row, the blind indexes and the review queue in the same
transaction. Handlers never commit, never see a connection and hold no rule of their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from uuid6 import uuid7

from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork
from gotong.domain.errors import Conflict, NotFound
from registry.adapters.civil_registry import CivilRegistry
from registry.adapters.crypto import KeyRing, seal_text
from registry.adapters.households import HouseholdKeys, IndexLookups
from registry.adapters.reference import regions
from registry.adapters.reviews import ReviewQueue
from registry.application.personal import (
    Indexes,
    Personal,
    indexes,
    member_fact,
    member_personal,
    new_member_ref,
    prepare,
)
from registry.application.verification import CHECKS, Candidate, verify
from registry.domain.household import (
    ERASURE_GROUNDS,
    ERASURE_REFERENCE,
    Erased,
    ErasureGround,
    Household,
    ReviewDecided,
    events,
    validate_household,
)
from registry.domain.identity import Regions, check_nik, check_village
from registry.domain.model import Attributes, HouseholdIn, MemberFact, MemberIn, Relation, Schooling

repo = Repository(Household, events)

__all__ = ["Deps", "Erased", "load", "repo"]


@dataclass
class Deps:
    """What the registry's commands are handed besides their unit of work."""

    keyring: KeyRing
    civil: CivilRegistry
    regions: Regions = field(default_factory=regions)


async def data_key(keys: HouseholdKeys, keyring: KeyRing, household_id: UUID) -> bytes:
    wrapped = await keys.wrapped(household_id)
    if wrapped is None:
        raise Erased("this household's personal data was erased (UU PDP request); nothing can be read")
    return keyring.unwrap(wrapped)


async def personal_of(uow: UnitOfWork, keyring: KeyRing, household: Household) -> tuple[bytes, Personal]:
    dek = await data_key(uow.adapter(HouseholdKeys), keyring, household.id)
    return dek, Personal.unseal(dek, household.id, household.pii)


async def load(uow: UnitOfWork, household_id: UUID) -> Household:
    """The household, deciding with the unit of work's clock; NotFound names `household_id`."""
    found = await uow.find(repo, household_id)
    if found is None:
        raise NotFound(f"household {household_id} is not in the register", field="household_id")
    return found.using(uow.clock)


async def _check(uow: UnitOfWork, deps: Deps, h: Household, personal: Personal,
                 index: Indexes | None = None) -> list[dict[str, str]]:
    """Run the automatic checks on the household as it is now; it records their outcome."""
    index = index or indexes(deps.keyring, personal, h.village_code, h.members)
    candidate = Candidate(h.id, index, personal, dict(h.members))
    outcome = (await verify(uow.adapter(IndexLookups), [candidate], deps.civil, uow.clock.today()))[h.id]
    review_id = await uow.adapter(ReviewQueue).next_id() if h.opens_review(outcome.reasons) else None
    return h.checked(outcome.reasons, outcome.deaths, CHECKS, review_id=review_id)


async def _save(uow: UnitOfWork, h: Household, change: str) -> None:
    h.stamp_state(change)
    await uow.save(h)


def summary(h: Household, reasons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """A household as a command answers it: its state, why it was flagged, its open review and the ways on."""
    opened = h.open_review
    review = {"id": opened.id, "status": opened.status} if opened is not None else None
    return {"household_ref": str(h.id), "version": h.version, "verification": h.verification,
            "reasons": reasons or [], "review": review, "next": next_steps(h.id, h.verification, review),
            "village_code": h.village_code, "desil": h.desil,
            "members": [m.model_dump(mode="json") for m in h.members.values()]}


async def register_household(uow: UnitOfWork, deps: Deps, data: HouseholdIn, source: str = "ops") -> dict[str, Any]:
    validate_household(data, regions=deps.regions, today=uow.clock.today())
    prepared = prepare(deps.keyring, data, uuid7())
    h = Household.register(prepared.household_id, data.village_code, prepared.facts, data.attributes,
                           prepared.pii, source, clock=uow.clock)
    await uow.adapter(HouseholdKeys).add(h.id, prepared.wrapped_dek, deps.keyring.key_id)
    reasons = await _check(uow, deps, h, prepared.personal, prepared.index)
    await _save(uow, h, "registered")
    return summary(h, reasons)


async def _after_change(uow: UnitOfWork, deps: Deps, h: Household, personal: Personal,
                        change: str) -> dict[str, Any]:
    reasons = await _check(uow, deps, h, personal)
    await _save(uow, h, change)
    return summary(h, reasons)


class AddMember(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: MemberIn
    reason: Literal["birth", "moved_in", "added"] = "added"


async def add_member(uow: UnitOfWork, deps: Deps, household_id: UUID, body: AddMember) -> dict[str, Any]:
    h = await load(uow, household_id)
    m = body.member
    check_nik(m.nik, birth_date=m.birth_date, sex=m.sex, field="member.nik", regions=deps.regions)
    dek, personal = await personal_of(uow, deps.keyring, h)
    if any(p["nik"] == m.nik for p in personal.members.values()):
        raise Conflict("a member with this NIK is in this household already", field="member.nik")
    ref = new_member_ref()
    personal.members[ref] = member_personal(m)
    h.add_member(member_fact(m, ref), body.reason, personal.seal(dek, h.id))
    return {**await _after_change(uow, deps, h, personal, f"member_{body.reason}"), "member_ref": ref}


class MemberLeaves(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: date
    reason: Literal["moved_out", "removed"] = "moved_out"


async def member_left(uow: UnitOfWork, deps: Deps, household_id: UUID, member_ref: str,
                      body: MemberLeaves) -> dict[str, Any]:
    h = await load(uow, household_id)
    _, personal = await personal_of(uow, deps.keyring, h)
    h.member_left(member_ref, body.on, body.reason)
    return await _after_change(uow, deps, h, personal, "member_left")


class RecordDeath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    died_on: date


async def record_death(uow: UnitOfWork, deps: Deps, household_id: UUID, member_ref: str,
                       body: RecordDeath) -> dict[str, Any]:
    h = await load(uow, household_id)
    h.record_death(member_ref, body.died_on)
    await _save(uow, h, "member_died")
    return summary(h)


class MemberCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nik: str | None = None
    name: str | None = Field(default=None, min_length=2, max_length=120)
    sex: Literal["M", "F"] | None = None
    birth_date: date | None = None
    relation: Relation | None = None
    schooling: Schooling | None = None
    occupation: str | None = Field(default=None, max_length=60)
    disability: Literal["none", "mild", "severe"] | None = None
    pregnant: bool | None = None


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=300)
    village_code: str | None = None
    address: str | None = Field(default=None, min_length=3, max_length=300)
    phone: str | None = Field(default=None, pattern=r"^\+?\d{8,15}$")
    bank_account: str | None = Field(default=None, pattern=r"^\d{6,20}$")
    members: dict[str, MemberCorrection] = {}


async def correct(uow: UnitOfWork, deps: Deps, household_id: UUID, body: Correction) -> dict[str, Any]:
    h = await load(uow, household_id)
    dek, personal = await personal_of(uow, deps.keyring, h)
    village = check_village(body.village_code, regions=deps.regions) if body.village_code else h.village_code
    for field_name in ("address", "phone", "bank_account"):
        if getattr(body, field_name) is not None:
            setattr(personal, field_name, getattr(body, field_name))
    facts = dict(h.members)
    for ref, fix in body.members.items():
        if ref not in facts:
            raise NotFound(f"member {ref} is not in this household", field=f"members.{ref}")
        p = dict(personal.members[ref])
        changes = fix.model_dump(exclude_none=True)
        for key in ("nik", "name", "sex"):
            if key in changes:
                p[key] = changes[key]
        if fix.birth_date:
            p["birth_date"] = fix.birth_date.isoformat()
        check_nik(p["nik"], birth_date=date.fromisoformat(p["birth_date"]), sex=p["sex"], field=f"members.{ref}.nik",
                  regions=deps.regions)
        personal.members[ref] = p
        fact_changes = {k: v for k, v in changes.items() if k in MemberFact.model_fields and k not in ("nik", "name")}
        fact_changes["birth_month"] = p["birth_date"][:7]
        fact_changes["sex"] = p["sex"]
        facts[ref] = facts[ref].model_copy(update=fact_changes)
    h.correct(village, list(facts.values()), personal.seal(dek, h.id), seal_text(dek, h.id.bytes, body.reason))
    return await _after_change(uow, deps, h, personal, "corrected")


async def update_attributes(uow: UnitOfWork, deps: Deps, household_id: UUID, body: Attributes) -> dict[str, Any]:
    h = await load(uow, household_id)
    h.update_attributes(body)
    await _save(uow, h, "attributes_updated")
    return summary(h)


class Proposal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["verified", "rejected"]
    note: str = Field(min_length=3, max_length=500)


async def _review_household(uow: UnitOfWork, review_id: int) -> Household:
    household_id = await uow.adapter(ReviewQueue).household_of(review_id)
    if household_id is None:
        raise NotFound(f"review {review_id} does not exist", field="review_id")
    return await load(uow, household_id)


async def propose_review(uow: UnitOfWork, deps: Deps, review_id: int, officer: str,
                         body: Proposal) -> dict[str, Any]:
    h = await _review_household(uow, review_id)
    h.check_proposal(review_id)
    # The note may name people: sealed with the household's key from here on (the event, the queue, the decision).
    dek = await data_key(uow.adapter(HouseholdKeys), deps.keyring, h.id)
    h.propose(review_id, officer, body.decision, seal_text(dek, h.id.bytes, body.note))
    await uow.save(h)
    return {"id": review_id, "status": "proposed", "proposal": body.decision, "proposed_by": officer,
            "next": next_steps(h.id, "flagged", {"id": review_id, "status": "proposed"})}


async def approve_review(uow: UnitOfWork, review_id: int, officer: str, approve: bool) -> dict[str, Any]:
    h = await _review_household(uow, review_id)
    h.answer_proposal(review_id, officer, approve)
    if not approve:
        await uow.save(h)
        return {"id": review_id, "status": "open", "next": next_steps(h.id, "flagged",
                                                                     {"id": review_id, "status": "open"})}
    decided = h.pending_events[-1]
    assert isinstance(decided, ReviewDecided)
    await _save(uow, h, "review_decided")
    return {"id": review_id, "status": "decided", "decision": decided.decision,
            "household": summary(h), "next": next_steps(h.id, h.verification)}


class Reopen(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Literal["appeal", "new_evidence", "data_corrected", "decided_in_error"] = Field(
        description="why a rejected household is reviewed again (a code: free text about a person stays out)")


def next_steps(household_id: UUID | str, verification: str,
               review: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """The ways out of the state a household or its review is in, as the API answers them."""
    h = f"/v1/households/{household_id}"
    if review is not None and review["status"] == "open":
        return [{"action": "propose", "method": "POST", "href": f"/v1/reviews/{review['id']}/proposal"}]
    if review is not None and review["status"] == "proposed":
        return [{"action": "approve", "method": "POST", "href": f"/v1/reviews/{review['id']}/approval"},
                {"action": "send back", "method": "POST", "href": f"/v1/reviews/{review['id']}/approval?approve=false"}]
    if verification in ("rejected", "under_review"):
        return [{"action": "reopen review", "method": "POST", "href": f"{h}/review"},
                {"action": "correct the household", "method": "POST", "href": f"{h}/corrections"}]
    return []


async def reopen_review(uow: UnitOfWork, household_id: UUID, officer: str, body: Reopen) -> dict[str, Any]:
    h = await load(uow, household_id)
    h.reopen_review(body.reason, officer, await uow.adapter(ReviewQueue).next_id())
    await _save(uow, h, "review_reopened")
    opened = h.open_review
    review = {"id": opened.id if opened is not None else None, "status": "open"}
    return {"review": review, "household": summary(h), "next": next_steps(h.id, h.verification, review)}


class Merge(BaseModel):
    model_config = ConfigDict(extra="forbid")
    absorbed: UUID = Field(description="the household that ceases to exist; its members join this one")


async def merge(uow: UnitOfWork, deps: Deps, household_id: UUID, body: Merge) -> dict[str, Any]:
    target, source = await load(uow, household_id), await load(uow, body.absorbed)
    dek, personal = await personal_of(uow, deps.keyring, target)
    _, other = await personal_of(uow, deps.keyring, source)
    personal.members.update(other.members)
    target.absorb(source, personal.seal(dek, target.id))
    source.stamp_state("merged_away")
    await uow.save(source)
    return await _after_change(uow, deps, target, personal, "merged")


class Split(BaseModel):
    """Members who leave to form a household of their own (a new Kartu Keluarga)."""

    model_config = ConfigDict(extra="forbid")
    member_refs: list[str] = Field(min_length=1)
    head: str = Field(description="member_ref of the new household's head (one of member_refs)")
    kk: str
    village_code: str | None = None
    address: str = Field(min_length=3, max_length=300)
    on: date


async def split(uow: UnitOfWork, deps: Deps, household_id: UUID, body: Split) -> dict[str, Any]:
    """Members move out into a new household: they leave this one (`split`) and the new one is registered with
    their personal data re-sealed under its own key; both are re-verified."""
    h = await load(uow, household_id)
    _, personal = await personal_of(uow, deps.keyring, h)
    relations = h.split_relations(body.member_refs, body.head)
    members: list[MemberIn] = []
    for ref in body.member_refs:
        fact, p = h.members[ref], personal.members[ref]
        members.append(MemberIn(nik=p["nik"], name=p["name"], sex=p["sex"],
                                birth_date=date.fromisoformat(p["birth_date"]), relation=relations[ref],
                                schooling=fact.schooling, occupation=fact.occupation, disability=fact.disability,
                                pregnant=fact.pregnant))
    new_household = HouseholdIn(kk=body.kk, village_code=body.village_code or h.village_code, address=body.address,
                                members=members, attributes=h.attributes)
    h.split_off(body.member_refs, body.head, body.on)
    result = await _after_change(uow, deps, h, personal, "split")  # their NIKs leave this household
    created = await register_household(uow, deps, new_household, source="split")
    return {**result, "new_household": created}


class Erase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ground: ErasureGround = Field(description="the legal ground: " + "; ".join(
        f"`{k}`: {v}" for k, v in ERASURE_GROUNDS.items()))
    reference: str = Field(pattern=ERASURE_REFERENCE, description="the number of the letter, request or court "
                           "order that asked for it, e.g. `470/123/DS/2026` (no spaces: a reference, not a note)",
                           examples=["470/123/DS/2026"])


async def erase(uow: UnitOfWork, household_id: UUID, body: Erase) -> dict[str, Any]:
    """Crypto-shred: destroy the household's key and every index; the non-personal history stays."""
    h = await load(uow, household_id)
    h.erase(body.ground, body.reference)
    await uow.adapter(HouseholdKeys).destroy(h.id)
    await uow.save(h)
    return {"household_ref": str(h.id), "erased": True, "version": h.version}
