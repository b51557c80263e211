"""Reads: the non-personal household view, personal data (every read recorded), history, queues, desil as of."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from gotong.domain.errors import NotFound, ValidationFailed
from registry.adapters.crypto import KeyRing, normalise_name, unseal_text
from registry.application.commands import Erased, data_key, next_steps
from registry.application.personal import Personal
from registry.domain.household import events

SEALED_FIELDS = {"pii"}
#: Free text officers write about a household, sealed with its key: shown only on the audited personal read.
SEALED_TEXT = {"ReviewDecided": "note", "HouseholdCorrected": "reason"}
#: Purposes of a personal read an officer picks from (or states in a sentence of real words).
PURPOSES = ("verification", "field_visit", "grievance", "payment_issue", "data_correction", "legal_request",
            "erasure_request", "audit")
_WORD = re.compile(r"[^\W\d_]{3,}")
_VOWELS = set("aeiouy")


def json_value(value: Any) -> Any:
    """A JSONB column as Python, whether the connection's codec decoded it already or not."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _household(row: asyncpg.Record) -> dict[str, Any]:
    return {"household_ref": str(row["household_id"]), "version": row["version"],
            "village_code": row["village_code"], "district_code": row["district_code"],
            "regency_code": row["regency_code"], "province_code": row["province_code"],
            "verification": row["verification"], "status": row["status"],
            "members": json_value(row["members"]), "attributes": json_value(row["attributes"]),
            "desil": row["desil"], "desil_province": row["desil_province"], "rule_version": row["rule_version"],
            "score": row["score"]}


async def household(driver: asyncpg.Connection, household_id: UUID) -> dict[str, Any]:
    row = await driver.fetchrow("SELECT * FROM households WHERE household_id = $1", household_id)
    if row is None:
        raise NotFound(f"household {household_id} is not in the register", field="household_id")
    return _household(row)


async def households(driver: asyncpg.Connection, *, village: str | None, verification: str | None,
                     desil: int | None, limit: int, offset: int) -> dict[str, Any]:
    where: list[str] = ["TRUE"]
    args: list[Any] = []
    if village:
        args.append(village + "%")
        where.append(f"village_code LIKE ${len(args)}")
    if verification:
        args.append(verification)
        where.append(f"verification = ${len(args)}")
    if desil:
        args.append(desil)
        where.append(f"desil = ${len(args)}")
    sql_where = " AND ".join(where)
    total = await driver.fetchval(f"SELECT count(*) FROM households WHERE {sql_where}", *args)
    rows = await driver.fetch(f"SELECT * FROM households WHERE {sql_where} ORDER BY household_id "
                              f"LIMIT {int(limit)} OFFSET {int(offset)}", *args)
    return {"total": total, "items": [_household(r) for r in rows]}


async def log_access(driver: asyncpg.Connection, household_id: UUID, *, actor: str, client_id: str | None,
                     purpose: str, channel: str) -> None:
    await driver.execute("INSERT INTO pii_access_log (actor, client_id, household_id, purpose, channel) "
                         "VALUES ($1, $2, $3, $4, $5)", actor, client_id, household_id, purpose, channel)


async def personal_data(driver: asyncpg.Connection, keyring: KeyRing, household_id: UUID, *, actor: str,
                        client_id: str | None, purpose: str, channel: str) -> dict[str, Any]:
    """Decrypt a household's personal data for an officer or a ministry, recording who, which, why."""
    row = await driver.fetchrow("SELECT pii, status FROM households WHERE household_id = $1", household_id)
    if row is None:
        raise NotFound(f"household {household_id} is not in the register", field="household_id")
    if row["pii"] is None:
        raise Erased("this household's personal data was erased (UU PDP request); nothing can be read")
    dek = await data_key(driver, keyring, household_id)
    await log_access(driver, household_id, actor=actor, client_id=client_id, purpose=purpose, channel=channel)
    notes = []
    for e in await driver.fetch("SELECT version, event_type, data, occurred_at, actor FROM events WHERE stream_id = $1 "
                                "AND event_type = ANY($2) ORDER BY version", household_id, list(SEALED_TEXT)):
        value = json_value(e["data"]).get(SEALED_TEXT[e["event_type"]])
        if value:
            text = unseal_text(dek, household_id.bytes, value)
            notes.append({"version": e["version"], "type": e["event_type"], "at": e["occurred_at"].isoformat(),
                          "actor": e["actor"], "text": value if text is None else text})
    return {"household_ref": str(household_id), **Personal.unseal(dek, household_id, row["pii"]).to_dict(),
            "notes": notes}


def check_purpose(purpose: str) -> str:
    """A personal read states why: a purpose from the list, or a sentence of at least two different real words
    (letters, with a vowel) — not `x`, `test` or `asdf asdf`."""
    if purpose in PURPOSES:
        return purpose
    words = {w.lower() for w in _WORD.findall(purpose) if _VOWELS & set(w.lower())}
    if len(words) < 2 or len("".join(words)) < 10 or len(set("".join(words))) < 5:
        raise ValidationFailed("state why you read personal data: one of " + ", ".join(PURPOSES)
                               + ", or a sentence of at least two real words", field="purpose")
    return purpose


