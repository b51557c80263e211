"""A household as a DCI `Group` record, with only the fields the client's scopes allow.

- `dci:search` (every client): household reference, region codes, `poverty_score` (national desil, 1 =
  poorest tenth) and the provincial desil, size, verification, members by pseudonymous reference with sex,
  birth month, age band, relation, schooling, disability, pregnancy and alive/dead.
- `dci:search:identity`: also No. KK, address, and each member's NIK, name and birth date — decrypted by the
  registry's audited personal read (`application.search.record_of`), so each household read is recorded with the
  client and the stated purpose.
- `dci:search:socioeconomic`: also the socio-economic attributes (income and expenditure bands, housing,
  assets, livestock) and occupations. A client without it (e.g. a health agency) gets none of these.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID

from registry.domain.model import age_band, age_on

IDENTITY = "dci:search:identity"
SOCIOECONOMIC = "dci:search:socioeconomic"
REG_TYPE = "ns:gotong:RegistryType:DTSEN"
RECORD_TYPE = "spdci:Group"
_SEX = {"M": "male", "F": "female"}


def _id(kind: str, value: str) -> dict[str, str]:
    return {"@type": "Identifier", "identifier_type": kind, "identifier_value": value}


def _member(m: Mapping[str, Any], personal: Mapping[str, Any] | None, socio: bool, today: date) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "SRPerson", "sex": _SEX.get(m["sex"], m["sex"]),
                              "birth_month": m["birth_month"], "age_band": age_band(age_on(m["birth_month"], today))}
    if personal is not None:
        person["identifier"] = [_id("NIK", personal["nik"])]
        person["name"] = {"@type": "Name", "given_name": personal["name"]}
        person["birth_date"] = personal["birth_date"]
    out: dict[str, Any] = {
        "@type": "spdci:Member", "member_identifier": [_id("MEMBER_REF", m["member_ref"])],
        "demographic_info": person, "relationship_head": m["relation"],
        "is_disabled": m.get("disability", "none") != "none", "disability_level": m.get("disability", "none"),
        "education_level": m.get("schooling", "none"), "is_pregnant": bool(m.get("pregnant")),
        "is_alive": bool(m.get("alive", True)), "death_date": m.get("died_on"), "left_on": m.get("left_on")}
    if socio:
        out["occupation"] = m.get("occupation")
    return out


def group_record(row: Mapping[str, Any], personal: Mapping[str, Any] | None, *, scopes: frozenset[str],
                 today: date) -> dict[str, Any]:
    """The household `row` of the read model (JSON members decoded) as a Group record; `personal` is its decrypted
    personal data when the client may see it (`IDENTITY` scope and not erased), else None."""
    household_id: UUID = row["household_id"]
    members = row["members"]
    personal = personal if IDENTITY in scopes else None
    current = [m for m in members if m.get("left_on") is None]
    socio = SOCIOECONOMIC in scopes
    identifiers = [_id("HOUSEHOLD_REF", str(household_id))]
    place: dict[str, Any] = {"@type": "Place", "village_code": row["village_code"],
                             "district_code": row["district_code"], "regency_code": row["regency_code"],
                             "province_code": row["province_code"]}
    people: Mapping[str, Mapping[str, Any]] = {}
    if personal is not None:
        identifiers.append(_id("KK", personal["kk"]))
        place["address"] = personal["address"]
        people = personal["members"]
    record: dict[str, Any] = {
        "@type": RECORD_TYPE, "group_identifier": identifiers, "group_type": "household", "place": place,
        "poverty_score": row["desil"], "poverty_score_type": "desil-national",
        "poverty_score_province": row["desil_province"], "poverty_score_rule_version": row["rule_version"],
        "group_size": sum(1 for m in current if m.get("alive", True)), "verification_status": row["verification"],
        "member_list": [_member(m, people.get(m["member_ref"]), socio, today) for m in current],
        "registration_date": row["registered_at"].isoformat(), "last_updated": row["updated_at"].isoformat()}
    if socio:
        attributes = row["attributes"]
        record["additional_attributes"] = [{"name": k, "value": v} for k, v in sorted(attributes.items())]
    return record
