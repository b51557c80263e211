"""Payment commands after instruction: channel reports (on-disburse, txn on-status), reissue, resolving
exceptions. Each payment is an aggregate (its state from its events); its read row and exceptions are
projected when it is saved. Reports are applied with the payments' rows locked in id order, so a repeated or
concurrent report of the same outcome changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from disbursement.adapters.callbacks import ReceivedCallbacks
from disbursement.adapters.g2p import DisbursementStatus, amount_rupiah, split_reference
from disbursement.adapters.tables import PaymentTable
from disbursement.application.cycles import cycles
from disbursement.domain.payment import Payment, registry
from disbursement.domain.reconciliation import Report
from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork
from gotong.domain.errors import NotFound

payments: Repository[Payment] = Repository(Payment, registry)


def _payment_id(reference_id: str) -> tuple[UUID, int] | None:
    parsed = split_reference(reference_id)
    if parsed is None:
        return None
    try:
        return UUID(parsed[0]), parsed[1]
    except ValueError:
        return None


def _report(s: DisbursementStatus, attempt: int) -> Report:
    returned = (s.instruction or "").lower() == "returned" or \
        (s.status_reason_message or "").lower().startswith("returned")
    return Report(attempt=attempt, status=s.status, amount=amount_rupiah(s.amount), returned=returned,
                  reason=s.status_reason_message or s.status_reason_code)


async def record_reports(uow: UnitOfWork, statuses: list[DisbursementStatus],
                         transaction_id: str | None = None) -> dict[str, int]:
    """Apply a callback's reports: the payments locked in id order, the reports applied in their order (a
    payment reported twice in one message sees its own first change), each payment saved once.

    `transaction_id`: the sender's transaction the reports answer (an on-disburse echoes its disburse message's).
    A payment of the attempt reported that has none noted takes it: the dispatcher died after the channel took
    the message and before it noted the transaction (bookkeeping, as `sent_at`: `PaymentTable.note_transaction`)."""
    outcome = {"applied": 0, "ignored": 0, "exceptions": 0, "unknown": 0}
    parsed = [(s, _payment_id(s.reference_id)) for s in statuses]
    known = await uow.adapter(PaymentTable).lock(sorted({p[0] for _, p in parsed if p is not None}))
    loaded: dict[UUID, Payment] = {}
    now = uow.clock.now()
    for s, ref in parsed:
        if ref is None or ref[0] not in known:
            outcome["unknown"] += 1
            continue
        payment = loaded.get(ref[0])
        if payment is None:
            payment = loaded[ref[0]] = await uow.get(payments, ref[0], field="payment_id")
        effect = payment.report(_report(s, ref[1]), now=now)
        if effect.exception:
            outcome["exceptions"] += 1
        outcome["applied" if effect.new_status is not None else "ignored"] += 1
    for payment in loaded.values():
        if payment.pending_events:
            await uow.save(payment)
    unnoted = [ref for _, ref in parsed if ref is not None and known.get(ref[0]) is False]
    if transaction_id and unnoted:  # seldom: only after a dispatcher died between the channel's ack and its note
        await uow.adapter(PaymentTable).note_transaction(unnoted, transaction_id)
    return outcome


@dataclass(frozen=True)
class SignedCallback:
    """Who sent a verified callback and which message it is: what the replay guard remembers."""

    sender_id: str
    message_id: str
    action: str
    digest: str
    expires_at: datetime


async def record_callback(uow: UnitOfWork, callback: SignedCallback, statuses: list[DisbursementStatus],
                          transaction_id: str | None = None) -> dict[str, int] | None:
    """Apply a verified callback's reports once: None, changing nothing, when this message was accepted before
    (a replay: the same signed message sent again, on this replica or another)."""
    if not await uow.adapter(ReceivedCallbacks).record(callback.sender_id, callback.message_id, callback.action,
                                                       callback.digest, callback.expires_at):
        return None
    return await record_reports(uow, statuses, transaction_id)


async def forget_expired_callbacks(uow: UnitOfWork, skew_s: int) -> int:
    """The replay guard need not remember callbacks whose signature expired: a replay of one is refused as such."""
    return await uow.adapter(ReceivedCallbacks).forget_expired(uow.clock.now() - timedelta(seconds=skew_s + 60))


async def reissue(uow: UnitOfWork, payment_id: UUID, by: str) -> dict[str, Any]:
    """A failed or returned payment is instructed again as a new attempt (a new reference for the channel);
    its open exceptions are resolved as `reissued`."""
    payment = await uow.find(payments, payment_id)
    if payment is None:
        raise NotFound(f"payment {payment_id} does not exist", field="payment_id")
    assert payment.terms is not None
    cycle = await uow.get(cycles, payment.terms.cycle_id, field="cycle_id")
    payment.reissue(cycle_status=cycle.status, by=by, now=uow.clock.now())
    await uow.save(payment)
    return {"payment_id": str(payment_id), "status": "reissued", "attempt": payment.attempt}


async def dispute_amount(uow: UnitOfWork, payment_id: UUID, reference: str) -> tuple[bool, dict[str, Any]]:
    """An upheld "wrong amount" complaint opens an `amount_disputed` exception on the paid payment (one per
    reference: asked again, the same exception); True when it was raised now."""
    payment = await uow.find(payments, payment_id)
    if payment is None:
        raise NotFound(f"payment {payment_id} does not exist", field="payment_id")
    found, created = payment.dispute_amount(reference, now=uow.clock.now())
    if created:
        await uow.save(payment)
    return created, {"exception_id": str(found.exception_id), "payment_id": str(payment_id), "kind": found.kind,
                     "status": found.status}


async def reissue_failed(uow: UnitOfWork, cycle_id: UUID, by: str) -> dict[str, Any]:
    ids = await uow.adapter(PaymentTable).failed(cycle_id)
    for payment_id in ids:
        await reissue(uow, payment_id, by)
    return {"cycle_id": str(cycle_id), "reissued": len(ids)}


async def resolve_exception(uow: UnitOfWork, exception_id: UUID, by: str, resolution: str) -> dict[str, Any]:
    payment_id = await uow.adapter(PaymentTable).of_exception(exception_id)
    payment = await uow.find(payments, payment_id) if payment_id is not None else None
    if payment is None:
        raise NotFound(f"exception {exception_id} does not exist", field="exception_id")
    payment.resolve_exception(exception_id, resolution=resolution, by=by, now=uow.clock.now())
    await uow.save(payment)
    return {"exception_id": str(exception_id), "status": "resolved", "resolution": resolution}
