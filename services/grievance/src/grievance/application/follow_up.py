"""Closing the loop: the worker that asks the owning service to act on an upheld case and records its answer.

The request is in the `follow_ups` outbox, written in the transaction that decided the case. One request at a
time is claimed (`FOR UPDATE SKIP LOCKED`), sent, and its answer recorded on the case in the same transaction
that removes it from the outbox. A service that is away (network error, 5xx, 429, refused credentials) is
asked again later with backoff; a 4xx answer is the service's decision and is recorded as `refused`.

What is asked, by kind (the owning service decides; only codes and references are sent, never the details, the
reporter or anything sealed):
- an upheld sanggah: the registry flags the household for review (`inclusion` or `desil`, once per case);
- an upheld usul about a household in the register: the registry flags it for review (`reassessment`);
  about a household not in it: the registry opens a registration request for the case's region, which a village
  officer completes by registering the household;
- an upheld payment complaint that aid was not received: disbursement reissues the payment (a failed or returned
  one; it refuses others);
- an upheld payment complaint of a wrong amount: disbursement opens an `amount_disputed` reconciliation exception
  on the paid payment, referenced by the case's id (once per case; it refuses a payment not paid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from uuid import UUID

from gotong.application.uow import UnitOfWork, UnitOfWorkFactory
from grievance.adapters.reads import FollowUps
from grievance.application.commands import cases
from grievance.domain.catalogue import FollowUpResult


@dataclass(frozen=True)
class Answer:
    status_code: int
    code: str = ""


class Unreachable(Exception):
    """The owning service could not be asked (network, token): try again later."""


class Owners(Protocol):
    async def registry_review(self, household_id: UUID, case_id: UUID, reason: str, key: str) -> Answer: ...

    async def registry_registration(self, region_code: str, case_id: UUID, key: str) -> Answer: ...

    async def disbursement_reissue(self, payment_id: UUID, key: str) -> Answer: ...

    async def disbursement_exception(self, payment_id: UUID, case_id: UUID, key: str) -> Answer: ...


def _transient(status: int) -> bool:
    return status >= 500 or status in (401, 403, 408, 429)


async def step(uow: UnitOfWork, owners: Owners) -> bool:
    """Send one due request and record its answer; False when nothing is due."""
    outbox = uow.adapter(FollowUps)
    now = uow.clock.now()
    job = await outbox.claim(now)
    if job is None:
        return False
    case_id: UUID = job["case_id"]
    case = await uow.get(cases, case_id, field="case_id")
    action = job["action"]
    key = f"grievance:{case_id}:{job['decision_version']}"
    retry_at = now + timedelta(seconds=min(3600, 5 * 2 ** min(int(job["attempts"]), 10)))
    result: FollowUpResult
    status: int | None = None
    try:
        answer = await _ask(owners, action, case.kind, case.category, case.subject_ref, case.region_code,
                            case_id, key)
    except Unreachable as err:
        await outbox.retry_later(case_id, retry_at, str(err))
        return True
    except ValueError:  # the case names no household or payment the owner could act on
        answer = None
    if answer is None:
        result, detail = "refused", "the case names no valid reference to act on"
    elif _transient(answer.status_code):
        await outbox.retry_later(case_id, retry_at, f"HTTP {answer.status_code} {answer.code}".strip())
        return True
    else:
        status = answer.status_code
        result = "done" if 200 <= status < 300 else "refused"
        detail = answer.code or ("accepted" if result == "done" else f"HTTP {status}")
    case.record_follow_up(action, result, status, detail, now)
    await uow.save(case)
    return True


async def _ask(owners: Owners, action: str, kind: str, category: str, subject_ref: str | None,
               region_code: str, case_id: UUID, key: str) -> Answer:
    """Ask the owning service to act on the upheld case (ValueError: the case's reference is not an id)."""
    if action == "registry_registration":  # an usul: re-assess a listed household, or register a missing one
        if subject_ref:
            return await owners.registry_review(UUID(str(subject_ref)), case_id, "reassessment", key)
        return await owners.registry_registration(region_code, case_id, key)
    ref = UUID(str(subject_ref))
    if action == "registry_review":
        return await owners.registry_review(ref, case_id, category if category in ("inclusion", "desil")
                                            else "inclusion", key)
    if action == "disbursement_exception":
        return await owners.disbursement_exception(ref, case_id, key)
    return await owners.disbursement_reissue(ref, key)


async def drain(units: UnitOfWorkFactory, owners: Owners, limit: int = 50) -> int:
    """Work through the due requests, one transaction each; how many were handled."""
    done = 0
    while done < limit:
        async with units.begin() as uow:
            if not await step(uow, owners):
                return done
        done += 1
    return done
