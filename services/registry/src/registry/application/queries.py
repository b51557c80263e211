"""Reads: the non-personal household view, personal data (every read recorded), history, queues, desil as of.

Each query takes the read-side adapter (`HouseholdReads`, `ReviewQueue`) built on the caller's transaction (the
unit of work's, or a read snapshot); DCI shares `personal_data` and `find_by_*`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

from gotong.domain.errors import NotFound, ValidationFailed
from registry.adapters.crypto import KeyRing, normalise_name, unseal_text
from registry.adapters.households import HouseholdKeys, HouseholdReads
from registry.adapters.reviews import ReviewQueue
from registry.application.commands import Erased, data_key, next_steps
from registry.application.personal import Personal
from registry.domain.household import events

SEALED_FIELDS = {"pii"}
#: Free text officers write about a household, sealed with its key: shown only on the audited personal read.
SEALED_TEXT = {"ReviewDecided": "note", "HouseholdCorrected": "reason"}
#: Sealed text the history hides (a proposal's note is read on the personal read through its decision).
HISTORY_SEALED_TEXT = {**SEALED_TEXT, "ReviewProposed": "note"}
#: Purposes of a personal read an officer picks from (or states in a sentence of real words).
PURPOSES = ("verification", "field_visit", "grievance", "payment_issue", "data_correction", "legal_request",
            "erasure_request", "audit")
_WORD = re.compile(r"[^\W\d_]{3,}")
_VOWELS = set("aeiouy")


def _missing(household_id: UUID) -> NotFound:
    return NotFound(f"household {household_id} is not in the register", field="household_id")


async def household(reads: HouseholdReads, household_id: UUID) -> dict[str, Any]:
    found = await reads.household(household_id)
    if found is None:
        raise _missing(household_id)
    return found


async def households(reads: HouseholdReads, *, village: str | None, verification: str | None,
                     desil: int | None, limit: int, offset: int) -> dict[str, Any]:
    total, items = await reads.households(village=village, verification=verification, desil=desil, limit=limit,
                                          offset=offset)
    return {"total": total, "items": items}


async def personal_data(reads: HouseholdReads, keyring: KeyRing, household_id: UUID, *, actor: str,
                        client_id: str | None, purpose: str, channel: str) -> dict[str, Any]:
    """Decrypt a household's personal data for an officer or a ministry, recording who, which, why."""
    known, pii = await reads.sealed(household_id)
    if not known:
        raise _missing(household_id)
    if pii is None:
        raise Erased("this household's personal data was erased (UU PDP request); nothing can be read")
    dek = await data_key(HouseholdKeys(reads.sql), keyring, household_id)
    await reads.log_access(household_id, actor=actor, client_id=client_id, purpose=purpose, channel=channel)
    notes = []
    for e in await reads.events_of(household_id, list(SEALED_TEXT)):
        value = e["data"].get(SEALED_TEXT[e["event_type"]])
        if value:
            text = unseal_text(dek, household_id.bytes, value)
            notes.append({"version": e["version"], "type": e["event_type"], "at": e["occurred_at"].isoformat(),
                          "actor": e["actor"], "text": value if text is None else text})
    return {"household_ref": str(household_id), **Personal.unseal(dek, household_id, pii).to_dict(),
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


async def find_by_nik(reads: HouseholdReads, keyring: KeyRing, nik: str) -> list[tuple[UUID, str]]:
    """(household, member_ref) of active members with this NIK, through the blind index."""
    return await reads.by_nik(keyring.blind("nik", nik))


async def find_by_kk(reads: HouseholdReads, keyring: KeyRing, kk: str) -> list[UUID]:
    return await reads.by_kk(keyring.blind("kk", kk))


async def find_by_name(reads: HouseholdReads, keyring: KeyRing, village_code: str,
                       name: str) -> list[tuple[UUID, str]]:
    return await reads.by_name(keyring.blind("name", f"{village_code}|{normalise_name(name)}"))


async def history(reads: HouseholdReads, household_id: UUID) -> list[dict[str, Any]]:
    """The household's stream as ops see it: every event, personal fields shown only as `sealed`."""
    rows = await reads.events_of(household_id)
    if not rows:
        raise _missing(household_id)
    out = []
    for r in rows:
        data = events.upcast(r["event_type"], r["schema_version"], dict(r["data"]))
        data.pop("state", None)
        for key in SEALED_FIELDS & data.keys():
            data[key] = "sealed"
        if (text := HISTORY_SEALED_TEXT.get(r["event_type"])) and text in data:
            data[text] = "sealed"
        out.append({"version": r["version"], "type": r["event_type"], "at": r["occurred_at"].isoformat(),
                    "actor": r["actor"], "data": data})
    return out


async def review_queue(reviews: ReviewQueue, status: str | None, limit: int, offset: int,
                       **filters: Any) -> dict[str, Any]:
    """`filters`: `reason`, `region`, `opened_before` (see `ReviewQueue.page`)."""
    total, exact, rows = await reviews.page(status, limit, offset, **filters)
    return {"total": total, "total_relation": "eq" if exact else "gte", "items": [
        {"id": r["id"], "household_ref": str(r["household_id"]), "reasons": r["reasons"],
         "status": r["status"], "proposed_by": r["proposed_by"], "proposal": r["proposal"],
         "decided_by": r["decided_by"], "opened_at": r["opened_at"].isoformat(),
         "household_verification": r["verification"], "village_code": r["village_code"],
         # the ways out: on the latest review of a household only (an older one was followed by another)
         "next": next_steps(r["household_id"], r["verification"] or "", r) if r["latest"] else []}
        for r in rows]}


async def access_log(reads: HouseholdReads, *, household_id: UUID | None, actor: str | None, limit: int,
                     offset: int) -> dict[str, Any]:
    total, items = await reads.access_log(household_id=household_id, actor=actor, limit=limit, offset=offset)
    return {"total": total, "items": items}


async def desil_as_of(reads: HouseholdReads, household_id: UUID, on: date) -> dict[str, Any]:
    """Which desil the household had on `on`, under which rule version (the snapshot in force that day)."""
    row = await reads.desil_as_of(household_id, on)
    if row is None:
        raise NotFound(f"no ranking was in force on {on.isoformat()}", field="on")
    if row["desil"] is None:
        raise NotFound(f"the household was not ranked in snapshot {row['snapshot']}", field="household_id")
    return {"household_ref": str(household_id), "on": on.isoformat(), "snapshot": row["snapshot"],
            "rule_version": row["rule_version"], "effective_from": row["effective_from"].isoformat(),
            "desil": row["desil"], "desil_province": row["desil_province"], "score": row["score"]}
