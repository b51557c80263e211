"""The disbursement service's events: cycles, payments and programs (one registry for its event store).

`PaymentRecorded` and `ProgramDefined` are the internal twins of the published contracts of the same name
(`gotong_contracts.disbursement`): same fields, so the stored event *is* the published one. Events the
contract does not know (`ProgramRulesSet`, `PaymentExceptionRaised`, …) stay inside the service.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from gotong.domain.events import DomainEvent, EventRegistry

registry = EventRegistry()

FundingSource = Literal["apbn", "apbd", "csr"]
PaymentStatus = Literal["instructed", "paid", "failed", "returned", "reissued"]


# -- cycle ------------------------------------------------------------------------------------------------------
@registry.register
class CycleOpened(DomainEvent):
    event_type: ClassVar[str] = "CycleOpened"
    program_id: str
    program_code: str
    period: str
    cutoff: str
    rule_version: str
    opened_by: str
    occurred_at: str


@registry.register
class EntitlementsComputed(DomainEvent):
    event_type: ClassVar[str] = "EntitlementsComputed"
    households: int
    held: int
    total_amount: int
    rule_version: str
    computed_by: str
    occurred_at: str


@registry.register
class CycleReviewed(DomainEvent):
    event_type: ClassVar[str] = "CycleReviewed"
    reviewed_by: str
    note: str | None = None
    occurred_at: str


@registry.register
class CycleApproved(DomainEvent):
    """Internal twin of the published `CycleApproved` (which is mapped from it without the officer)."""

    event_type: ClassVar[str] = "CycleApproved"
    program_id: str
    cycle_id: str
    period: str
    households: int
    total_amount: int
    approved_by: str
    occurred_at: str


@registry.register
class PaymentsInstructed(DomainEvent):
    event_type: ClassVar[str] = "PaymentsInstructed"
    instructed: int
    amount: int
    by: str
    occurred_at: str


@registry.register
class CycleClosed(DomainEvent):
    event_type: ClassVar[str] = "CycleClosed"
    program_id: str
    cycle_id: str
    period: str
    paid_households: int
    paid_amount: int
    returned_amount: int
    failed_payments: int
    held_households: int
    open_exceptions: int
    closed_by: str
    occurred_at: str


@registry.register
class CycleReconciled(DomainEvent):
    event_type: ClassVar[str] = "CycleReconciled"
    reconciled_by: str
    occurred_at: str


# -- payment ----------------------------------------------------------------------------------------------------
@registry.register
class PaymentRecorded(DomainEvent):
    """Every status a payment reaches: instructed, paid, failed, returned, reissued (published as is)."""

    event_type: ClassVar[str] = "PaymentRecorded"
    payment_id: str
    household_ref: str
    program_id: str
    program_code: str
    cycle_id: str
    period: str
    amount: int = Field(ge=0, description="rupiah")
    region_code: str = Field(description="village code")
    province_code: str
    regency_code: str
    desil: int | None = None
    funding_source: FundingSource
    csr_allocation_id: str | None = None
    status: PaymentStatus
    occurred_at: str
    attempt: int = Field(default=1, ge=1, description="1 for the first instruction, +1 for each reissue")


@registry.register
class PaymentExceptionRaised(DomainEvent):
    """A channel report ops must look at (failed, returned, amount mismatch, a stale attempt paid …)."""

    event_type: ClassVar[str] = "PaymentExceptionRaised"
    exception_id: str
    attempt: int
    kind: str
    instructed_amount: int
    confirmed_amount: int | None = None
    reason: str | None = None
    occurred_at: str


@registry.register
class PaymentExceptionResolved(DomainEvent):
    event_type: ClassVar[str] = "PaymentExceptionResolved"
    exception_id: str
    resolution: str
    resolved_by: str
    occurred_at: str


# -- program ----------------------------------------------------------------------------------------------------
@registry.register
class ProgramRulesSet(DomainEvent):
    """The whole definition (rules, benefit, budget, CSR links) as configured: what the program decides with."""

    event_type: ClassVar[str] = "ProgramRulesSet"
    definition: dict[str, Any]
    occurred_at: str


@registry.register
class ProgramProposed(DomainEvent):
    """An officer proposed a definition over the API: a draft, neither in force nor published, until a second
    officer approves it (`ProgramApproved`, then `ProgramRulesSet` and the published `ProgramDefined`)."""

    event_type: ClassVar[str] = "ProgramProposed"
    definition: dict[str, Any]
    proposed_by: str
    occurred_at: str


@registry.register
class ProgramApproved(DomainEvent):
    """A second officer approved the pending draft; the definition follows as `ProgramRulesSet`."""

    event_type: ClassVar[str] = "ProgramApproved"
    rule_version: str
    proposed_by: list[str]
    approved_by: str
    occurred_at: str


@registry.register
class ProgramDraftRejected(DomainEvent):
    """The pending draft was rejected, with the reason; the definition in force (if any) stays."""

    event_type: ClassVar[str] = "ProgramDraftRejected"
    rule_version: str
    reason: str
    rejected_by: str
    occurred_at: str


@registry.register
class ProgramDefined(DomainEvent):
    """Internal twin of the published `ProgramDefined`: follows every `ProgramRulesSet`."""

    event_type: ClassVar[str] = "ProgramDefined"
    program_id: str
    code: str
    name: str
    funding_source: FundingSource
    csr_allocation_id: str | None = None
    eligibility_summary: str
    rule_version: str
    occurred_at: str
