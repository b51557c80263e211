"""Registry commands: each loads the household, decides in the domain, verifies, saves the events and writes
the read model, indexes and review queue in the same transaction. Handlers never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from uuid import UUID

import asyncpg
import orjson
from pydantic import BaseModel, ConfigDict, Field
from uuid6 import uuid7

from gotong.application.repository import Repository
from gotong.domain.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gotong.eventstore.model import EventMetadata
from gotong.eventstore.port import EventStoreTx
from gotong.eventstore.postgres import driver_connection
from registry.adapters.civil_registry import CivilRegistry
from registry.adapters.crypto import KeyRing, seal_text
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
from registry.domain.household import Household, events, validate_household
from registry.domain.identity import check_nik, check_village, region_parts
from registry.domain.model import Attributes, HouseholdIn, MemberFact, MemberIn, Relation, Schooling

repo = Repository(Household, events)


@dataclass
class Deps:
    keyring: KeyRing
    civil: CivilRegistry


class Erased(Conflict):
    code = "erased"
    title = "Personal data erased"


async def data_key(driver: asyncpg.Connection, keyring: KeyRing, household_id: UUID) -> bytes:
    wrapped = await driver.fetchval("SELECT wrapped_dek FROM household_keys WHERE household_id = $1", household_id)
    if wrapped is None:
        raise Erased("this household's personal data was erased (UU PDP request); nothing can be read")
    return keyring.unwrap(wrapped)


async def personal_of(driver: asyncpg.Connection, keyring: KeyRing, household: Household) -> tuple[bytes, Personal]:
    dek = await data_key(driver, keyring, household.id)
    return dek, Personal.unseal(dek, household.id, household.pii)


async def load(tx: EventStoreTx, household_id: UUID) -> Household:
    household = await repo.find(tx, household_id)
    if household is None:
        raise NotFound(f"household {household_id} is not in the register", field="household_id")
    return household


UPSERT = """
INSERT INTO households (household_id, version, village_code, district_code, regency_code, province_code,
                        verification, members, attributes, pii, desil, desil_province, rule_version, status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (household_id) DO UPDATE SET version = EXCLUDED.version, village_code = EXCLUDED.village_code,
  district_code = EXCLUDED.district_code, regency_code = EXCLUDED.regency_code,
  province_code = EXCLUDED.province_code, verification = EXCLUDED.verification, members = EXCLUDED.members,
  attributes = EXCLUDED.attributes, pii = EXCLUDED.pii, desil = EXCLUDED.desil,
  desil_province = EXCLUDED.desil_province, rule_version = EXCLUDED.rule_version, status = EXCLUDED.status,
  updated_at = now()
"""


def read_model_row(h: Household) -> tuple[Any, ...]:
    province, regency, district = region_parts(h.village_code)
    status = "erased" if h.erased else "merged" if h.merged_into else "active"
    return (h.id, h.version, h.village_code, district, regency, province, h.verification,
            orjson.dumps([m.model_dump(mode="json") for m in h.members.values()]).decode(),
            h.attributes.model_dump_json(), h.pii or None, h.desil, h.desil_province, h.rule_version, status)


async def project(driver: asyncpg.Connection, h: Household) -> None:
    await driver.execute(UPSERT, *read_model_row(h))


async def write_indexes(driver: asyncpg.Connection, household_id: UUID, index: Indexes | None) -> None:
    await driver.execute("DELETE FROM kk_index WHERE household_id = $1", household_id)
    await driver.execute("DELETE FROM person_index WHERE household_id = $1", household_id)
    await driver.execute("DELETE FROM name_index WHERE household_id = $1", household_id)
    if index is None:
        return
    await driver.execute("INSERT INTO kk_index VALUES ($1, $2)", index.kk_hash, household_id)
    await driver.executemany(
        "INSERT INTO person_index (nik_hash, household_id, member_ref, name_check) VALUES ($1, $2, $3, $4)",
        [(h, household_id, ref, check) for h, ref, check in index.niks])
    await driver.executemany("INSERT INTO name_index VALUES ($1, $2, $3, $4)",
                             [(mh, nh, household_id, ref) for mh, nh, ref in index.names])


async def reverify(driver: asyncpg.Connection, deps: Deps, h: Household, personal: Personal,
                   index: Indexes) -> list[dict[str, str]]:
    """Run the automatic checks; record deaths, then verified or flagged (+ a review queue entry)."""
    outcome = (await verify(driver, [Candidate(h.id, index, personal, dict(h.members))], deps.civil))[h.id]
    for ref, died_on in outcome.deaths:
        h.member_died(ref, died_on, "civil_registry")
    if outcome.reasons:
        h.flagged(outcome.reasons)
        await open_review(driver, h.id, outcome.reasons)
        return outcome.reasons
    h.verified(CHECKS)
    if h.verification == "flagged":  # checks pass, but a review had rejected it: a new review decides
        reasons = h.pending_events[-1].reasons  # type: ignore[attr-defined]
        await open_review(driver, h.id, reasons)
        return list(reasons)
    return outcome.reasons


async def open_review(driver: asyncpg.Connection, household_id: UUID, reasons: list[dict[str, str]]) -> int:
    """The household's open review (reasons replaced, back to `open`), or a new one."""
    open_id = await driver.fetchval(
        "SELECT id FROM review_queue WHERE household_id = $1 AND status <> 'decided'", household_id)
    if open_id is None:
        return int(await driver.fetchval("INSERT INTO review_queue (household_id, reasons) VALUES ($1, $2) "
                                          "RETURNING id", household_id, orjson.dumps(reasons).decode()))
    await driver.execute("UPDATE review_queue SET reasons = $2, status = 'open', proposed_by = NULL, "
                         "proposal = NULL WHERE id = $1", open_id, orjson.dumps(reasons).decode())
    return int(open_id)


async def _save(tx: EventStoreTx, h: Household, change: str, meta: EventMetadata) -> None:
    h.stamp_state(change)
    await repo.save(tx, h, meta)
    await project(await driver_connection(tx.connection), h)


def summary(h: Household, reasons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"household_ref": str(h.id), "version": h.version, "verification": h.verification,
            "reasons": reasons or [], "village_code": h.village_code, "desil": h.desil,
            "members": [m.model_dump(mode="json") for m in h.members.values()]}


async def register_household(tx: EventStoreTx, deps: Deps, data: HouseholdIn, meta: EventMetadata,
                             source: str = "ops") -> dict[str, Any]:
    validate_household(data)
    prepared = prepare(deps.keyring, data, uuid7())
    h = Household.register(prepared.household_id, data.village_code, prepared.facts, data.attributes,
                           prepared.pii, source)
    driver = await driver_connection(tx.connection)
    await driver.execute("INSERT INTO household_keys VALUES ($1, $2, $3)", h.id, prepared.wrapped_dek,
                         deps.keyring.key_id)
    reasons = await reverify(driver, deps, h, prepared.personal, prepared.index)
    await write_indexes(driver, h.id, prepared.index)
    await _save(tx, h, "registered", meta)
    return summary(h, reasons)


async def _after_change(tx: EventStoreTx, deps: Deps, h: Household, dek: bytes, personal: Personal, change: str,
                        meta: EventMetadata) -> dict[str, Any]:
    driver = await driver_connection(tx.connection)
    index = indexes(deps.keyring, personal, h.village_code, h.members)
    reasons = await reverify(driver, deps, h, personal, index)
    await write_indexes(driver, h.id, index)
    await _save(tx, h, change, meta)
    return summary(h, reasons)


class AddMember(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: MemberIn
    reason: Literal["birth", "moved_in", "added"] = "added"


async def add_member(tx: EventStoreTx, deps: Deps, household_id: UUID, body: AddMember,
                     meta: EventMetadata) -> dict[str, Any]:
    h = await load(tx, household_id)
    m = body.member
    check_nik(m.nik, birth_date=m.birth_date, sex=m.sex, field="member.nik")
    if m.relation == "kepala":
        raise ValidationFailed("the household has a head already; correct the relation instead",
                               field="member.relation")
    dek, personal = await personal_of(await driver_connection(tx.connection), deps.keyring, h)
    if any(p["nik"] == m.nik for p in personal.members.values()):
        raise Conflict("a member with this NIK is in this household already", field="member.nik")
    ref = new_member_ref()
    personal.members[ref] = member_personal(m)
    h.add_member(member_fact(m, ref), body.reason, personal.seal(dek, h.id))
    return {**await _after_change(tx, deps, h, dek, personal, f"member_{body.reason}", meta), "member_ref": ref}


class MemberLeaves(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: date
    reason: Literal["moved_out", "removed"] = "moved_out"


async def member_left(tx: EventStoreTx, deps: Deps, household_id: UUID, member_ref: str, body: MemberLeaves,
                      meta: EventMetadata) -> dict[str, Any]:
    h = await load(tx, household_id)
    dek, personal = await personal_of(await driver_connection(tx.connection), deps.keyring, h)
    h.member_left(member_ref, body.on, body.reason)
    return await _after_change(tx, deps, h, dek, personal, "member_left", meta)


class RecordDeath(BaseModel):
    model_config = ConfigDict(extra="forbid")
    died_on: date


async def record_death(tx: EventStoreTx, deps: Deps, household_id: UUID, member_ref: str, body: RecordDeath,
                       meta: EventMetadata) -> dict[str, Any]:
    h = await load(tx, household_id)
    if not h.member_died(member_ref, body.died_on, "ops"):
        raise InvalidTransition("this member's death is recorded already", field="member_ref")
    await _save(tx, h, "member_died", meta)
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


async def correct(tx: EventStoreTx, deps: Deps, household_id: UUID, body: Correction,
                  meta: EventMetadata) -> dict[str, Any]:
    h = await load(tx, household_id)
    dek, personal = await personal_of(await driver_connection(tx.connection), deps.keyring, h)
    village = check_village(body.village_code) if body.village_code else h.village_code
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
        check_nik(p["nik"], birth_date=date.fromisoformat(p["birth_date"]), sex=p["sex"], field=f"members.{ref}.nik")
        personal.members[ref] = p
        fact_changes = {k: v for k, v in changes.items() if k in MemberFact.model_fields and k not in ("nik", "name")}
        fact_changes["birth_month"] = p["birth_date"][:7]
        fact_changes["sex"] = p["sex"]
        facts[ref] = facts[ref].model_copy(update=fact_changes)
    heads = [m for m in facts.values() if m.relation == "kepala" and m.left_on is None]
    if len(heads) != 1:
        raise ValidationFailed("a household has exactly one member with relation 'kepala'", field="members")
    h.correct(village, list(facts.values()), personal.seal(dek, h.id), seal_text(dek, h.id.bytes, body.reason))
    return await _after_change(tx, deps, h, dek, personal, "corrected", meta)


async def update_attributes(tx: EventStoreTx, deps: Deps, household_id: UUID, body: Attributes,
                            meta: EventMetadata) -> dict[str, Any]:
    h = await load(tx, household_id)
    h.update_attributes(body)
    await _save(tx, h, "attributes_updated", meta)
    return summary(h)


class Proposal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["verified", "rejected"]
    note: str = Field(min_length=3, max_length=500)


async def propose_review(tx: EventStoreTx, deps: Deps, review_id: int, officer: str,
                         body: Proposal) -> dict[str, Any]:
    driver = await driver_connection(tx.connection)
    row = await driver.fetchrow("SELECT * FROM review_queue WHERE id = $1 FOR UPDATE", review_id)
    if row is None:
        raise NotFound(f"review {review_id} does not exist", field="review_id")
    if row["status"] != "open":
        raise InvalidTransition(f"review {review_id} is {row['status']}; only an open review takes a proposal")
    # The note may name people: sealed with the household's key from here on (the queue, then the event).
    note = seal_text(await data_key(driver, deps.keyring, row["household_id"]), row["household_id"].bytes, body.note)
    await driver.execute("UPDATE review_queue SET status = 'proposed', proposed_by = $2, proposal = $3, "
                         "proposal_note = $4 WHERE id = $1", review_id, officer, body.decision, note)
    return {"id": review_id, "status": "proposed", "proposal": body.decision, "proposed_by": officer,
            "next": next_steps(row["household_id"], "flagged", {"id": review_id, "status": "proposed"})}


async def approve_review(tx: EventStoreTx, review_id: int, officer: str, approve: bool,
                         meta: EventMetadata) -> dict[str, Any]:
    driver = await driver_connection(tx.connection)
    row = await driver.fetchrow("SELECT * FROM review_queue WHERE id = $1 FOR UPDATE", review_id)
    if row is None:
        raise NotFound(f"review {review_id} does not exist", field="review_id")
    if row["status"] != "proposed":
        raise InvalidTransition(f"review {review_id} is {row['status']}; only a proposal can be approved")
    if row["proposed_by"] == officer:
        raise Forbidden("maker–checker: the officer who proposed cannot approve their own proposal",
                        field="approved_by")
    if not approve:
        await driver.execute("UPDATE review_queue SET status = 'open', proposed_by = NULL, proposal = NULL "
                             "WHERE id = $1", review_id)
        return {"id": review_id, "status": "open", "next": next_steps(row["household_id"], "flagged",
                                                                     {"id": review_id, "status": "open"})}
    h = await load(tx, row["household_id"])
    h.decide_review(row["proposal"], row["proposed_by"], officer, row["proposal_note"])
    await _save(tx, h, "review_decided", meta)
    await driver.execute("UPDATE review_queue SET status = 'decided', decided_by = $2, decided_at = now() "
                         "WHERE id = $1", review_id, officer)
    return {"id": review_id, "status": "decided", "decision": row["proposal"], "household": summary(h),
            "next": next_steps(h.id, h.verification)}


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


async def reopen_review(tx: EventStoreTx, household_id: UUID, officer: str, body: Reopen,
                        meta: EventMetadata) -> dict[str, Any]:
    h = await load(tx, household_id)
    h.reopen_review(body.reason, officer)
    driver = await driver_connection(tx.connection)
    review_id = await open_review(driver, h.id, h.pending_events[-1].reasons)  # type: ignore[attr-defined]
    await _save(tx, h, "review_reopened", meta)
    review = {"id": review_id, "status": "open"}
    return {"review": review, "household": summary(h), "next": next_steps(h.id, h.verification, review)}


class Merge(BaseModel):
    model_config = ConfigDict(extra="forbid")
    absorbed: UUID = Field(description="the household that ceases to exist; its members join this one")


async def merge(tx: EventStoreTx, deps: Deps, household_id: UUID, body: Merge, meta: EventMetadata) -> dict[str, Any]:
    target, source = await load(tx, household_id), await load(tx, body.absorbed)
    driver = await driver_connection(tx.connection)
    dek, personal = await personal_of(driver, deps.keyring, target)
    _, other = await personal_of(driver, deps.keyring, source)
    personal.members.update(other.members)
    target.absorb(source, personal.seal(dek, target.id))
    source.stamp_state("merged_away")
    await repo.save(tx, source, meta)
    await project(driver, source)
    await write_indexes(driver, source.id, None)
    return await _after_change(tx, deps, target, dek, personal, "merged", meta)


class Split(BaseModel):
    """Members who leave to form a household of their own (a new Kartu Keluarga)."""

    model_config = ConfigDict(extra="forbid")
    member_refs: list[str] = Field(min_length=1)
    head: str = Field(description="member_ref of the new household's head (one of member_refs)")
    kk: str
    village_code: str | None = None
    address: str = Field(min_length=3, max_length=300)
    on: date


async def split(tx: EventStoreTx, deps: Deps, household_id: UUID, body: Split, meta: EventMetadata) -> dict[str, Any]:
    """Members move out into a new household: they leave this one (`split`) and the new one is registered with
    their personal data re-sealed under its own key; both are re-verified."""
    h = await load(tx, household_id)
    driver = await driver_connection(tx.connection)
    dek, personal = await personal_of(driver, deps.keyring, h)
    if body.head not in body.member_refs:
        raise ValidationFailed("the new head must be one of the members who split off", field="head")
    staying = [m for ref, m in h.members.items() if ref not in body.member_refs and m.alive and m.left_on is None]
    if not staying:
        raise InvalidTransition("nobody would remain; correct the KK or register the household anew instead")
    members: list[MemberIn] = []
    for i, ref in enumerate(body.member_refs):
        fact = h.member(ref)
        if not fact.alive or fact.left_on is not None:
            raise InvalidTransition(f"member {ref} is no longer in this household", field=f"member_refs.{i}")
        p = personal.members[ref]
        members.append(MemberIn(nik=p["nik"], name=p["name"], sex=p["sex"],
                                birth_date=date.fromisoformat(p["birth_date"]),
                                relation="kepala" if ref == body.head else
                                ("famili" if fact.relation == "kepala" else fact.relation),
                                schooling=fact.schooling, occupation=fact.occupation, disability=fact.disability,
                                pregnant=fact.pregnant))
    for i, ref in enumerate(body.member_refs):
        if h.members[ref].relation == "kepala":
            raise InvalidTransition("the head stays; to move the head, correct the relations first",
                                    field=f"member_refs.{i}")
    new_household = HouseholdIn(kk=body.kk, village_code=body.village_code or h.village_code, address=body.address,
                                members=members, attributes=h.attributes)
    for ref in body.member_refs:
        h.member_left(ref, body.on, "split")
    result = await _after_change(tx, deps, h, dek, personal, "split", meta)  # their NIKs leave this household
    created = await register_household(tx, deps, new_household, meta, source="split")
    return {**result, "new_household": created}


class Erase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    basis: str = Field(min_length=3, max_length=300, description="the request, e.g. UU PDP art. 8 letter ref")


async def erase(tx: EventStoreTx, household_id: UUID, body: Erase, meta: EventMetadata) -> dict[str, Any]:
    """Crypto-shred: destroy the household's key and every index; the non-personal history stays."""
    h = await load(tx, household_id)
    h.erase(body.basis)
    driver = await driver_connection(tx.connection)
    await driver.execute("DELETE FROM household_keys WHERE household_id = $1", h.id)
    await write_indexes(driver, h.id, None)
    await repo.save(tx, h, meta)
    await project(driver, h)
    return {"household_ref": str(h.id), "erased": True, "version": h.version}
