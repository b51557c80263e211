"""Cycle use cases: open, compute entitlements in bulk, review, approve (maker–checker, budget), instruct
payments, close and reconcile. Bulk steps are set-based (COPY, INSERT … SELECT), never a row at a time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from uuid6 import uuid7

from disbursement.application.households import iter_candidates
from disbursement.application.programs import UNLINKED_ALLOCATION, budget_remaining, get_program
from disbursement.domain.cycle import Cycle, registry
from disbursement.domain.eligibility import Household, evaluate
from disbursement.domain.programs import ProgramDefinition
from gotong.application.repository import Repository
from gotong.domain.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from gotong.eventstore import EventMetadata, EventStoreTx
from gotong.eventstore.postgres import PostgresEventStore, driver_connection

repo: Repository[Cycle] = Repository(Cycle, registry)
Progress = Callable[[int, int], None]

PERIOD_PATTERN = r"^\d{4}-(Q[1-4]|M(0[1-9]|1[0-2])|T[1-9])$"


def _now() -> str:
    return datetime.now(UTC).isoformat()


async def _cycle_row(driver: Any, cycle_id: UUID) -> Any:
    row = await driver.fetchrow("SELECT * FROM cycles WHERE cycle_id = $1", cycle_id)
    if row is None:
        raise NotFound(f"cycle {cycle_id} does not exist", field="cycle_id")
    return row


async def _load(tx: EventStoreTx, cycle_id: UUID) -> Cycle:
    cycle = await repo.find(tx, cycle_id)
    if cycle is None:
        raise NotFound(f"cycle {cycle_id} does not exist", field="cycle_id")
    return cycle


async def open_cycle(tx: EventStoreTx, program: str, period: str, cutoff: date, by: str,
                     meta: EventMetadata) -> dict[str, Any]:
    driver = await driver_connection(tx.connection, begin=False)
    pid, definition = await get_program(driver, program)
    if definition.csr_allocation_id == UNLINKED_ALLOCATION:
        raise Conflict(f"{definition.code} is CSR-funded and no approved CSR allocation is linked to it yet",
                       field="program")
    if await driver.fetchval("SELECT 1 FROM cycles WHERE program_id = $1 AND period = $2", pid, period):
        raise Conflict(f"{definition.code} already has a cycle for {period}", field="period")
    cycle = Cycle.open(uuid7(), program_id=str(pid), program_code=definition.code, period=period,
                       cutoff=cutoff.isoformat(), rule_version=definition.rule_version, by=by, now=_now())
    await repo.save(tx, cycle, meta)
    await driver.execute(
        "INSERT INTO cycles (cycle_id, program_id, period, cutoff, status, rule_version, opened_by, opened_at) "
        "VALUES ($1, $2, $3, $4, 'open', $5, $6, now())", cycle.id, pid, period, cutoff, definition.rule_version,
        by)
    return await cycle_view(driver, cycle.id)


async def cycle_view(driver: Any, cycle_id: UUID) -> dict[str, Any]:
    row = await _cycle_row(driver, cycle_id)
    counts = await driver.fetchrow(
        "SELECT count(*) FILTER (WHERE status <> 'cancelled') AS entitlements, "
        "count(*) FILTER (WHERE status = 'held') AS held, "
        "coalesce(sum(amount) FILTER (WHERE status <> 'cancelled'), 0) AS amount FROM entitlements "
        "WHERE cycle_id = $1", cycle_id)
    pays = await driver.fetch("SELECT status, count(*) AS n, coalesce(sum(amount), 0) AS amount FROM payments "
                              "WHERE program_id = $2 AND cycle_id = $1 GROUP BY status", cycle_id,
                              row["program_id"])
    code = await driver.fetchval("SELECT code FROM programs WHERE program_id = $1", row["program_id"])
    return {
        "cycle_id": str(row["cycle_id"]), "program_id": str(row["program_id"]), "program_code": code,
        "period": row["period"], "cutoff": row["cutoff"].isoformat(), "status": row["status"],
        "rule_version": row["rule_version"], "households": row["households"], "held": row["held"],
        "total_amount": row["total_amount"], "opened_by": row["opened_by"], "computed_by": row["computed_by"],
        "reviewed_by": row["reviewed_by"], "approved_by": row["approved_by"],
        "approved_at": row["approved_at"].isoformat() if row["approved_at"] else None,
        "progress": {"entitlements": counts["entitlements"], "held": counts["held"],
                     "entitled_amount": int(counts["amount"]),
                     "candidates": await driver.fetchval("SELECT count(*) FROM households WHERE NOT erased")
                     if row["status"] == "open" else None},
        "payments": {r["status"]: {"count": r["n"], "amount": int(r["amount"])} for r in pays},
    }


@dataclass
class ComputeResult:
    households: int
    held: int
    total_amount: int


async def compute(store: PostgresEventStore, cycle_id: UUID, by: str, meta: EventMetadata,
                  progress: Progress | None = None, batch: int = 20_000) -> dict[str, Any]:
    """Entitlements in batches (each committed; unique per program, cycle and household, so a rerun after a
    crash resumes and never doubles), then the cycle moves to `computed` in one last transaction."""
    async with store.transaction() as tx:
        cycle = await _load(tx, cycle_id)
        cycle.require_computable()
        driver = await driver_connection(tx.connection, begin=False)
        row = await _cycle_row(driver, cycle_id)
        pid, definition = await get_program(driver, str(row["program_id"]))
        excluded = await _excluded(driver, definition, row["period"])
        estimate = await driver.fetchval("SELECT count(*) FROM households WHERE NOT erased")
    done = 0
    async with store.engine.connect() as conn:
        reader = await driver_connection(conn, begin=False)  # autocommit reads, keyset-paged
        # One computation of a cycle at a time (held for this connection's life; a killed process lets go).
        if not await reader.fetchval("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", f"compute:{cycle_id}"):
            raise InvalidTransition("entitlements of this cycle are being computed right now", field="status")
        fetching: asyncio.Future[list[Household]] | None = None
        writing: asyncio.Task[None] | None = None
        try:
            # A first run copies straight into the table; a rerun after a crash skips what is there already.
            fresh = not await reader.fetchval("SELECT EXISTS (SELECT 1 FROM entitlements WHERE cycle_id = $1)",
                                              cycle_id)
            # A pipeline: PostgreSQL reads the next batch and writes the last one while Python evaluates this one.
            batches = iter_candidates(reader, definition, None, batch)
            fetching = asyncio.ensure_future(anext(batches))
            while True:
                try:
                    households = await fetching
                except StopAsyncIteration:
                    break
                fetching = asyncio.ensure_future(anext(batches))
                records = []
                for h in households:
                    d = evaluate(definition, h, row["cutoff"],
                                 other_programs=excluded.get(h.household_ref, frozenset()))
                    if d.outcome != "not_eligible":
                        records.append((cycle_id, pid, h.household_ref, d.amount,
                                        "held" if d.outcome == "held" else "eligible", d.members_counted, h.desil,
                                        h.desil_rule_version, h.household_version, h.village_code, h.regency_code,
                                        h.province_code, h.desil_snapshot))
                if writing is not None:
                    await writing
                writing = asyncio.create_task(_write_batch(store, records, fresh))
                done += len(households)
                if progress:
                    progress(done, estimate)
            if writing is not None:
                await writing
        finally:  # the connection goes back to the pool: never with the lock still held
            for pending in (fetching, writing):
                if pending is not None and not pending.done():
                    pending.cancel()
                    with contextlib.suppress(BaseException):
                        await pending
            await reader.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", f"compute:{cycle_id}")
    async with store.transaction() as tx:
        cycle = await _load(tx, cycle_id)
        driver = await driver_connection(tx.connection, begin=False)
        totals = await driver.fetchrow(
            "SELECT count(*) AS n, count(*) FILTER (WHERE status = 'held') AS held, coalesce(sum(amount), 0) AS amt "
            "FROM entitlements WHERE cycle_id = $1 AND status <> 'cancelled'", cycle_id)
        cycle.computed(households=totals["n"], held=totals["held"], total_amount=int(totals["amt"]),
                       rule_version=definition.rule_version, by=by, now=_now())
        await repo.save(tx, cycle, meta)
        await driver.execute("UPDATE cycles SET status = 'computed', households = $2, held = $3, total_amount = $4, "
                             "computed_by = $5 WHERE cycle_id = $1", cycle_id, totals["n"], totals["held"],
                             int(totals["amt"]), by)
        return await cycle_view(driver, cycle_id)


async def _write_batch(store: PostgresEventStore, records: list[tuple[Any, ...]], fresh: bool) -> None:
    async with store.transaction() as tx:
        await stage_entitlements(await driver_connection(tx.connection, begin=False), records, fresh=fresh)


ENTITLEMENT_COLUMNS = ("cycle_id", "program_id", "household_ref", "amount", "status", "members_counted", "desil",
                       "desil_rule_version", "household_version", "village_code", "regency_code", "province_code",
                       "desil_snapshot")


async def stage_entitlements(driver: Any, records: list[tuple[Any, ...]], *, fresh: bool = False) -> None:
    """COPY into the table (`fresh`: nothing of this cycle there yet), or into a temporary table and then
    insert what is not there yet (COPY itself cannot skip duplicates)."""
    if not records:
        return
    if fresh:
        await driver.copy_records_to_table("entitlements", records=records, columns=ENTITLEMENT_COLUMNS)
        return
    await driver.execute("CREATE TEMP TABLE IF NOT EXISTS entitlements_stage "
                         "(LIKE entitlements INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
    await driver.copy_records_to_table("entitlements_stage", records=records, columns=ENTITLEMENT_COLUMNS)
    cols = ", ".join(ENTITLEMENT_COLUMNS)
    await driver.execute(f"INSERT INTO entitlements ({cols}) SELECT {cols} FROM entitlements_stage "
                         "ON CONFLICT ON CONSTRAINT entitlements_once DO NOTHING")


async def _excluded(driver: Any, definition: ProgramDefinition, period: str) -> dict[str, frozenset[str]]:
    codes = definition.excluded_programs()
    if not codes:
        return {}
    rows = await driver.fetch(
        "SELECT e.household_ref, array_agg(DISTINCT p.code) AS codes FROM entitlements e "
        "JOIN cycles c USING (cycle_id) JOIN programs p ON p.program_id = e.program_id "
        "WHERE c.period = $1 AND p.code = ANY($2::text[]) AND e.status <> 'cancelled' GROUP BY e.household_ref",
        period, codes)
    return {r["household_ref"]: frozenset(r["codes"]) for r in rows}


async def review(tx: EventStoreTx, cycle_id: UUID, by: str, note: str | None, meta: EventMetadata) -> dict[str, Any]:
    cycle = await _load(tx, cycle_id)
    cycle.review(by=by, note=note, now=_now())
    await repo.save(tx, cycle, meta)
    driver = await driver_connection(tx.connection, begin=False)
    await driver.execute("UPDATE cycles SET status = 'reviewed', reviewed_by = $2 WHERE cycle_id = $1", cycle_id, by)
    return await cycle_view(driver, cycle_id)


async def approve(tx: EventStoreTx, cycle_id: UUID, by: str, meta: EventMetadata) -> dict[str, Any]:
    driver = await driver_connection(tx.connection, begin=False)
    row = await _cycle_row(driver, cycle_id)
    # Serialise approvals of one program so two cycles cannot both spend the last of its budget.
    await driver.execute("SELECT 1 FROM programs WHERE program_id = $1 FOR UPDATE", row["program_id"])
    pid, definition = await get_program(driver, str(row["program_id"]))
    cycle = await _load(tx, cycle_id)
    remaining = await budget_remaining(driver, pid, definition.budget, excluding=cycle_id)
    cycle.approve(by=by, budget_remaining=remaining, now=_now())
    await repo.save(tx, cycle, meta)
    await driver.execute("UPDATE cycles SET status = 'approved', approved_by = $2, approved_at = now() "
                         "WHERE cycle_id = $1", cycle_id, by)
    return await cycle_view(driver, cycle_id)


_CANDIDATES = """
SELECT md5(e.cycle_id::text || ':' || e.household_ref)::uuid AS pid, e.cycle_id, e.program_id, e.household_ref,
       e.amount, e.village_code, e.regency_code, e.province_code, e.desil
