"""CSR commands: each runs inside the caller's event store transaction (handlers never commit)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from pydantic import BaseModel, Field
from uuid6 import uuid7

from csr_ledger.adapters.ledger_store import create_transfers, open_accounts
from csr_ledger.domain import funds
from csr_ledger.domain.funds import LedgerRefused
from csr_ledger.domain.ledger import Result, Transfer, TransferFlags
from gotong.contracts.base import IntegrationEvent
from gotong.contracts.csr_ledger import (
    AllocationDecided,
    CompanyRegistered,
    DepositReceived,
    PledgeMade,
    SpendingRecorded,
)
from gotong.domain.bounds import Int64, PositiveRupiah
from gotong.domain.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from gotong.eventstore import EventData, EventMetadata, EventStoreTx
from gotong.eventstore.postgres import driver_connection


class RegisterCompany(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    nib: str
    npwp: str
    sector: str = Field(min_length=2, max_length=100)
    tjsl_mandatory: bool


class MakePledge(BaseModel):
    year: int = Field(ge=2000, le=2100)
    amount: PositiveRupiah = Field(description="rupiah")
    themes: list[str] = Field(default_factory=list, max_length=20)
    sdgs: list[Int64] = Field(default_factory=list, max_length=17)
    regions: list[str] = Field(default_factory=list, max_length=50)


class RecordDeposit(BaseModel):
    amount: PositiveRupiah = Field(description="rupiah")
    reference: str = Field(min_length=1, max_length=100, description="bank reference of the deposit")
    transfer_id: UUID | None = Field(default=None, description="your id for this deposit (idempotent)")


class RequestAllocation(BaseModel):
    target_kind: str = Field(pattern="^(program|enterprise|project)$")
    target_id: str = Field(min_length=1, max_length=100)
    target_name: str = Field(min_length=1, max_length=200)
    amount: PositiveRupiah = Field(description="rupiah")
    sdgs: list[Int64] = Field(default_factory=list, max_length=17)
    region: str | None = Field(default=None, max_length=20)


def _now() -> datetime:
    return datetime.now(UTC)


async def _publish(tx: EventStoreTx, stream: UUID, stream_type: str, expected: int, event: IntegrationEvent,
                   meta: EventMetadata) -> None:
    await tx.append(stream, stream_type, expected, [EventData(event.event_type, event.model_dump(mode="json"),
                                                              event.schema_version, metadata=meta)])


def _check_sdgs(sdgs: list[int]) -> None:
    if any(not 1 <= s <= 17 for s in sdgs):
        raise ValidationFailed("SDGs are numbered 1 to 17", field="sdgs")


async def register_company(tx: EventStoreTx, cmd: RegisterCompany, meta: EventMetadata) -> dict[str, Any]:
    nib, npwp = funds.validate_nib(cmd.nib), funds.validate_npwp(cmd.npwp)
    driver = await driver_connection(tx.connection, begin=False)
    if await driver.fetchval("SELECT 1 FROM companies WHERE nib = $1", nib):
        raise Conflict("a company with this NIB is registered already", field="nib")
    company_id, now = uuid7(), _now()
    fund = funds.fund_account(company_id)
    await open_accounts(tx, [*[(a, n, None) for a, n in funds.SYSTEM_ACCOUNTS], (fund, cmd.name, company_id)], meta)
    await driver.execute(
        "INSERT INTO companies (id, name, nib, npwp, sector, tjsl_mandatory, fund_account_id, registered_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", company_id, cmd.name, nib, npwp, cmd.sector, cmd.tjsl_mandatory,
        fund.id, now)
    await _publish(tx, company_id, "company", 0, CompanyRegistered(
        company_id=str(company_id), name=cmd.name, sector=cmd.sector, tjsl_mandatory=cmd.tjsl_mandatory,
        occurred_at=now.isoformat()), meta)
    return {"id": str(company_id), "name": cmd.name, "fund_account_id": str(fund.id)}


async def _company(tx: EventStoreTx, company_id: UUID) -> Any:
    driver = await driver_connection(tx.connection, begin=False)
    row = await driver.fetchrow("SELECT * FROM companies WHERE id = $1", company_id)
    if row is None:
        raise NotFound(f"company {company_id} is not registered", field="company_id")
    return row


async def make_pledge(tx: EventStoreTx, company_id: UUID, cmd: MakePledge, meta: EventMetadata) -> dict[str, Any]:
    await _company(tx, company_id)
    _check_sdgs(cmd.sdgs)
    pledge_id, now = uuid7(), _now()
    driver = await driver_connection(tx.connection, begin=False)
    await driver.execute(
        "INSERT INTO pledges (id, company_id, year, amount, themes, sdgs, regions, pledged_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", pledge_id, company_id, cmd.year, cmd.amount, cmd.themes, cmd.sdgs,
        cmd.regions, now)
    await _publish(tx, pledge_id, "pledge", 0, PledgeMade(
        pledge_id=str(pledge_id), company_id=str(company_id), year=cmd.year, amount=cmd.amount, themes=cmd.themes,
        sdgs=cmd.sdgs, regions=cmd.regions, occurred_at=now.isoformat()), meta)
    return {"id": str(pledge_id), "company_id": str(company_id), "amount": cmd.amount, "year": cmd.year}


async def record_deposit(tx: EventStoreTx, company_id: UUID, cmd: RecordDeposit,
                         meta: EventMetadata) -> dict[str, Any]:
    company = await _company(tx, company_id)
    transfer = Transfer(cmd.transfer_id or uuid7(), funds.BANK_INFLOW, company["fund_account_id"], cmd.amount,
                        code="deposit", reference=cmd.reference)
    (result,) = (await create_transfers(tx, [transfer], _now(), meta)).results
    if result is Result.OK:
        await _publish(tx, uuid5(funds.NAMESPACE, f"deposit:{transfer.id}"), "deposit", 0, DepositReceived(
            transfer_id=str(transfer.id), company_id=str(company_id), amount=cmd.amount,
            occurred_at=_now().isoformat()), meta)
    elif result is not Result.EXISTS:
        raise LedgerRefused(result, field="transfer_id" if result.value.startswith("exists") else "amount")
    return {"transfer_id": str(transfer.id), "result": result.value, "amount": cmd.amount}


async def record_program(conn: Any, program: Any) -> None:
    """A program disbursement defined (or redefined): the newest definition of each code wins."""
    driver = await driver_connection(conn, begin=False)
    await driver.execute(
        "INSERT INTO programs (code, program_id, name, funding_source, defined_at) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (code) DO UPDATE SET program_id = excluded.program_id, name = excluded.name, "
        "funding_source = excluded.funding_source, defined_at = excluded.defined_at "
        "WHERE programs.defined_at <= excluded.defined_at",
        program.code, program.program_id, program.name, program.funding_source,
        datetime.fromisoformat(program.occurred_at))


async def _program_target(tx: EventStoreTx, cmd: RequestAllocation) -> tuple[RequestAllocation, list[str]]:
    """An allocation to a program names a CSR-funded program, spelled as disbursement spells its code (which
    links the program by that target); one the ledger has not heard of yet is accepted with a warning."""
    if cmd.target_kind != "program":
        return cmd, []
    driver = await driver_connection(tx.connection, begin=False)
    program = await driver.fetchrow(
        "SELECT * FROM programs WHERE lower(code) = lower($1) OR lower(program_id) = lower($1)", cmd.target_id)
    if program is None:
        return cmd, [f"no program {cmd.target_id!r} is known yet: the allocation funds it once disbursement "
                     "defines a CSR-funded program with that code"]
    if program["funding_source"] != "csr":
        raise ValidationFailed(f"program {program['code']} is funded by {program['funding_source'].upper()}, not "
                               "by CSR: an allocation cannot fund it", field="target_id")
    return cmd.model_copy(update={"target_id": program["code"].lower()}), []


async def request_allocation(tx: EventStoreTx, company_id: UUID, cmd: RequestAllocation, maker: str,
                             threshold: int, approval_timeout_s: int, meta: EventMetadata) -> dict[str, Any]:
    company = await _company(tx, company_id)
    _check_sdgs(cmd.sdgs)
    cmd, warnings = await _program_target(tx, cmd)
    allocation_id, now = uuid7(), _now()
    account = funds.allocation_account(allocation_id)
    await open_accounts(tx, [(account, cmd.target_name, company_id)], meta)
    pending = funds.needs_approval(cmd.amount, threshold)
    transfer = Transfer(uuid7(), company["fund_account_id"], account.id, cmd.amount, code="allocation",
                        reference=f"{cmd.target_kind}:{cmd.target_id}",
                        flags=TransferFlags.PENDING if pending else TransferFlags.NONE,
                        timeout=approval_timeout_s if pending else 0)
    (result,) = (await create_transfers(tx, [transfer], now, meta)).results
    if result is not Result.OK:
        raise LedgerRefused(result, field="amount")
    status = "pending_approval" if pending else "approved"
    driver = await driver_connection(tx.connection, begin=False)
    await driver.execute(
        "INSERT INTO allocations (id, company_id, target_kind, target_id, target_name, amount, sdgs, region, "
        "status, account_id, transfer_id, maker, created_at, decided_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        allocation_id, company_id, cmd.target_kind, cmd.target_id, cmd.target_name, cmd.amount, cmd.sdgs, cmd.region,
        status, account.id, transfer.id, maker, now, None if pending else now)
    await _publish(tx, allocation_id, "allocation", 0, _decided(allocation_id, company_id, cmd, status, now), meta)
    return {"id": str(allocation_id), "status": status, "account_id": str(account.id), "amount": cmd.amount,
            "target_id": cmd.target_id, "warnings": warnings}


def _decided(allocation_id: UUID, company_id: UUID, a: Any, status: str, now: datetime) -> AllocationDecided:
    fields = a if isinstance(a, dict) else a.model_dump()
    return AllocationDecided(
        allocation_id=str(allocation_id), company_id=str(company_id), target_kind=fields["target_kind"],
        target_id=fields["target_id"], target_name=fields["target_name"], amount=fields["amount"],
        sdgs=list(fields["sdgs"] or []), region=fields["region"], status=status,
        occurred_at=now.isoformat())


async def decide_allocation(tx: EventStoreTx, allocation_id: UUID, checker: str, approve: bool,
                            meta: EventMetadata) -> dict[str, Any]:
    driver = await driver_connection(tx.connection, begin=False)
    row = await driver.fetchrow("SELECT * FROM allocations WHERE id = $1 FOR UPDATE", allocation_id)
    if row is None:
        raise NotFound(f"allocation {allocation_id} does not exist", field="allocation_id")
    if row["status"] != "pending_approval":
        raise InvalidTransition(f"the allocation is {row['status']}, not awaiting approval", field="status")
    funds.check_checker(row["maker"], checker)
    now = _now()
    flag = TransferFlags.POST_PENDING if approve else TransferFlags.VOID_PENDING
    (result,) = (await create_transfers(tx, [Transfer(uuid7(), None, None, 0, code="allocation", flags=flag,
                                                      pending_id=row["transfer_id"])], now, meta)).results
    status = "approved" if approve else "rejected"
    if result is Result.PENDING_TRANSFER_EXPIRED:
        status = "expired"
    elif result is not Result.OK:
        raise LedgerRefused(result)
    version = await driver.fetchval("SELECT max(version) FROM events WHERE stream_id = $1", allocation_id)
    await driver.execute("UPDATE allocations SET status = $2, checker = $3, decided_at = $4 WHERE id = $1",
                         allocation_id, status, checker, now)
    await _publish(tx, allocation_id, "allocation", version, _decided(allocation_id, row["company_id"], dict(row),
                                                                     status, now), meta)
    # An expired reservation is an outcome, not an error: the status says so and is kept.
    return {"id": str(allocation_id), "status": status}


#: The program's funders: the allocation the payment names (the program's first) and every other approved
#: allocation to the same target (disbursement links them by that target, case-insensitive), oldest first.
_FUNDERS = """
SELECT a.id, a.company_id, a.account_id,
       l.credits_posted - l.debits_posted - l.debits_pending AS available
