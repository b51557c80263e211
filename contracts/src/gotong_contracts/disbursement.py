"""What disbursement publishes on `disbursement.events`: the public trail of aid, by pseudonymous household
reference only. The transparency log makes one Merkle leaf of each `PaymentRecorded`."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from gotong_contracts.base import IntegrationEvent

FundingSource = Literal["apbn", "apbd", "csr"]
PaymentStatus = Literal["instructed", "paid", "failed", "returned", "reissued"]


class ProgramDefined(IntegrationEvent):
    event_type: ClassVar[str] = "ProgramDefined"
    schema_version: ClassVar[int] = 1

    program_id: str
    code: str = Field(description="e.g. PKH, BPNT, BLT-DD, CSR-PANGAN-JABAR")
    name: str
    funding_source: FundingSource
    csr_allocation_id: str | None = None
    eligibility_summary: str = Field(description="the rules in plain words (Bahasa Indonesia)")
    rule_version: str
    occurred_at: str


class CycleApproved(IntegrationEvent):
    event_type: ClassVar[str] = "CycleApproved"
    schema_version: ClassVar[int] = 1

    program_id: str
    cycle_id: str
    period: str = Field(description="e.g. 2026-Q4")
    households: int
    total_amount: int = Field(description="rupiah")
    occurred_at: str


class PaymentRecorded(IntegrationEvent):
    """Every status a payment reaches: instructed, paid, failed, returned, reissued. `amount` is what was
    instructed (instructed, reissued, failed), what reached the household (paid) and what came back from it
    (returned: the paid amount of the same attempt, always after its `paid`), so that paid minus returned is the
    money that stayed with households."""

    event_type: ClassVar[str] = "PaymentRecorded"
    schema_version: ClassVar[int] = 1

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


class CycleClosed(IntegrationEvent):
    """A cycle's payments ended: what was paid, failed, returned to the program and what ops still must look at."""

    event_type: ClassVar[str] = "CycleClosed"
    schema_version: ClassVar[int] = 1

    program_id: str
    cycle_id: str
    period: str
    paid_households: int
    paid_amount: int = Field(description="rupiah")
    returned_amount: int = Field(default=0, description="rupiah given back to the program")
    failed_payments: int = 0
    held_households: int = Field(default=0, description="held for verification, not paid in this cycle")
    open_exceptions: int = 0
    occurred_at: str


EVENTS = {c.event_type: c for c in (ProgramDefined, CycleApproved, PaymentRecorded, CycleClosed)}
