"""Payments after instruction: channel reports (on-disburse, txn on-status), reissue, exceptions for ops.

Every status a payment reaches is a `PaymentRecorded` on its own stream (one stream per payment; versions
keep its history in order). Reports are applied under a row lock, so a repeated or concurrent report of the
same outcome changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from disbursement.adapters.g2p import DisbursementStatus, amount_rupiah, split_reference
from disbursement.domain.reconciliation import Report, apply_report
from gotong.contracts.disbursement import PaymentRecorded
from gotong.domain.errors import InvalidTransition, NotFound
from gotong.eventstore import EventData, EventMetadata, EventStoreTx
from gotong.eventstore.model import AppendRequest
from gotong.eventstore.postgres import driver_connection

_PAYMENT = """
SELECT p.*, c.period, c.status AS cycle_status, g.code AS program_code, g.funding_source, g.csr_allocation_id
FROM payments p JOIN cycles c USING (cycle_id) JOIN programs g ON g.program_id = p.program_id
WHERE p.payment_id = $1 FOR UPDATE OF p
"""


def payment_event(row: Any, status: str, amount: int, attempt: int, now: datetime) -> PaymentRecorded:
    return PaymentRecorded(
        payment_id=str(row["payment_id"]), household_ref=row["household_ref"], program_id=str(row["program_id"]),
        program_code=row["program_code"], cycle_id=str(row["cycle_id"]), period=row["period"], amount=amount,
        region_code=row["village_code"], province_code=row["province_code"], regency_code=row["regency_code"],
        desil=row["desil"], funding_source=row["funding_source"], csr_allocation_id=row["csr_allocation_id"],
        status=status, attempt=attempt, occurred_at=now.isoformat())


async def _append(tx: EventStoreTx, row: Any, event: PaymentRecorded, meta: EventMetadata) -> None:
    await tx.append(row["payment_id"], "payment", row["version"], [
        EventData(event.event_type, event.model_dump(mode="json"), event.schema_version, metadata=meta)])


_PAYMENTS = _PAYMENT.replace("WHERE p.payment_id = $1 FOR UPDATE OF p",
                             "WHERE p.payment_id = ANY($1::uuid[]) ORDER BY p.payment_id FOR UPDATE OF p")


def _payment_id(reference_id: str) -> tuple[UUID, int] | None:
    parsed = split_reference(reference_id)
    if parsed is None:
        return None
    try:
        return UUID(parsed[0]), parsed[1]
    except ValueError:
        return None


async def record_reports(tx: EventStoreTx, statuses: list[DisbursementStatus], meta: EventMetadata) -> dict[str, int]:
    """Apply a callback's reports in one go: the payments locked in id order, the decisions made in report
    order (a payment reported twice in one message sees its own first change), then one bulk update and one
    bulk append of the `PaymentRecorded` events."""
    driver = await driver_connection(tx.connection, begin=False)
    outcome = {"applied": 0, "ignored": 0, "exceptions": 0, "unknown": 0}
    parsed = [(s, _payment_id(s.reference_id)) for s in statuses]
    ids = sorted({p[0] for _, p in parsed if p is not None})
    rows = {r["payment_id"]: dict(r) for r in await driver.fetch(_PAYMENTS, ids)} if ids else {}
    appends: list[AppendRequest] = []
    exceptions: list[tuple[Any, ...]] = []
    changed: dict[UUID, dict[str, Any]] = {}
    now = datetime.now(UTC)
    for s, ref in parsed:
        row = rows.get(ref[0]) if ref is not None else None
        if row is None or ref is None:
            outcome["unknown"] += 1
            continue
        returned = (s.instruction or "").lower() == "returned" or \
            (s.status_reason_message or "").lower().startswith("returned")
        report = Report(attempt=ref[1], status=s.status, amount=amount_rupiah(s.amount), returned=returned,
                        reason=s.status_reason_message or s.status_reason_code)
        effect = apply_report(row["status"], row["attempt"], row["amount"], report)
        if effect.exception:
            exceptions.append((row["payment_id"], row["cycle_id"], row["attempt"], effect.exception, row["amount"],
                               effect.confirmed_amount, (effect.reason or "")[:300]))
            outcome["exceptions"] += 1
        if effect.new_status is None:
            outcome["ignored"] += 1
            continue
        amount = effect.confirmed_amount if effect.new_status == "paid" and effect.confirmed_amount is not None \
            else row["amount"]
        event = payment_event(row, effect.new_status, amount, row["attempt"], now)
        appends.append(AppendRequest(row["payment_id"], "payment", row["version"], [EventData(
            event.event_type, event.model_dump(mode="json"), event.schema_version, metadata=meta)]))
        row.update(status=effect.new_status, confirmed_amount=effect.confirmed_amount, version=row["version"] + 1)
        changed[row["payment_id"]] = row
        outcome["applied"] += 1
    if appends:
        await tx.append_batch(appends)
        await driver.execute(
            "UPDATE payments p SET status = u.status, confirmed_amount = u.confirmed, confirmed_at = $5, "
            "version = u.version FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::int[]) "
            "AS u(id, status, confirmed, version) WHERE p.payment_id = u.id",
            list(changed), [r["status"] for r in changed.values()],
            [r["confirmed_amount"] for r in changed.values()], [r["version"] for r in changed.values()], now)
    if exceptions:
        await driver.executemany(
            "INSERT INTO reconciliation_exceptions (payment_id, cycle_id, attempt, kind, instructed_amount, "
            "confirmed_amount, reason) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ON CONSTRAINT "
            "exception_once DO NOTHING", exceptions)
    return outcome


async def reissue(tx: EventStoreTx, payment_id: UUID, by: str, meta: EventMetadata) -> dict[str, Any]:
    """A failed or returned payment is instructed again as a new attempt (a new reference for the channel);
    its open exceptions are resolved as `reissued`."""
    driver = await driver_connection(tx.connection, begin=False)
    row = await driver.fetchrow(_PAYMENT, payment_id)
    if row is None:
        raise NotFound(f"payment {payment_id} does not exist", field="payment_id")
    if row["status"] not in ("failed", "returned"):
        raise InvalidTransition(f"only a failed or returned payment can be reissued; this one is {row['status']}",
                                field="status")
    if row["cycle_status"] != "paying":
        raise InvalidTransition(f"the cycle is {row['cycle_status']}; payments are reissued while it is paying",
                                field="cycle_status")
    attempt = row["attempt"] + 1
    now = datetime.now(UTC)
    await _append(tx, row, payment_event(row, "reissued", row["amount"], attempt, now), meta)
    await driver.execute(
        "UPDATE payments SET status = 'reissued', attempt = $2, sent_at = NULL, "
        "transaction_id = NULL, confirmed_amount = NULL, confirmed_at = NULL, status_checked_at = NULL, "
        "version = version + 1, instructed_at = $3 WHERE payment_id = $1",
        payment_id, attempt, now)
    await driver.execute(
        "UPDATE reconciliation_exceptions SET status = 'resolved', resolution = 'reissued', resolved_by = $2, "
        "resolved_at = now() WHERE payment_id = $1 AND status = 'open'", payment_id, by)
    return {"payment_id": str(payment_id), "status": "reissued", "attempt": attempt}


async def reissue_failed(tx: EventStoreTx, cycle_id: UUID, by: str, meta: EventMetadata) -> dict[str, Any]:
    driver = await driver_connection(tx.connection, begin=False)
    ids = await driver.fetch("SELECT payment_id FROM payments WHERE cycle_id = $1 AND status = 'failed' "
                             "AND program_id = (SELECT program_id FROM cycles WHERE cycle_id = $1) "
                             "ORDER BY payment_id", cycle_id)
    for r in ids:
        await reissue(tx, r["payment_id"], by, meta)
    return {"cycle_id": str(cycle_id), "reissued": len(ids)}


async def resolve_exception(tx: EventStoreTx, exception_id: UUID, by: str, resolution: str) -> dict[str, Any]:
    driver = await driver_connection(tx.connection, begin=False)
    row = await driver.fetchrow("UPDATE reconciliation_exceptions SET status = 'resolved', resolution = $2, "
                                "resolved_by = $3, resolved_at = now() WHERE exception_id = $1 AND status = 'open' "
                                "RETURNING exception_id", exception_id, resolution, by)
    if row is None:
        exists = await driver.fetchval("SELECT status FROM reconciliation_exceptions WHERE exception_id = $1",
                                       exception_id)
        if exists is None:
            raise NotFound(f"exception {exception_id} does not exist", field="exception_id")
        raise InvalidTransition(f"the exception is {exists} already", field="status")
    return {"exception_id": str(exception_id), "status": "resolved", "resolution": resolution}


async def list_exceptions(driver: Any, cycle_id: UUID | None, status: str | None) -> list[dict[str, Any]]:
    rows = await driver.fetch(
        "SELECT * FROM reconciliation_exceptions WHERE ($1::uuid IS NULL OR cycle_id = $1) "
        "AND ($2::text IS NULL OR status = $2) ORDER BY created_at LIMIT 1000", cycle_id, status)
    return [{"exception_id": str(r["exception_id"]), "payment_id": str(r["payment_id"]),
             "cycle_id": str(r["cycle_id"]), "attempt": r["attempt"], "kind": r["kind"],
             "instructed_amount": r["instructed_amount"], "confirmed_amount": r["confirmed_amount"],
             "reason": r["reason"], "status": r["status"], "resolution": r["resolution"],
             "created_at": r["created_at"].isoformat()} for r in rows]