FROM entitlements e
WHERE e.cycle_id = '{cycle}'::uuid AND e.status = 'eligible'
"""

# A later `pay` (a retry, households cleared from review): candidates first, into a temporary table — checking
# `payments` while the same statement inserts into it would re-read the growing table for every row.
_NOT_PAID = """
  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.program_id = e.program_id AND p.cycle_id = e.cycle_id
                  AND p.household_ref = e.household_ref)
  -- a household registered twice and merged: if either record was paid in this cycle, the other is not
  AND NOT EXISTS (SELECT 1 FROM households h JOIN payments p ON p.household_ref = h.household_ref
                  AND p.program_id = e.program_id AND p.cycle_id = e.cycle_id WHERE h.merged_into = e.household_ref)
"""

_INSTRUCT = """
WITH new AS (
    INSERT INTO payments (payment_id, cycle_id, program_id, household_ref, amount, status, attempt, version,
                          village_code, regency_code, province_code, desil)
    SELECT pid, cycle_id, program_id, household_ref, amount, 'instructed', 1, 1, village_code,
           regency_code, province_code, desil
    FROM {source}
    ON CONFLICT DO NOTHING
    RETURNING payment_id, household_ref, amount, village_code, regency_code, province_code, desil
), published AS (
    INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, data, occurred_at,
                        correlation_id, actor, traceparent)
    SELECT payment_id, 'payment', 1, gen_random_uuid(), 'PaymentRecorded', 1, jsonb_build_object(
        'payment_id', payment_id::text, 'household_ref', household_ref, 'program_id', $2::text,
        'program_code', $3::text, 'cycle_id', $1::text, 'period', $4::text, 'amount', amount,
        'region_code', village_code, 'province_code', province_code, 'regency_code', regency_code,
        'desil', desil, 'funding_source', $5::text, 'csr_allocation_id', $6::text, 'status', 'instructed',
        'attempt', 1, 'occurred_at', $7::text), $8::timestamptz, $9::uuid, $10::text, $11::text
    FROM new
    RETURNING 1
)
SELECT count(*) AS n, coalesce(sum(amount), 0) AS amount FROM new
"""


async def instruct(tx: EventStoreTx, cycle_id: UUID, by: str, meta: EventMetadata, *,
                   released_only: bool = False) -> dict[str, Any]:
    """Payment instructions for every eligible entitlement that has none yet (so a retry, a restart or a
    household cleared from review later is instructed exactly once), one `PaymentRecorded` each.
    `released_only`: just the held entitlements released since (the periodic job that pays cleared holds)."""
    driver = await driver_connection(tx.connection, begin=False)
    row = await _cycle_row(driver, cycle_id)
    cycle = await _load(tx, cycle_id)
    cycle.require_payable()
    pid, definition = await get_program(driver, str(row["program_id"]))
    now = datetime.now(UTC)
    candidates = _CANDIDATES.format(cycle=UUID(str(cycle_id)))  # a UUID: safe to put in the text
    if released_only:
        candidates += " AND e.released_at IS NOT NULL"
    if await driver.fetchval("SELECT EXISTS (SELECT 1 FROM payments WHERE program_id = $1 AND cycle_id = $2)",
                             pid, cycle_id):
        await driver.execute("DROP TABLE IF EXISTS instruct_stage")
        await driver.execute(f"CREATE TEMP TABLE instruct_stage ON COMMIT DROP AS {candidates} {_NOT_PAID}")
        source = "instruct_stage"
    else:  # the cycle's first instructions: every eligible entitlement (a racing `pay` loses on the constraint)
        source = f"({candidates}) AS fresh"
    result = await driver.fetchrow(_INSTRUCT.replace("{source}", source), str(cycle_id), str(pid),
                                   definition.code, row["period"], definition.funding_source,
                                   definition.csr_allocation_id, now.isoformat(), now, meta.correlation_id, by,
                                   meta.traceparent)
    if result["n"] or cycle.status == "approved":
        cycle.instruct(instructed=result["n"], amount=int(result["amount"]), by=by, now=now.isoformat())
        await repo.save(tx, cycle, meta)
        await driver.execute("UPDATE cycles SET status = 'paying' WHERE cycle_id = $1", cycle_id)
    view = await cycle_view(driver, cycle_id)
    return {**view, "instructed_now": result["n"], "instructed_amount_now": int(result["amount"])}


async def close(tx: EventStoreTx, cycle_id: UUID, by: str, meta: EventMetadata) -> dict[str, Any]:
    driver = await driver_connection(tx.connection, begin=False)
    cycle = await _load(tx, cycle_id)
    s = await driver.fetchrow(
        "SELECT count(*) FILTER (WHERE status IN ('instructed', 'reissued')) AS in_flight, "
        "count(*) FILTER (WHERE status = 'paid') AS paid_households, "
        "coalesce(sum(confirmed_amount) FILTER (WHERE status = 'paid'), 0) AS paid_amount, "
        "coalesce(sum(amount) FILTER (WHERE status = 'returned'), 0) AS returned_amount, "
        "count(*) FILTER (WHERE status = 'failed') AS failed_payments FROM payments WHERE cycle_id = $1 "
        "AND program_id = (SELECT program_id FROM cycles WHERE cycle_id = $1)", cycle_id)
    held = await driver.fetchval("SELECT count(*) FROM entitlements WHERE cycle_id = $1 AND status = 'held'",
                                 cycle_id)
    open_exc = await driver.fetchval("SELECT count(*) FROM reconciliation_exceptions WHERE cycle_id = $1 AND "
                                     "status = 'open'", cycle_id)
    summary = {"paid_households": s["paid_households"], "paid_amount": int(s["paid_amount"]),
               "returned_amount": int(s["returned_amount"]), "failed_payments": s["failed_payments"],
               "held_households": held, "open_exceptions": open_exc}
    cycle.close(in_flight=s["in_flight"], summary=summary, by=by, now=_now())
    await repo.save(tx, cycle, meta)
    await driver.execute("UPDATE cycles SET status = 'closed', closed_at = now() WHERE cycle_id = $1", cycle_id)
    return {**await cycle_view(driver, cycle_id), "summary": summary}


async def reconcile(tx: EventStoreTx, cycle_id: UUID, by: str, meta: EventMetadata) -> dict[str, Any]:
    driver = await driver_connection(tx.connection, begin=False)
    cycle = await _load(tx, cycle_id)
    open_exc = await driver.fetchval("SELECT count(*) FROM reconciliation_exceptions WHERE cycle_id = $1 AND "
                                     "status = 'open'", cycle_id)
    cycle.reconcile(open_exceptions=open_exc, by=by, now=_now())
    await repo.save(tx, cycle, meta)
    await driver.execute("UPDATE cycles SET status = 'reconciled' WHERE cycle_id = $1", cycle_id)
    return await cycle_view(driver, cycle_id)


_RELEASED_UNPAID = """
SELECT DISTINCT e.cycle_id FROM entitlements e JOIN cycles c USING (cycle_id)
WHERE e.released_at IS NOT NULL AND e.status = 'eligible' AND c.status = 'paying'
  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.program_id = e.program_id AND p.cycle_id = e.cycle_id
                  AND p.household_ref = e.household_ref)
"""


async def pay_released(store: PostgresEventStore) -> int:
    """Households held for review and cleared since are paid without waiting for an officer's next `pay`
    (their cycle was approved with them in it). Returns how many were instructed."""
    async with store.engine.connect() as conn:
        cycles = [r["cycle_id"] for r in await (await driver_connection(conn, begin=False)).fetch(_RELEASED_UNPAID)]
    instructed = 0
    for cycle_id in cycles:
        async with store.transaction() as tx:
            result = await instruct(tx, cycle_id, "system:cleared-holds", EventMetadata(actor="system:cleared-holds"),
                                    released_only=True)
        instructed += result["instructed_now"]
    return instructed


def check_period(period: str) -> str:
    import re

    if not re.match(PERIOD_PATTERN, period):
        raise ValidationFailed("period must look like 2026-Q4, 2026-M07 or 2026-T1", field="period")
    return period
