"""Turning an officer's or a file's household into sealed personal data, blind indexes and plain facts."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from registry.adapters.civil_registry import CivilQuery
from registry.adapters.crypto import KeyRing, name_key, normalise_name, seal, unseal
from registry.domain.identity import region_parts
from registry.domain.model import HouseholdIn, MemberFact, MemberIn


def new_member_ref() -> str:
    return "p-" + secrets.token_hex(8)


def member_fact(m: MemberIn, ref: str) -> MemberFact:
    return MemberFact(member_ref=ref, relation=m.relation, sex=m.sex, birth_month=m.birth_date.isoformat()[:7],
                      schooling=m.schooling, occupation=m.occupation, disability=m.disability, pregnant=m.pregnant)


def member_personal(m: MemberIn) -> dict[str, Any]:
    return {"nik": m.nik, "name": m.name, "birth_date": m.birth_date.isoformat(), "sex": m.sex}


@dataclass
class Personal:
    """A household's personal data in the clear, only ever in memory."""

    kk: str
    address: str
    phone: str | None
    bank_account: str | None
    members: dict[str, dict[str, Any]]  # member_ref -> nik, name, birth_date, sex

    def to_dict(self) -> dict[str, Any]:
        return {"kk": self.kk, "address": self.address, "phone": self.phone, "bank_account": self.bank_account,
                "members": self.members}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Personal:
        return cls(d["kk"], d["address"], d.get("phone"), d.get("bank_account"), dict(d["members"]))

    def seal(self, dek: bytes, household_id: UUID) -> str:
        return seal(dek, self.to_dict(), household_id.bytes)

    @classmethod
    def unseal(cls, dek: bytes, household_id: UUID, sealed: str) -> Personal:
        return cls.from_dict(unseal(dek, sealed, household_id.bytes))


@dataclass
class Indexes:
    kk_hash: bytes
    niks: list[tuple[bytes, str, bytes]]      # (nik hash, member_ref, nik+name check)
    names: list[tuple[bytes, bytes, str]]     # (match hash, name hash, member_ref)


def indexes(keyring: KeyRing, personal: Personal, village_code: str, facts: dict[str, MemberFact]) -> Indexes:
    return member_indexes(keyring, personal.kk, village_code, [
        (ref, p) for ref, p in personal.members.items()
        if (fact := facts.get(ref)) is None or fact.left_on is None])


def member_indexes(keyring: KeyRing, kk: str, village_code: str,
                   members: Iterable[tuple[str, dict[str, Any]]]) -> Indexes:
    """The blind indexes of the household `kk` with these members (reference, personal data) in it."""
    district = region_parts(village_code)[2]
    refs, values = [], [("kk", kk)]
    for ref, p in members:
        name = normalise_name(p["name"])
        refs.append(ref)
        values += [("nik", p["nik"]), ("nikname", f"{p['nik']}|{name}"),
                   ("match", f"{district}|{p['birth_date']}|{name_key(p['name'])}"),
                   ("name", f"{village_code}|{name}")]
    h = keyring.blind_each(values)
    return Indexes(h[0], [(h[1 + 4 * i], ref, h[2 + 4 * i]) for i, ref in enumerate(refs)],
                   [(h[3 + 4 * i], h[4 + 4 * i], ref) for i, ref in enumerate(refs)])


@dataclass
class Prepared:
    household_id: UUID
    dek: bytes
    wrapped_dek: bytes
    village_code: str
    facts: list[MemberFact]
    personal: Personal
    pii: str
    index: Indexes

    def civil_queries(self) -> list[tuple[str, CivilQuery]]:
        return [(ref, CivilQuery(p["nik"], p["name"], date.fromisoformat(p["birth_date"]), p["sex"]))
                for ref, p in self.personal.members.items()]


def prepare(keyring: KeyRing, data: HouseholdIn, household_id: UUID) -> Prepared:
    dek, wrapped = keyring.new_data_key()
    refs = [new_member_ref() for _ in data.members]
    facts = [member_fact(m, r) for m, r in zip(data.members, refs, strict=True)]
    personal = Personal(data.kk, data.address, data.phone, data.bank_account,
                        {r: member_personal(m) for m, r in zip(data.members, refs, strict=True)})
    return Prepared(household_id, dek, wrapped, data.village_code, facts, personal,
                    personal.seal(dek, household_id),
                    indexes(keyring, personal, data.village_code, {f.member_ref: f for f in facts}))