FROM allocations a JOIN ledger_accounts l ON l.id = a.account_id
WHERE a.status = 'approved' AND (a.id::text = $1 OR (a.target_kind, lower(a.target_id)) =
      (SELECT n.target_kind, lower(n.target_id) FROM allocations n WHERE n.id::text = $1))
ORDER BY a.decided_at, a.id
FOR UPDATE OF l
"""


async def record_spending(tx: EventStoreTx, payment: Any, meta: EventMetadata) -> Result | None:
    """A CSR-funded payment from disbursement, per payment *and* attempt: `paid` spends from the program's
    allocations, `returned` puts that attempt's money back where it came from.

    A program several companies fund draws from their approved allocations **oldest first**: a payment is
    charged to the oldest allocation with money left, and what it cannot cover comes from the next (one linked
    chain of transfers, all or nothing). Each funder is credited with exactly what its allocation paid. A
    redelivered event finds its attempt's rows and moves nothing (`exists`)."""
    if payment.funding_source != "csr" or payment.status not in ("paid", "returned"):
        return None
    if not payment.csr_allocation_id:
        raise ValidationFailed("a CSR payment must name its allocation", field="csr_allocation_id")
    driver = await driver_connection(tx.connection, begin=False)
    attempt = int(getattr(payment, "attempt", 1) or 1)
    rows = await driver.fetch("SELECT * FROM spending WHERE payment_id = $1 AND attempt = $2 ORDER BY part",
                              payment.payment_id, attempt)
    now = _now()
    if payment.status == "paid":
        if rows:
            return Result.EXISTS
        portions = await _charge(driver, payment)
        transfers = [Transfer(funds.spending_transfer_id(payment.payment_id, attempt, i), account, funds.DISBURSED,
                              amount, code="spending", reference=payment.payment_id,
                              flags=TransferFlags.LINKED if i < len(portions) - 1 else TransferFlags.NONE)
                     for i, (_, _, account, amount) in enumerate(portions)]
    else:
        if not rows:  # the paid record of the same stream comes first: a return of nothing is a fault
            raise InvalidTransition(f"payment {payment.payment_id} attempt {attempt} was never booked as paid",
                                    field="payment_id")
        if all(r["status"] == "returned" for r in rows):
            return Result.EXISTS
        portions = [(r["allocation_id"], r["company_id"], r["account_id"], r["amount"]) for r in rows]
        transfers = [Transfer(funds.reversal_transfer_id(payment.payment_id, attempt, i), funds.DISBURSED, account,
                              amount, code="reversal", reference=payment.payment_id,
                              flags=TransferFlags.LINKED if i < len(portions) - 1 else TransferFlags.NONE)
                     for i, (_, _, account, amount) in enumerate(portions)]
    results = (await create_transfers(tx, transfers, now, meta)).results
    if all(r is Result.EXISTS for r in results):
        return Result.EXISTS
    if any(r is not Result.OK for r in results):
        raise LedgerRefused(next(r for r in results if r is not Result.OK))
    for i, (allocation_id, company_id, account_id, amount) in enumerate(portions):
        await driver.execute(
            "INSERT INTO spending (payment_id, attempt, part, allocation_id, company_id, account_id, program_id, "
            "province_code, regency_code, household_ref, amount, status, recorded_at) "
            "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (payment_id, attempt, part) "
            "DO UPDATE SET status = excluded.status, recorded_at = excluded.recorded_at",
            payment.payment_id, attempt, i, allocation_id, company_id, account_id, payment.program_id,
            payment.province_code, payment.regency_code, payment.household_ref, amount, payment.status, now)
        await _spent(tx, transfers[i].id, payment, attempt, allocation_id, company_id, amount, now, meta)
    return Result.OK


