"""Command handlers: load -> decide in the case -> `uow.save`. The kit commits."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork
from gotong.domain.errors import Forbidden, NotFound
from grievance.adapters.reads import CaseReads
from grievance.adapters.sealing import CaseKeys, KeyRing, new_case_key, seal, unseal
from grievance.application.inputs import CaseSubmit, Evidence, Investigate, Proposal, Triage
from grievance.application.regions import check_region
from grievance.domain.case import REGION, Case
from grievance.domain.catalogue import Channel
from grievance.domain.events import events

cases = Repository(Case, events)
#: Crockford base32 without I, L, O, U: easy to read out over the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class Deps:
    keyring: KeyRing


def tracking_number() -> str:
    """Random, 60 bits: `GRV-XXXX-XXXX-XXXX`. Knowing it is what lets a citizen check the case without login."""
    bits = secrets.randbits(60)  # one draw from the OS, five bits a character (a choice a character cost 12)
    raw = "".join(_ALPHABET[(bits >> shift) & 31] for shift in range(55, -1, -5))
    return f"GRV-{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def summary(case: Case) -> dict[str, Any]:
    """The officers' view: codes and references, no personal data."""
    return {"id": str(case.id), "tracking_number": case.tracking_number, "kind": case.kind,
            "category": case.category, "status": case.status, "region_code": case.region_code,
            "subject_ref": case.subject_ref, "anonymous": case.anonymous, "officer": case.officer,
            "due_at": case.due_at, "evidence": case.evidence,
            "proposal": case.proposal.model_dump() if case.proposal else None, "outcome": case.outcome,
            "reason_code": case.reason_code, "decided_by": case.decided_by, "appealed": case.appealed,
            "follow_up": case.follow_up, "follow_ups": case.follow_ups, "version": case.version}


def receive(deps: Deps, body: CaseSubmit, *, channel: Channel, by: str, now: datetime,
            dek: bytes) -> Case:
    """The new case, its personal fields sealed under `dek` (not saved: `submit` saves it; the public hot path
    writes it in one statement)."""
    case_id = uuid4()
    if REGION.fullmatch(body.region_code):  # a malformed code is the aggregate's to refuse
        check_region(body.region_code)
    reporter = body.reporter.model_dump() if body.reporter is not None and not body.anonymous else None
    return Case.receive(
        case_id, kind=body.kind, category=body.category, channel=channel, region_code=body.region_code,
        tracking_number=tracking_number(), subject_ref=body.subject_ref, anonymous=body.anonymous,
        sealed_details=seal(dek, case_id, body.details.model_dump()),
        sealed_reporter=seal(dek, case_id, reporter) if reporter is not None else None,
        submitted_by=by, now=now)


def submitted(case: Case, channel: Channel) -> dict[str, Any]:
    """The answer to a submission: the public gets the tracking number, status and due date, not the id."""
    answer = {"tracking_number": case.tracking_number, "status": case.status, "due_at": case.due_at}
    return answer if channel == "public" else {"id": str(case.id), **answer}


async def submit(uow: UnitOfWork, deps: Deps, body: CaseSubmit, *, channel: Channel, by: str) -> dict[str, Any]:
    dek, wrapped = new_case_key(deps.keyring)
    case = receive(deps, body, channel=channel, by=by, now=uow.clock.now(), dek=dek)
    await uow.adapter(CaseKeys).store(case.id, wrapped)
    await uow.save(case)
    return submitted(case, channel)


async def _case(uow: UnitOfWork, case_id: UUID) -> Case:
    return await uow.get(cases, case_id, field="case_id")


async def triage(uow: UnitOfWork, case_id: UUID, body: Triage, by: str) -> dict[str, Any]:
    case = await _case(uow, case_id)
    case.triage(body.officer, by, uow.clock.now())
    await uow.save(case)
    return summary(case)


async def investigate(uow: UnitOfWork, case_id: UUID, body: Investigate, by: str) -> dict[str, Any]:
    case = await _case(uow, case_id)
    case.investigate(body.field_verification, by, uow.clock.now())
    await uow.save(case)
    return summary(case)


async def attach_evidence(uow: UnitOfWork, case_id: UUID, body: Evidence, by: str) -> dict[str, Any]:
    case = await _case(uow, case_id)
    if case.attach_evidence(body.sha256, body.media_type, by, uow.clock.now()):
        await uow.save(case)
    return summary(case)


async def propose(uow: UnitOfWork, case_id: UUID, body: Proposal, by: str) -> dict[str, Any]:
    case = await _case(uow, case_id)
    case.propose_decision(body.outcome, body.reason_code, by, uow.clock.now())
    await uow.save(case)
    return summary(case)


async def decide(uow: UnitOfWork, case_id: UUID, by: str) -> dict[str, Any]:
    case = await _case(uow, case_id)
    case.decide(by, uow.clock.now())
    await uow.save(case)
    return summary(case)


async def close(uow: UnitOfWork, case_id: UUID, by: str) -> dict[str, Any]:
    case = await _case(uow, case_id)
    case.close(by, uow.clock.now())
    await uow.save(case)
    return summary(case)


async def appeal(uow: UnitOfWork, case_id: UUID, by: str) -> dict[str, Any]:
    case = await _case(uow, case_id)
    case.appeal(by, uow.clock.now())
    await uow.save(case)
    return summary(case)


async def public_appeal(uow: UnitOfWork, tracking: str) -> dict[str, Any]:
    case_id = await uow.adapter(CaseReads).case_id_by_tracking_number(tracking)
    if case_id is None:
        raise NotFound("no case has this tracking number", field="tracking_number")
    case = await _case(uow, case_id)
    case.appeal("public", uow.clock.now())
    await uow.save(case)
    return {"tracking_number": tracking, "status": case.status, "due_at": case.due_at}


async def erase(uow: UnitOfWork, case_id: UUID, by: str) -> dict[str, Any]:
    case = await _case(uow, case_id)
    case.erase_personal_data(by, uow.clock.now())
    await uow.adapter(CaseKeys).destroy(case_id)
    await uow.save(case)
    return summary(case)


async def personal(uow: UnitOfWork, deps: Deps, case_id: UUID) -> dict[str, Any]:
    """The sealed details for the officer handling the case. An anonymous reporter is never revealed: the
    identity was not kept in the first place."""
    case = await _case(uow, case_id)
    dek = await uow.adapter(CaseKeys).get(deps.keyring, case_id)
    if case.erased or dek is None:
        raise Forbidden("this case's personal data was erased", field="case_id")
    return {"details": unseal(dek, case_id, case.sealed_details),
            "reporter": unseal(dek, case_id, case.sealed_reporter) if case.sealed_reporter else None,
            "anonymous": case.anonymous}
