"""CSR commands: load → decide in the aggregate → book in the ledger → `uow.save`. Each runs inside the caller's
unit of work (the kit commits; handlers never do) and reads the clock from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from gotong_contracts.disbursement import PaymentRecorded, ProgramDefined
from pydantic import BaseModel, Field
from uuid6 import uuid7

from csr_ledger.adapters.desk_tables import Allocations, Companies, Programs, Spending
from csr_ledger.application import ledger
from csr_ledger.domain import funds
from csr_ledger.domain.csr import Allocation, Company, Deposit, Payment, PaymentAttempt, Pledge
from csr_ledger.domain.events import registry
from csr_ledger.domain.ledger import Outcome, PendingState, Result
from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWork
from gotong.domain.bounds import Int64, PositiveRupiah
from gotong.domain.errors import Conflict, NotFound

COMPANIES = Repository(Company, registry)
ALLOCATIONS = Repository(Allocation, registry)


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


async def _company(uow: UnitOfWork, company_id: UUID) -> Company:
    company = await uow.find(COMPANIES, company_id)
    if company is None:
        raise NotFound(f"company {company_id} is not registered", field="company_id")
    return company


async def register_company(uow: UnitOfWork, cmd: RegisterCompany) -> dict[str, Any]:
    company = Company.register(uuid7(), name=cmd.name, nib=cmd.nib, npwp=cmd.npwp, sector=cmd.sector,
                               tjsl_mandatory=cmd.tjsl_mandatory, now=uow.clock.now())
    assert company.nib is not None
    if await uow.adapter(Companies).nib_taken(company.nib):
        raise Conflict("a company with this NIB is registered already", field="nib")
    fund = funds.fund_account(company.id)
    await ledger.open_accounts(uow, [*[(a, n, None) for a, n in funds.SYSTEM_ACCOUNTS], (fund, cmd.name, company.id)])
    await uow.save(company)
    return {"id": str(company.id), "name": cmd.name, "fund_account_id": str(fund.id)}


async def make_pledge(uow: UnitOfWork, company_id: UUID, cmd: MakePledge) -> dict[str, Any]:
    await _company(uow, company_id)
    pledge = Pledge.make(uuid7(), company_id, year=cmd.year, amount=cmd.amount, themes=cmd.themes, sdgs=cmd.sdgs,
                         regions=cmd.regions, now=uow.clock.now())
    await uow.save(pledge)
    return {"id": str(pledge.id), "company_id": str(company_id), "amount": cmd.amount, "year": cmd.year}


async def record_deposit(uow: UnitOfWork, company_id: UUID, cmd: RecordDeposit) -> dict[str, Any]:
    company = await _company(uow, company_id)
    transfer = Deposit.transfer(cmd.transfer_id or uuid7(), company, cmd.amount, cmd.reference)
    (result,) = (await ledger.create_transfers(uow, [transfer])).results
    deposit = Deposit.booked(transfer, result, company, uow.clock.now())
    if deposit is not None:
        await uow.save(deposit)
    return {"transfer_id": str(transfer.id), "result": result.value, "amount": cmd.amount}


async def request_allocation(uow: UnitOfWork, company_id: UUID, cmd: RequestAllocation, maker: str,
                             threshold: int, approval_timeout_s: int) -> dict[str, Any]:
    company = await _company(uow, company_id)
    known = await uow.adapter(Programs).known(cmd.target_id) if cmd.target_kind == "program" else None
    now = uow.clock.now()
    allocation = Allocation.request(
        uuid7(), company, target_kind=cmd.target_kind, target_id=cmd.target_id, target_name=cmd.target_name,
        amount=cmd.amount, sdgs=cmd.sdgs, region=cmd.region, maker=maker, transfer_id=uuid7(), threshold=threshold,
        now=now, program=known)
    await ledger.open_accounts(uow, [(allocation.account, cmd.target_name, company_id)])
    (result,) = (await ledger.create_transfers(uow, [allocation.reservation(company, approval_timeout_s)],
                                               now)).results
    Allocation.reserved(result)
    await uow.save(allocation)
    return {"id": str(allocation.id), "status": allocation.status, "account_id": str(allocation.account.id),
            "amount": cmd.amount, "target_id": allocation.target_id, "warnings": allocation.warnings}


async def _allocation(uow: UnitOfWork, allocation_id: UUID) -> Allocation:
    allocation = await uow.find(ALLOCATIONS, allocation_id)
    if allocation is None:
        raise NotFound(f"allocation {allocation_id} does not exist", field="allocation_id")
    if allocation.maker is None or allocation.transfer_id is None:  # requested before its events said so
        maker, transfer_id = await uow.adapter(Allocations).record_of(allocation_id)
        allocation.recall(maker=maker, transfer_id=transfer_id)
    return allocation


async def decide_allocation(uow: UnitOfWork, allocation_id: UUID, checker: str, approve: bool) -> dict[str, Any]:
    allocation = await _allocation(uow, allocation_id)
    now = uow.clock.now()
    (result,) = (await ledger.create_transfers(uow, [allocation.resolution(uuid7(), checker, approve)],
                                               now)).results
    allocation.decide(checker, approve, result, now)
    await uow.save(allocation)
    # An expired reservation is an outcome, not an error: the status says so and is kept.
    return {"id": str(allocation.id), "status": allocation.status}


async def expire_allocations(uow: UnitOfWork) -> Outcome:
    """Release reservations whose approval window passed, and mark their allocations expired."""
    now = uow.clock.now()
    outcome = await ledger.expire_pending(uow, now)
    expired = [tid for tid, state in outcome.pending_changes.items() if state is PendingState.EXPIRED]
    if expired:
        for allocation_id in await uow.adapter(Allocations).reserving(expired):
            allocation = await _allocation(uow, allocation_id)
            allocation.expire(now)
            await uow.save(allocation)
    return outcome


async def record_program(uow: UnitOfWork, program: ProgramDefined) -> None:
    """A program disbursement defined (or redefined): the newest definition of each code wins (a replica)."""
    await uow.adapter(Programs).record(program.code, program.program_id, program.name, program.funding_source,
                                       datetime.fromisoformat(program.occurred_at))


async def record_spending(uow: UnitOfWork, payment: PaymentRecorded) -> Result | None:
    """A CSR-funded payment from disbursement, per payment *and* attempt: `paid` spends from the program's
    allocations, `returned` puts that attempt's money back where it came from.

    A program several companies fund draws from their approved allocations **oldest first**: a payment is
    charged to the oldest allocation with money left, and what it cannot cover comes from the next (one linked
    chain of transfers, all or nothing). Each funder is credited with exactly what its allocation paid. A
    redelivered event finds its attempt's rows and moves nothing (`exists`)."""
    if payment.funding_source != "csr" or payment.status not in ("paid", "returned"):
        return None
    attempt = payment.attempt or 1
    order = Payment(payment.payment_id, attempt, payment.csr_allocation_id or "", payment.amount, payment.status,
                    payment.program_id, payment.province_code, payment.regency_code, payment.household_ref)
    spending = PaymentAttempt(order, await uow.adapter(Spending).booked(payment.payment_id, attempt))
    if spending.done:
        return Result.EXISTS
    now = uow.clock.now()
    funders = await uow.adapter(Allocations).funders(order.allocation_id) if order.status == "paid" else []
    portions = spending.portions(funders)
    transfers = spending.transfers(portions)
    result = PaymentAttempt.booked_result((await ledger.create_transfers(uow, transfers, now)).results)
    if result is Result.OK:
        await uow.save_all(spending.spending(portions, transfers, now))
    return result
