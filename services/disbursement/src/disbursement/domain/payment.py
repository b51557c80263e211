"""The payment aggregate: one per program, cycle and household (its id is random: see `EntitlementTable`).

Its state comes only from its events: `PaymentRecorded` for each status it reaches (instructed → paid, failed or
returned → reissued as a new attempt → …), `PaymentExceptionRaised`/`Resolved` for what ops must look at. What a
channel report does is the pure decision of `reconciliation.apply_report`; this aggregate records it.

A cycle's first instructions are many (a million households): `instruction_events` builds the same
`PaymentRecorded` payloads as `Payment.instruct`, validated once through the event class, for the bulk path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, NamedTuple
from uuid import NAMESPACE_URL, UUID, uuid5

from disbursement.domain.events import (
    PaymentExceptionRaised,
    PaymentExceptionResolved,
    PaymentRecorded,
    registry,
)
from disbursement.domain.reconciliation import AWAITING, Effect, Report, apply_report
from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import InvalidTransition, NotFound

__all__ = ["Instruction", "Payment", "PaymentException", "PaymentTerms", "instruction_events", "registry"]

REISSUABLE = ("failed", "returned")


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    """What every payment of a cycle shares: its cycle and program."""

    cycle_id: UUID
    program_id: str
    program_code: str
    period: str
    funding_source: str
    csr_allocation_id: str | None


class Instruction(NamedTuple):
    """One household to pay (an eligible entitlement)."""

    payment_id: UUID
    household_ref: str
    amount: int
    village_code: str
    regency_code: str
    province_code: str
    desil: int | None


@dataclass
class PaymentException:
    exception_id: UUID
    attempt: int
    kind: str
    instructed_amount: int
    confirmed_amount: int | None
    reason: str | None
    created_at: datetime
    status: str = "open"
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None


def _recorded(terms: PaymentTerms, i: Instruction, *, status: str, amount: int, attempt: int,
              now: str) -> PaymentRecorded:
    return PaymentRecorded(
        payment_id=str(i.payment_id), household_ref=i.household_ref, program_id=terms.program_id,
        program_code=terms.program_code, cycle_id=str(terms.cycle_id), period=terms.period, amount=amount,
        region_code=i.village_code, province_code=i.province_code, regency_code=i.regency_code, desil=i.desil,
        funding_source=terms.funding_source,
        csr_allocation_id=terms.csr_allocation_id, status=status,
        attempt=attempt, occurred_at=now)


def instruction_events(terms: PaymentTerms, instructions: Iterable[Instruction],
                       now: datetime) -> Iterator[dict[str, Any]]:
    """The first `PaymentRecorded` (status `instructed`, attempt 1) of each instruction, as event data: what
    `Payment.instruct(...).pending_events[0].to_data()` is, without a model per household. The fields every
    payment shares are validated once through the event class; the per-household ones keep its field order."""
    base = _recorded(terms, Instruction(terms.cycle_id, "-", 0, "-", "-", "-", None), status="instructed",
                     amount=0, attempt=1, now=now.isoformat()).to_data()
    for i in instructions:
        if i.amount < 0:
            raise ValueError(f"a payment cannot be negative ({i.household_ref}: {i.amount})")
        yield {**base, "payment_id": str(i.payment_id), "household_ref": i.household_ref, "amount": i.amount,
               "region_code": i.village_code, "province_code": i.province_code, "regency_code": i.regency_code,
               "desil": i.desil}


class Payment(Aggregate):
    stream_type: ClassVar[str] = "payment"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.initial_state()

    def initial_state(self) -> None:
        self.status = "new"
        self.attempt = 0
        self.amount = 0  # instructed
        self.confirmed_amount: int | None = None
        self.household_ref = ""
        self.terms: PaymentTerms | None = None
        self.place: Instruction | None = None  # household, region and desil as instructed
        self.instructed_at: datetime | None = None
        self.confirmed_at: datetime | None = None
        self.exceptions: dict[UUID, PaymentException] = {}

    # -- commands -------------------------------------------------------------------------------------------
    @classmethod
    def instruct(cls, terms: PaymentTerms, instruction: Instruction, *, now: datetime) -> Payment:
        payment = cls(instruction.payment_id)
        payment._record(_recorded(terms, instruction, status="instructed", amount=instruction.amount, attempt=1,
                                  now=now.isoformat()))
        return payment

    @property
    def reference_id(self) -> str:
        """How the channel knows the current attempt (G2P Connect `reference_id`)."""
        return f"{self.id}.{self.attempt}"

    @property
    def awaiting_channel(self) -> bool:
        return self.status in AWAITING

    def _event(self, status: str, amount: int, attempt: int, now: datetime) -> PaymentRecorded:
        assert self.terms is not None, "a payment is instructed first"
        assert self.place is not None
        return _recorded(self.terms, self.place, status=status, amount=amount, attempt=attempt, now=now.isoformat())

    def report(self, report: Report, *, now: datetime) -> Effect:
        """Apply the channel's report of one attempt: a new status (at most once per outcome) and, when ops must
        look, one exception per attempt and kind. A repeated or stale report changes nothing."""
        effect = apply_report(self.status, self.attempt, self.amount, report)
        if effect.new_status == "returned":
            # A return takes back what reached the household: the confirmed amount of a paid attempt. A return
            # reported while the attempt still awaits the channel means it was paid and came back: both are
            # recorded, so every reader's "paid adds, returned takes back" nets to zero.
            if self.status in AWAITING:
                self._record(self._event("paid", self.amount if report.amount is None else report.amount,
                                         self.attempt, now))
            self._record(self._event("returned", self.confirmed_amount or self.amount, self.attempt, now))
        elif effect.new_status is not None:
            amount = effect.confirmed_amount if effect.new_status == "paid" and effect.confirmed_amount is not None \
                else self.amount
            self._record(self._event(effect.new_status, amount, self.attempt, now))
        if effect.exception:
            exception_id = uuid5(NAMESPACE_URL, f"payment:{self.id}:{self.attempt}:{effect.exception}")
            if exception_id not in self.exceptions:
                self._record(PaymentExceptionRaised(
                    exception_id=str(exception_id), attempt=self.attempt, kind=effect.exception,
                    instructed_amount=self.amount, confirmed_amount=effect.confirmed_amount,
                    reason=(effect.reason or "")[:300], occurred_at=now.isoformat()))
        return effect

    def reissue(self, *, cycle_status: str, by: str, now: datetime) -> None:
        """A failed or returned payment goes out again as a new attempt (a new reference for the channel), while
        its cycle pays; its open exceptions are resolved as `reissued`."""
        if self.status not in REISSUABLE:
            raise InvalidTransition(f"only a failed or returned payment can be reissued; this one is {self.status}",
                                    field="status")
        if cycle_status != "paying":
            raise InvalidTransition(f"the cycle is {cycle_status}; payments are reissued while it is paying",
                                    field="cycle_status")
        self._record(self._event("reissued", self.amount, self.attempt + 1, now))
        for e in list(self.exceptions.values()):
            if e.status == "open":
                self._record(PaymentExceptionResolved(exception_id=str(e.exception_id), resolution="reissued",
                                                      resolved_by=by, occurred_at=now.isoformat()))

    def dispute_amount(self, reference: str, *, now: datetime) -> tuple[PaymentException, bool]:
        """An upheld complaint that a paid amount is wrong: an `amount_disputed` exception for ops, with the
        instructed and confirmed amounts and the complaint's reference code as its reason (never its words). The
        same reference finds the same exception (True when raised now); only a paid payment has an amount to
        dispute."""
        exception_id = uuid5(NAMESPACE_URL, f"payment:{self.id}:amount_disputed:{reference}")
        found = self.exceptions.get(exception_id)
        if found is not None:
            return found, False
        if self.status != "paid":
            raise InvalidTransition(f"only a paid payment's amount can be disputed; this one is {self.status}",
                                    field="status")
        self._record(PaymentExceptionRaised(
            exception_id=str(exception_id), attempt=self.attempt, kind="amount_disputed",
            instructed_amount=self.amount, confirmed_amount=self.confirmed_amount, reason=reference,
            occurred_at=now.isoformat()))
        return self.exceptions[exception_id], True

    def resolve_exception(self, exception_id: UUID, *, resolution: str, by: str, now: datetime) -> None:
        found = self.exceptions.get(exception_id)
        if found is None:
            raise NotFound(f"exception {exception_id} does not exist", field="exception_id")
        if found.status != "open":
            raise InvalidTransition(f"the exception is {found.status} already", field="status")
        self._record(PaymentExceptionResolved(exception_id=str(exception_id), resolution=resolution,
                                              resolved_by=by, occurred_at=now.isoformat()))

    # -- state ----------------------------------------------------------------------------------------------
    def apply_payment_recorded(self, e: PaymentRecorded) -> None:
        at = datetime.fromisoformat(e.occurred_at)
        if self.terms is None:
            self.terms = PaymentTerms(UUID(e.cycle_id), e.program_id, e.program_code, e.period, e.funding_source,
                                      e.csr_allocation_id)
            self.place = Instruction(self.id, e.household_ref, e.amount, e.region_code, e.regency_code,
                                     e.province_code, e.desil)
            self.household_ref = e.household_ref
        self.status, self.attempt = e.status, e.attempt
        if e.status in AWAITING:
            self.amount, self.confirmed_amount, self.confirmed_at, self.instructed_at = e.amount, None, None, at
        elif e.status == "paid":
            self.confirmed_amount, self.confirmed_at = e.amount, at
        else:  # failed or returned: nothing reached the household
            self.confirmed_amount, self.confirmed_at = 0, at

    def apply_payment_exception_raised(self, e: PaymentExceptionRaised) -> None:
        eid = UUID(e.exception_id)
        self.exceptions[eid] = PaymentException(eid, e.attempt, e.kind, e.instructed_amount, e.confirmed_amount,
                                                e.reason, datetime.fromisoformat(e.occurred_at))

    def apply_payment_exception_resolved(self, e: PaymentExceptionResolved) -> None:
        found = self.exceptions[UUID(e.exception_id)]
        found.status, found.resolution, found.resolved_by = "resolved", e.resolution, e.resolved_by
        found.resolved_at = datetime.fromisoformat(e.occurred_at)
