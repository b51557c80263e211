"""What disbursement publishes on `disbursement.events`: the public trail of aid, by pseudonymous household
reference only. The transparency log makes one Merkle leaf of each `PaymentRecorded`."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from gotong.contracts.base import IntegrationEvent

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
    """Every status a payment reaches: instructed, paid, failed, returned, reissued."""

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


EVENTS = {c.event_type: c for c in (ProgramDefined, CycleApproved, PaymentRecorded)}
