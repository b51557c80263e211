"""What the CSR ledger publishes on `csr-ledger.events`: company money made visible. Company names are public;
beneficiaries never appear (spending names a program and a region, not a person)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from gotong_contracts.base import IntegrationEvent

TargetKind = Literal["program", "enterprise", "project"]


class CompanyRegistered(IntegrationEvent):
    event_type: ClassVar[str] = "CompanyRegistered"
    company_id: str
    name: str
    sector: str
    tjsl_mandatory: bool = Field(description="TJSL obligatory under UU 40/2007 art. 74 (natural-resource sectors)")
    occurred_at: str


class PledgeMade(IntegrationEvent):
    event_type: ClassVar[str] = "PledgeMade"
    pledge_id: str
    company_id: str
    year: int
    amount: int = Field(description="rupiah")
    themes: list[str]
    sdgs: list[int]
    regions: list[str]
    occurred_at: str


class DepositReceived(IntegrationEvent):
    event_type: ClassVar[str] = "DepositReceived"
    transfer_id: str
    company_id: str
    amount: int
    occurred_at: str


class AllocationDecided(IntegrationEvent):
    """An allocation was requested, approved, rejected or expired (approved ones are spendable)."""

    event_type: ClassVar[str] = "AllocationDecided"
    allocation_id: str
    company_id: str
    target_kind: TargetKind
    target_id: str
    target_name: str
    amount: int
    sdgs: list[int]
    region: str | None = None
    status: Literal["pending_approval", "approved", "rejected", "expired"]
    occurred_at: str


class SpendingRecorded(IntegrationEvent):
    """One ledger movement of a CSR-funded payment attempt: paid from an allocation, or returned to it. A program
    several companies fund may pay one attempt from two allocations (two records, one per `transfer_id`)."""

    event_type: ClassVar[str] = "SpendingRecorded"
    payment_id: str
    attempt: int = Field(default=1, ge=1, description="the payment attempt (1, then +1 per reissue)")
    transfer_id: str | None = Field(default=None, description="the ledger transfer; unique per record")
    allocation_id: str
    company_id: str
    program_id: str
    province_code: str
    regency_code: str
    amount: int
    status: Literal["paid", "returned"]
    occurred_at: str


EVENTS = {c.event_type: c for c in (CompanyRegistered, PledgeMade, DepositReceived, AllocationDecided,
                                    SpendingRecorded)}
