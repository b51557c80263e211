"""The CSR desk's aggregates: companies, pledges, deposits, allocations (maker–checker) and spending.

Each changes state only by applying its events (events.py). Time comes in as `now` (from the unit of work's
clock); ids come in from the caller. The ledger's own rules (balances, reservations) are in ledger.py; what an
allocation or a payment moves in the ledger is decided here and booked there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from csr_ledger.domain import funds
from csr_ledger.domain.events import (
    AllocationDecided,
    AllocationExpired,
    CompanyRegistered,
    DepositReceived,
    PledgeMade,
    SpendingRecorded,
)
from csr_ledger.domain.funds import LedgerRefused
from csr_ledger.domain.ledger import Account, Result, Transfer, TransferFlags
from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import InvalidTransition, ValidationFailed


def check_sdgs(sdgs: Sequence[int]) -> None:
    if any(not 1 <= s <= 17 for s in sdgs):
        raise ValidationFailed("SDGs are numbered 1 to 17", field="sdgs")


# -- companies ------------------------------------------------------------------------------------------------

class Company(Aggregate):
    stream_type = "company"

    def initial_state(self) -> None:
        self.name = self.sector = ""
        self.nib: str | None = None
        self.npwp: str | None = None
        self.tjsl_mandatory = False
        self.registered_at: datetime | None = None

    @classmethod
    def register(cls, id: UUID, *, name: str, nib: str, npwp: str, sector: str, tjsl_mandatory: bool,
                 now: datetime) -> Company:
        """NIB and NPWP are checked (and the NPWP's punctuation dropped) before anything is recorded."""
        nib, npwp = funds.validate_nib(nib), funds.validate_npwp(npwp)
        company = cls(id)
        company.initial_state()
        company._record(CompanyRegistered(company_id=str(id), name=name, sector=sector,
                                          tjsl_mandatory=tjsl_mandatory, occurred_at=now.isoformat(), nib=nib,
                                          npwp=npwp))
        return company

    @property
    def fund_account_id(self) -> UUID:
        return funds.fund_account(self.id).id

    def apply_company_registered(self, e: CompanyRegistered) -> None:
        self.name, self.sector, self.tjsl_mandatory = e.name, e.sector, e.tjsl_mandatory
        self.nib, self.npwp = e.nib, e.npwp
        self.registered_at = datetime.fromisoformat(e.occurred_at)


# -- pledges and deposits -------------------------------------------------------------------------------------

class Pledge(Aggregate):
    stream_type = "pledge"

    def initial_state(self) -> None:
        self.company_id: UUID | None = None
        self.year = self.amount = 0

    @classmethod
    def make(cls, id: UUID, company_id: UUID, *, year: int, amount: int, themes: Sequence[str],
             sdgs: Sequence[int], regions: Sequence[str], now: datetime) -> Pledge:
        check_sdgs(sdgs)
        pledge = cls(id)
        pledge.initial_state()
        pledge._record(PledgeMade(pledge_id=str(id), company_id=str(company_id), year=year, amount=amount,
                                  themes=list(themes), sdgs=list(sdgs), regions=list(regions),
                                  occurred_at=now.isoformat()))
        return pledge

    def apply_pledge_made(self, e: PledgeMade) -> None:
        self.company_id, self.year, self.amount = UUID(e.company_id), e.year, e.amount


class Deposit(Aggregate):
    """A deposit the ledger booked (one stream per deposit transfer; a repeated transfer id books nothing)."""

    stream_type = "deposit"

    def initial_state(self) -> None:
        self.transfer_id: UUID | None = None
        self.amount = 0

    @staticmethod
    def stream_of(transfer_id: UUID) -> UUID:
        return uuid5(funds.NAMESPACE, f"deposit:{transfer_id}")

    @staticmethod
    def transfer(transfer_id: UUID, company: Company, amount: int, reference: str) -> Transfer:
        """Bank money into the company's CSR fund."""
        return Transfer(transfer_id, funds.BANK_INFLOW, company.fund_account_id, amount, code="deposit",
                        reference=reference)

    @classmethod
    def booked(cls, transfer: Transfer, result: Result, company: Company, now: datetime) -> Deposit | None:
        """The deposit to record for the ledger's `result`: new when `ok`, none when it `exists`; refused
        otherwise (a different field under the same transfer id names `transfer_id`)."""
        if result is Result.EXISTS:
            return None
        if result is not Result.OK:
            raise LedgerRefused(result, field="transfer_id" if result.value.startswith("exists") else "amount")
        deposit = cls(cls.stream_of(transfer.id))
        deposit.initial_state()
        deposit._record(DepositReceived(transfer_id=str(transfer.id), company_id=str(company.id),
                                        amount=transfer.amount, occurred_at=now.isoformat()))
        return deposit

    def apply_deposit_received(self, e: DepositReceived) -> None:
        self.transfer_id, self.amount = UUID(e.transfer_id), e.amount


# -- allocations ----------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class KnownProgram:
    """A program as disbursement defined it (the ledger learns them from its events)."""

    code: str
    funding_source: str


def program_target(target_id: str, program: KnownProgram | None) -> tuple[str, list[str]]:
    """An allocation to a program names a CSR-funded program, spelled as disbursement spells its code (which
    links the program by that target); one the ledger has not heard of yet is accepted with a warning."""
    if program is None:
        return target_id, [f"no program {target_id!r} is known yet: the allocation funds it once disbursement "
                           "defines a CSR-funded program with that code"]
    if program.funding_source != "csr":
        raise ValidationFailed(f"program {program.code} is funded by {program.funding_source.upper()}, not "
                               "by CSR: an allocation cannot fund it", field="target_id")
    return program.code.lower(), []


PENDING_APPROVAL, APPROVED, REJECTED, EXPIRED = "pending_approval", "approved", "rejected", "expired"


class Allocation(Aggregate):
    """Company money set aside for a program, enterprise or project. Above the threshold it reserves the money
    (a pending transfer) until a *different* officer approves or rejects it, or the window passes."""

    stream_type = "allocation"

    def initial_state(self) -> None:
        self.company_id: UUID | None = None
        self.target_kind = self.target_id = self.target_name = ""
        self.amount = 0
        self.sdgs: list[int] = []
        self.region: str | None = None
        self.status = ""
        self.maker: str | None = None
        self.checker: str | None = None
        self.transfer_id: UUID | None = None
        self.created_at: datetime | None = None
        self.decided_at: datetime | None = None
        self.warnings: list[str] = []

    @classmethod
    def request(cls, id: UUID, company: Company, *, target_kind: str, target_id: str, target_name: str,
                amount: int, sdgs: Sequence[int], region: str | None, maker: str, transfer_id: UUID,
                threshold: int, now: datetime, program: KnownProgram | None = None) -> Allocation:
        """`program`: for a program target, the program disbursement defined under that code (None: unknown).
        `warnings` says what was accepted but may need a look."""
        check_sdgs(sdgs)
        warnings: list[str] = []
        if target_kind == "program":
            target_id, warnings = program_target(target_id, program)
        allocation = cls(id)
        allocation.initial_state()
        allocation.warnings = warnings
        status = PENDING_APPROVAL if funds.needs_approval(amount, threshold) else APPROVED
        allocation._record(AllocationDecided(
            allocation_id=str(id), company_id=str(company.id), target_kind=target_kind,
            target_id=target_id, target_name=target_name, amount=amount, sdgs=list(sdgs), region=region,
            status=status, occurred_at=now.isoformat(), maker=maker, transfer_id=str(transfer_id)))
        return allocation

    @property
    def account(self) -> Account:
        """The allocation's own account (its id derives from the allocation's)."""
        return funds.allocation_account(self.id)

    @property
    def pending(self) -> bool:
        return self.status == PENDING_APPROVAL

    def reservation(self, company: Company, approval_timeout_s: int) -> Transfer:
        """The transfer from the company's fund that sets this allocation's money aside (pending if it waits)."""
        assert self.transfer_id is not None
        return Transfer(self.transfer_id, company.fund_account_id, self.account.id, self.amount,
                        code="allocation", reference=f"{self.target_kind}:{self.target_id}",
                        flags=TransferFlags.PENDING if self.pending else TransferFlags.NONE,
                        timeout=approval_timeout_s if self.pending else 0)

    @staticmethod
    def reserved(result: Result) -> None:
        """The ledger's answer to the reservation: anything but `ok` refuses the allocation."""
        if result is not Result.OK:
            raise LedgerRefused(result, field="amount")

    def _check_decidable(self, checker: str) -> None:
        if not self.pending:
            raise InvalidTransition(f"the allocation is {self.status}, not awaiting approval", field="status")
        funds.check_checker(self.maker or "", checker)

    def resolution(self, transfer_id: UUID, checker: str, approve: bool) -> Transfer:
        """The transfer that posts (approve) or voids (reject) the reservation; refuses a decision this officer
        may not take or that comes too late."""
        self._check_decidable(checker)
        return Transfer(transfer_id, None, None, 0, code="allocation",
                        flags=TransferFlags.POST_PENDING if approve else TransferFlags.VOID_PENDING,
                        pending_id=self.transfer_id)

    def decide(self, checker: str, approve: bool, result: Result, now: datetime) -> None:
        """Record the decision the ledger booked. An expired reservation is an outcome, not an error."""
        self._check_decidable(checker)
        status = APPROVED if approve else REJECTED
        if result is Result.PENDING_TRANSFER_EXPIRED:
            status = EXPIRED
        elif result is not Result.OK:
            raise LedgerRefused(result)
        self._record(AllocationDecided(
            allocation_id=str(self.id), company_id=str(self.company_id), target_kind=self.target_kind,
            target_id=self.target_id, target_name=self.target_name, amount=self.amount, sdgs=self.sdgs,
            region=self.region, status=status, occurred_at=now.isoformat(),
            maker=self.maker, checker=checker, transfer_id=str(self.transfer_id) if self.transfer_id else None))

    def expire(self, now: datetime) -> None:
        """The ledger released the reservation (its window passed); nothing to do if it was decided already."""
        if self.pending:
            self._record(AllocationExpired(allocation_id=str(self.id), occurred_at=now.isoformat()))

    def recall(self, *, maker: str | None, transfer_id: UUID | None) -> None:
        """Facts an allocation requested before its events carried them (v1), from the record kept then."""
        self.maker = self.maker or maker
        self.transfer_id = self.transfer_id or transfer_id

    def apply_allocation_decided(self, e: AllocationDecided) -> None:
        now = datetime.fromisoformat(e.occurred_at)
        if self.version == 0:  # the request
            self.company_id = UUID(e.company_id)
            self.target_kind, self.target_id, self.target_name = e.target_kind, e.target_id, e.target_name
            self.amount, self.sdgs, self.region = e.amount, list(e.sdgs), e.region
            self.maker = e.maker
            self.transfer_id = UUID(e.transfer_id) if e.transfer_id else None
            self.created_at = now
        else:  # a decision (v2 names the maker and reservation an early request did not)
            self.checker = e.checker or self.checker
            self.maker = self.maker or e.maker
            self.transfer_id = self.transfer_id or (UUID(e.transfer_id) if e.transfer_id else None)
        self.status = e.status
        self.decided_at = None if e.status == PENDING_APPROVAL else now

    def apply_allocation_expired(self, e: AllocationExpired) -> None:
        self.status = EXPIRED
        self.decided_at = datetime.fromisoformat(e.occurred_at)


# -- spending -------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Funder:
    """An approved allocation to the program, with what its account can still pay."""

    allocation_id: UUID
    company_id: UUID
    account_id: UUID
    available: int


@dataclass(frozen=True, slots=True)
class Portion:
    """What one allocation pays of one payment attempt (`part` 0 is the first funder's)."""

    allocation_id: UUID
    company_id: UUID
    account_id: UUID
    amount: int


@dataclass(frozen=True, slots=True)
class Payment:
    """A CSR-funded payment attempt as disbursement reports it (the fields the ledger uses)."""

    payment_id: str
    attempt: int
    allocation_id: str
    amount: int
    status: str
    program_id: str
    province_code: str
    regency_code: str
    household_ref: str


@dataclass(frozen=True, slots=True)
class BookedPart:
    """A part of a payment attempt the ledger booked earlier (from the spending records)."""

    portion: Portion
    status: str


def charge(amount: int, funders: Sequence[Funder], allocation_id: str) -> list[Portion]:
    """Oldest allocation first: each pays what it can until the payment is covered, else the whole is refused."""
    if not funders:
        raise InvalidTransition(f"allocation {allocation_id} is not approved for spending")
    portions, due = [], amount
    for f in funders:
        take = min(due, max(f.available, 0))
        if take:
            portions.append(Portion(f.allocation_id, f.company_id, f.account_id, take))
            due -= take
        if not due:
            return portions
    raise LedgerRefused(Result.EXCEEDS_CREDITS)


class PaymentAttempt:
    """One payment attempt's spending: `paid` books it from its funders, `returned` gives each part back to the
    allocation that paid it. A redelivered record finds its attempt booked already (`exists`)."""

    def __init__(self, payment: Payment, booked: Sequence[BookedPart]) -> None:
        if payment.status not in ("paid", "returned"):
            raise ValueError(f"a {payment.status} payment moves no CSR money")
        if not payment.allocation_id:
            raise ValidationFailed("a CSR payment must name its allocation", field="csr_allocation_id")
        self.payment = payment
        self.booked = list(booked)

    @property
    def done(self) -> bool:
        """Booked already: nothing to move. A return of an attempt never booked as paid is a fault."""
        if self.payment.status == "paid":
            return bool(self.booked)
        if not self.booked:  # the paid record of the same stream comes first
            raise InvalidTransition(f"payment {self.payment.payment_id} attempt {self.payment.attempt} was never "
                                    "booked as paid", field="payment_id")
        return all(b.status == "returned" for b in self.booked)

    def portions(self, funders: Sequence[Funder]) -> list[Portion]:
        if self.payment.status == "paid":
            return charge(self.payment.amount, funders, self.payment.allocation_id)
        return [b.portion for b in self.booked]

    def transfers(self, portions: Sequence[Portion]) -> list[Transfer]:
        """One linked chain (all or nothing): spending to the disbursed account, or its reversal."""
        p, paid = self.payment, self.payment.status == "paid"
        return [Transfer(funds.spending_transfer_id(p.payment_id, p.attempt, i) if paid else
                         funds.reversal_transfer_id(p.payment_id, p.attempt, i),
                         portion.account_id if paid else funds.DISBURSED,
                         funds.DISBURSED if paid else portion.account_id,
                         portion.amount, code="spending" if paid else "reversal", reference=p.payment_id,
                         flags=TransferFlags.LINKED if i < len(portions) - 1 else TransferFlags.NONE)
                for i, portion in enumerate(portions)]

    @staticmethod
    def booked_result(results: Sequence[Result]) -> Result:
        """`exists` when every transfer existed, `ok` when all were made; otherwise the ledger's refusal."""
        if all(r is Result.EXISTS for r in results):
            return Result.EXISTS
        if any(r is not Result.OK for r in results):
            raise LedgerRefused(next(r for r in results if r is not Result.OK))
        return Result.OK

    def spending(self, portions: Sequence[Portion], transfers: Sequence[Transfer], now: datetime) -> list[Spending]:
        return [Spending.record(self.payment, i, portion, transfer.id, now)
                for i, (portion, transfer) in enumerate(zip(portions, transfers, strict=True))]


class Spending(Aggregate):
    """One ledger movement of a payment attempt's part (one stream per transfer)."""

    stream_type = "spending"

    def initial_state(self) -> None:
        self.payment_id = ""
        self.amount = 0
        self.status = ""

    @staticmethod
    def stream_of(transfer_id: UUID) -> UUID:
        return uuid5(funds.NAMESPACE, f"spending:{transfer_id}")

    @classmethod
    def record(cls, payment: Payment, part: int, portion: Portion, transfer_id: UUID, now: datetime) -> Spending:
        spending = cls(cls.stream_of(transfer_id))
        spending.initial_state()
        spending._record(SpendingRecorded(
            payment_id=payment.payment_id, attempt=payment.attempt, transfer_id=str(transfer_id),
            allocation_id=str(portion.allocation_id), company_id=str(portion.company_id),
            program_id=payment.program_id, province_code=payment.province_code,
            regency_code=payment.regency_code, amount=portion.amount, status=payment.status,
            occurred_at=now.isoformat(), part=part, account_id=str(portion.account_id),
            household_ref=payment.household_ref))
        return spending

    def apply_spending_recorded(self, e: SpendingRecorded) -> None:
        self.payment_id, self.amount, self.status = e.payment_id, e.amount, e.status