async def _charge(driver: Any, payment: Any) -> list[tuple[UUID, UUID, UUID, int]]:
    """(allocation, company, account, amount) portions that pay `payment.amount`, oldest allocation first."""
    funders = await driver.fetch(_FUNDERS, payment.csr_allocation_id)
    if not funders:
        raise InvalidTransition(f"allocation {payment.csr_allocation_id} is not approved for spending")
    portions, due = [], payment.amount
    for f in funders:
        take = min(due, max(int(f["available"]), 0))
        if take:
            portions.append((f["id"], f["company_id"], f["account_id"], take))
            due -= take
        if not due:
            return portions
    raise LedgerRefused(Result.EXCEEDS_CREDITS)


async def _spent(tx: EventStoreTx, transfer_id: UUID, payment: Any, attempt: int, allocation_id: UUID,
                 company_id: UUID, amount: int, now: datetime, meta: EventMetadata) -> None:
    await _publish(tx, uuid5(funds.NAMESPACE, f"spending:{transfer_id}"), "spending", 0, SpendingRecorded(
        payment_id=payment.payment_id, attempt=attempt, transfer_id=str(transfer_id),
        allocation_id=str(allocation_id), company_id=str(company_id), program_id=payment.program_id,
        province_code=payment.province_code, regency_code=payment.regency_code, amount=amount,
        status=payment.status, occurred_at=now.isoformat()), meta)
