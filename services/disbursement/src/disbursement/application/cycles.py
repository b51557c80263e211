"""Cycle commands: open, compute entitlements in bulk, review, approve (maker–checker, budget), instruct
payments, close and reconcile. Each loads the cycle, lets it decide and saves it (its read row is projected in
the same transaction); the bulk steps go through named adapters (COPY), never a row at a time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from uuid6 import uuid7

from disbursement.adapters.tables import CycleTable, EntitlementTable, PaymentTable, ProgramTable
from disbursement.application.programs import load_program, programs
from disbursement.domain.cycle import PERIOD_PATTERN, Cycle, check_period, registry
from disbursement.domain.eligibility import Household, evaluate
from disbursement.domain.payment import Instruction, PaymentTerms, instruction_events
from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork, UnitOfWorkFactory
from gotong.domain.errors import Conflict
from gotong.eventstore import EventData, EventMetadata
from gotong.eventstore.model import AppendRequest
from gotong.heap import collector_paused

if TYPE_CHECKING:
    from disbursement.adapters.computation import EntitlementComputation

__all__ = ["PERIOD_PATTERN", "check_period", "close", "compute", "cycles", "instruct", "open_cycle",
           "pay_released", "reconcile", "review", "approve"]

cycles: Repository[Cycle] = Repository(Cycle, registry)
Progress = Callable[[int, int], None]
#: Events appended per COPY when instructing (Python builds the next chunk while PostgreSQL writes one).
INSTRUCT_CHUNK = 5_000


def event_ids(n: int) -> list[UUID]:
    """`n` UUIDv7 event ids of this millisecond (RFC 9562: 48-bit time, 74 random bits), at a tenth of the cost
    of one `uuid7()` call each: a million instructions append a million events."""
    head = ((time.time_ns() // 1_000_000) << 80) | (0x7 << 76) | (0b10 << 62)
    raw, from_bytes = os.urandom(10 * n), int.from_bytes
    ids = []
    for at in range(0, 10 * n, 10):
        r = from_bytes(raw[at:at + 10], "big") >> 6  # 74 random bits
        ids.append(UUID(int=head | ((r >> 62) << 64) | (r & 0x3FFFFFFFFFFFFFFF)))
    return ids


def _now(uow: UnitOfWork) -> str:
    return uow.clock.now().isoformat()


async def _load(uow: UnitOfWork, cycle_id: UUID) -> Cycle:
    return await uow.get(cycles, cycle_id, field="cycle_id")


async def open_cycle(uow: UnitOfWork, program: str, period: str, cutoff: date, by: str) -> dict[str, Any]:
    check_period(period)
    p = await load_program(uow, program)
    p.require_fundable()
    if await uow.adapter(CycleTable).exists(p.id, period):
        raise Conflict(f"{p.code} already has a cycle for {period}", field="period")
    assert p.definition is not None
    cycle = Cycle.open(uuid7(), program_id=str(p.id), program_code=p.code, period=period,
                       cutoff=cutoff.isoformat(), rule_version=p.definition.rule_version, by=by, now=_now(uow))
    await uow.save(cycle)
    return await uow.adapter(CycleTable).view(cycle.id)


async def compute(units: UnitOfWorkFactory, computation: EntitlementComputation, cycle_id: UUID, by: str,
                  meta: EventMetadata, progress: Progress | None = None, batch: int = 20_000) -> dict[str, Any]:
    """Entitlements in batches (each committed; unique per program, cycle and household, so a rerun after a
    crash resumes and never doubles), then the cycle moves to `computed` in one last transaction."""
    async with units.begin(meta) as uow:
        cycle = await _load(uow, cycle_id)
        cycle.require_computable()
        program = await load_program(uow, cycle.program_id)
        definition = program.definition
        assert definition is not None
        assert cycle.cutoff is not None
        excluded = await uow.adapter(EntitlementTable).excluded(definition.excluded_programs(), cycle.period)
    pid, cutoff = program.id, cycle.cutoff
    done = 0
    async with computation.start(cycle_id) as run:
        estimate = await run.estimate()
        fetching: asyncio.Future[list[Household]] | None = None
        writing: asyncio.Task[None] | None = None
        try:
            # A pipeline: PostgreSQL reads the next batch and writes the last one while Python evaluates this one.
            batches = run.candidates(definition, batch)
            fetching = asyncio.ensure_future(anext(batches))
            while True:
                try:
                    households = await fetching
                except StopAsyncIteration:
                    break
                fetching = asyncio.ensure_future(anext(batches))
                records = []
                for h in households:
                    d = evaluate(definition, h, cutoff, other_programs=excluded.get(h.household_ref, frozenset()))
                    if d.outcome != "not_eligible":
                        records.append((cycle_id, pid, h.household_ref, d.amount,
                                        "held" if d.outcome == "held" else "eligible", d.members_counted, d.desil,
                                        d.desil_rule_version, h.household_version, h.village_code, h.regency_code,
                                        h.province_code, d.desil_snapshot))  # the ranking in force at the cut-off
                if writing is not None:
                    await writing
                writing = asyncio.create_task(run.write(records))
                done += len(households)
                if progress:
                    progress(done, estimate)
            if writing is not None:
                await writing
        finally:
            for pending in (fetching, writing):
                if pending is not None and not pending.done():
                    pending.cancel()
                    with contextlib.suppress(BaseException):
                        await pending
    async with units.begin(meta) as uow:
        cycle = await _load(uow, cycle_id)
        entitled, held, total = await uow.adapter(EntitlementTable).totals(cycle_id)
        cycle.computed(households=entitled, held=held, total_amount=total, rule_version=definition.rule_version,
                       by=by, now=_now(uow))
        await uow.save(cycle)
        return await uow.adapter(CycleTable).view(cycle_id)


async def review(uow: UnitOfWork, cycle_id: UUID, by: str, note: str | None) -> dict[str, Any]:
    cycle = await _load(uow, cycle_id)
    cycle.review(by=by, note=note, now=_now(uow))
    await uow.save(cycle)
    return await uow.adapter(CycleTable).view(cycle_id)


async def approve(uow: UnitOfWork, cycle_id: UUID, by: str) -> dict[str, Any]:
    cycle = await _load(uow, cycle_id)
    table = uow.adapter(ProgramTable)
    pid = UUID(cycle.program_id)
    # Serialise approvals of one program so two cycles cannot both spend the last of its budget.
    await table.lock(pid)
    program = await uow.get(programs, pid, field="program")
    assert program.definition is not None
    remaining = program.definition.budget - await table.committed(pid, excluding=cycle_id)
    cycle.approve(by=by, budget_remaining=remaining, now=_now(uow))
    await uow.save(cycle)
    return await uow.adapter(CycleTable).view(cycle_id)


async def instruct(uow: UnitOfWork, cycle_id: UUID, by: str, *, released_only: bool = False) -> dict[str, Any]:
    """Payment instructions for every eligible entitlement that has none yet (so a retry, a restart or a
    household cleared from review later is instructed exactly once), one `PaymentRecorded` each — built in
    Python from the event class, appended with the store's batch API (COPY), the payments' rows inserted
    from the same staged set.
    `released_only`: just the held entitlements released since (the periodic job that pays cleared holds)."""
    cycle = await _load(uow, cycle_id)
    cycle.require_payable()
    program = await uow.get(programs, UUID(cycle.program_id), field="program")
    d = program.definition
    assert d is not None
    now = uow.clock.now()
    todo = await uow.adapter(EntitlementTable).stage_unpaid(cycle_id, program.id, released_only=released_only)
    if todo:
        terms = PaymentTerms(cycle_id, str(program.id), d.code, cycle.period, d.funding_source, d.csr_allocation_id)
        await _append_instructions(uow, terms, todo, now,
                                   uow.adapter(PaymentTable).insert_staged(cycle_id, program.id, now))
    amount = sum(i.amount for i in todo)
    if todo or cycle.status == "approved":
        cycle.instruct(instructed=len(todo), amount=amount, by=by, now=now.isoformat())
        await uow.save(cycle)
    view = await uow.adapter(CycleTable).view(cycle_id)
    return {**view, "instructed_now": len(todo), "instructed_amount_now": amount}


async def _append_instructions(uow: UnitOfWork, terms: PaymentTerms, todo: list[Instruction], now: datetime,
                               rows: Awaitable[None]) -> None:
    """Append the instructions' events in chunks, as a pipeline: PostgreSQL writes the payments' rows (`rows`),
    then each chunk of events, while Python builds the next chunk."""
    meta, chunk = uow.metadata, INSTRUCT_CHUNK
    writing: asyncio.Future[Any] = asyncio.ensure_future(rows)
    try:
        for start in range(0, len(todo), chunk):
            part = todo[start:start + chunk]
            await asyncio.sleep(0)  # the last statement is on its way: build the next chunk meanwhile
            with collector_paused():  # many small objects that all live until the append
                batch = [AppendRequest(i.payment_id, "payment", 0, [EventData("PaymentRecorded", data, 1, event_id,
                                                                              now, meta)])
                         for i, data, event_id in zip(part, instruction_events(terms, part, now),
                                                      event_ids(len(part)), strict=True)]
            await writing
            writing = asyncio.ensure_future(uow.append_batch(batch))
    finally:
        await writing


async def close(uow: UnitOfWork, cycle_id: UUID, by: str) -> dict[str, Any]:
    cycle = await _load(uow, cycle_id)
    in_flight, summary = await uow.adapter(CycleTable).close_summary(cycle_id)
    cycle.close(in_flight=in_flight, summary=summary, by=by, now=_now(uow))
    await uow.save(cycle)
    return {**await uow.adapter(CycleTable).view(cycle_id), "summary": summary}


async def reconcile(uow: UnitOfWork, cycle_id: UUID, by: str) -> dict[str, Any]:
    cycle = await _load(uow, cycle_id)
    cycle.reconcile(open_exceptions=await uow.adapter(CycleTable).open_exceptions(cycle_id), by=by, now=_now(uow))
    await uow.save(cycle)
    return await uow.adapter(CycleTable).view(cycle_id)


async def pay_released(units: UnitOfWorkFactory) -> int:
    """Households held for review and cleared since are paid without waiting for an officer's next `pay`
    (their cycle was approved with them in it). Returns how many were instructed."""
    meta = EventMetadata(actor="system:cleared-holds")
    async with units.begin(meta) as uow:
        found = await uow.adapter(CycleTable).with_released_unpaid()
    instructed = 0
    for cycle_id in found:
        async with units.begin(meta) as uow:
            result = await instruct(uow, cycle_id, "system:cleared-holds", released_only=True)
        instructed += result["instructed_now"]
    return instructed