async def find_by_nik(driver: asyncpg.Connection, keyring: KeyRing, nik: str) -> list[tuple[UUID, str]]:
    """(household, member_ref) of active members with this NIK, through the blind index."""
    rows = await driver.fetch("SELECT household_id, member_ref FROM person_index WHERE nik_hash = $1 AND active",
                              keyring.blind("nik", nik))
    return [(r["household_id"], r["member_ref"]) for r in rows]


async def find_by_kk(driver: asyncpg.Connection, keyring: KeyRing, kk: str) -> list[UUID]:
    rows = await driver.fetch("SELECT household_id FROM kk_index WHERE kk_hash = $1", keyring.blind("kk", kk))
    return [r["household_id"] for r in rows]


async def find_by_name(driver: asyncpg.Connection, keyring: KeyRing, village_code: str,
                       name: str) -> list[tuple[UUID, str]]:
    rows = await driver.fetch("SELECT household_id, member_ref FROM name_index WHERE name_hash = $1",
                              keyring.blind("name", f"{village_code}|{normalise_name(name)}"))
    return [(r["household_id"], r["member_ref"]) for r in rows]


async def history(driver: asyncpg.Connection, household_id: UUID) -> list[dict[str, Any]]:
    """The household's stream as ops see it: every event, personal fields shown only as `sealed`."""
    rows = await driver.fetch("SELECT version, event_type, schema_version, data, occurred_at, actor FROM events "
                              "WHERE stream_id = $1 ORDER BY version", household_id)
    if not rows:
        raise NotFound(f"household {household_id} is not in the register", field="household_id")
    out = []
    for r in rows:
        data = events.upcast(r["event_type"], r["schema_version"], json_value(r["data"]))
        data.pop("state", None)
        for key in SEALED_FIELDS & data.keys():
            data[key] = "sealed"
        if (text := SEALED_TEXT.get(r["event_type"])) and text in data:
            data[text] = "sealed"
        out.append({"version": r["version"], "type": r["event_type"], "at": r["occurred_at"].isoformat(),
                    "actor": r["actor"], "data": data})
    return out


async def review_queue(driver: asyncpg.Connection, status: str | None, limit: int, offset: int) -> dict[str, Any]:
    args: list[Any] = [status] if status else []
    where = "WHERE status = $1" if status else ""
    total = await driver.fetchval(f"SELECT count(*) FROM review_queue {where}", *args)
    rows = await driver.fetch(
        f"SELECT q.*, h.verification, NOT EXISTS (SELECT 1 FROM review_queue l WHERE l.household_id = q.household_id "
        f"AND l.id > q.id) AS latest FROM review_queue q LEFT JOIN households h USING (household_id) "
        f"{where.replace('status', 'q.status')} ORDER BY q.id LIMIT {int(limit)} OFFSET {int(offset)}", *args)
    return {"total": total, "items": [
        {"id": r["id"], "household_ref": str(r["household_id"]), "reasons": json_value(r["reasons"]),
         "status": r["status"], "proposed_by": r["proposed_by"], "proposal": r["proposal"],
         "decided_by": r["decided_by"], "opened_at": r["opened_at"].isoformat(),
         "household_verification": r["verification"],
         # the ways out: on the latest review of a household only (an older one was followed by another)
         "next": next_steps(r["household_id"], r["verification"] or "", dict(r)) if r["latest"] else []}
        for r in rows]}


async def access_log(driver: asyncpg.Connection, *, household_id: UUID | None, actor: str | None, limit: int,
                     offset: int) -> dict[str, Any]:
    where: list[str] = ["TRUE"]
    args: list[Any] = []
    if household_id:
        args.append(household_id)
        where.append(f"household_id = ${len(args)}")
    if actor:
        args.append(actor)
        where.append(f"actor = ${len(args)}")
    sql_where = " AND ".join(where)
    total = await driver.fetchval(f"SELECT count(*) FROM pii_access_log WHERE {sql_where}", *args)
    rows = await driver.fetch(f"SELECT * FROM pii_access_log WHERE {sql_where} ORDER BY id DESC "
                              f"LIMIT {int(limit)} OFFSET {int(offset)}", *args)
    return {"total": total, "items": [
        {"at": r["at"].isoformat(), "actor": r["actor"], "client_id": r["client_id"],
         "household_ref": str(r["household_id"]), "purpose": r["purpose"], "channel": r["channel"]} for r in rows]}


async def desil_as_of(driver: asyncpg.Connection, household_id: UUID, on: date) -> dict[str, Any]:
    """Which desil the household had on `on`, under which rule version (the snapshot in force that day)."""
    row = await driver.fetchrow(
        "SELECT r.snapshot, r.rule_version, r.effective_from, s.desil, s.desil_province, s.score "
        "FROM ranking_runs r LEFT JOIN desil_snapshots s ON s.snapshot = r.snapshot AND s.household_id = $1 "
        "WHERE r.effective_from <= $2 ORDER BY r.effective_from DESC, r.computed_at DESC LIMIT 1",
        household_id, on)
    if row is None:
        raise NotFound(f"no ranking was in force on {on.isoformat()}", field="on")
    if row["desil"] is None:
        raise NotFound(f"the household was not ranked in snapshot {row['snapshot']}", field="household_id")
    return {"household_ref": str(household_id), "on": on.isoformat(), "snapshot": row["snapshot"],
            "rule_version": row["rule_version"], "effective_from": row["effective_from"].isoformat(),
            "desil": row["desil"], "desil_province": row["desil_province"], "score": row["score"]}
