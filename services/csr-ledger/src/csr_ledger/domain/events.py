"""The csr-ledger's events, as stored in its event store: typed, versioned, decoded by `registry`.

Two families:
- the CSR desk's events (company, pledge, deposit, allocation, spending streams). They carry the published
  contract's fields (`gotong_contracts.csr_ledger`) and, since v2, the facts the read tables need that the
  contract does not publish (NIB, NPWP, who requested and decided an allocation, which part of a payment a
  funder paid, the pseudonymous household). `application/publishing.py` maps them to the contract;
- the ledger's own events (ledger-account and ledger-transfer streams), never published.

Payloads stored by earlier releases decode unchanged: an upcaster brings each old version to the current one
(facts an old payload never held become `None`; what can be derived, such as a spending part or an
allocation's account, is derived).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from csr_ledger.domain.funds import allocation_account, reversal_transfer_id, spending_transfer_id
from gotong.domain.events import DomainEvent, EventRegistry

registry = EventRegistry()

TargetKind = Literal["program", "enterprise", "project"]
AllocationStatus = Literal["pending_approval", "approved", "rejected", "expired"]
SpendingStatus = Literal["paid", "returned"]


# -- the CSR desk ---------------------------------------------------------------------------------------------

@registry.register
class CompanyRegistered(DomainEvent):
    """v1 (published as is) lacked the NIB and NPWP, which only the companies table held."""

    event_type: ClassVar[str] = "CompanyRegistered"
    schema_version: ClassVar[int] = 2
    company_id: str
    name: str
    sector: str
    tjsl_mandatory: bool
    occurred_at: str
    nib: str | None = None
    npwp: str | None = None


@registry.register
class PledgeMade(DomainEvent):
    event_type: ClassVar[str] = "PledgeMade"
    pledge_id: str
    company_id: str
    year: int
    amount: int
    themes: list[str]
    sdgs: list[int]
    regions: list[str]
    occurred_at: str


@registry.register
class DepositReceived(DomainEvent):
    event_type: ClassVar[str] = "DepositReceived"
    transfer_id: str
    company_id: str
    amount: int
    occurred_at: str


@registry.register
class AllocationDecided(DomainEvent):
    """Requested (pending approval or approved at once), approved, rejected or found expired when decided.
    v1 lacked the maker, the checker and the reserving transfer."""

    event_type: ClassVar[str] = "AllocationDecided"
    schema_version: ClassVar[int] = 2
    allocation_id: str
    company_id: str
    target_kind: TargetKind
    target_id: str
    target_name: str
    amount: int
    sdgs: list[int]
    region: str | None = None
    status: AllocationStatus
    occurred_at: str
    maker: str | None = None
    checker: str | None = None
    transfer_id: str | None = None


@registry.register
class AllocationExpired(DomainEvent):
    """The approval window passed and the ledger released the reservation (internal: not published)."""

    event_type: ClassVar[str] = "AllocationExpired"
    allocation_id: str
    occurred_at: str


@registry.register
class SpendingRecorded(DomainEvent):
    """One ledger movement of a CSR-funded payment attempt. v1 lacked the part, the allocation's account and the
    (pseudonymous, never published) household."""

    event_type: ClassVar[str] = "SpendingRecorded"
    schema_version: ClassVar[int] = 2
    payment_id: str
    attempt: int = 1
    transfer_id: str | None = None
    allocation_id: str
    company_id: str
    program_id: str
    province_code: str
    regency_code: str
    amount: int
    status: SpendingStatus
    occurred_at: str
    part: int = 0
    account_id: str | None = None
    household_ref: str | None = None


@registry.upcaster("CompanyRegistered", 1)
def _company_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "nib": None, "npwp": None}


@registry.upcaster("AllocationDecided", 1)
def _allocation_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    return {"region": None, **data, "maker": None, "checker": None, "transfer_id": None}


@registry.upcaster("SpendingRecorded", 1)
def _spending_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    out = {"attempt": 1, "transfer_id": None, **data}
    part = 0
    if out["transfer_id"]:  # the transfer id names its part: find which
        ids = spending_transfer_id if out["status"] == "paid" else reversal_transfer_id
        part = next((i for i in range(64) if str(ids(out["payment_id"], out["attempt"], i)) == out["transfer_id"]),
                    0)
    return {**out, "part": part, "account_id": str(allocation_account(UUID(out["allocation_id"])).id),
            "household_ref": None}


# -- the ledger (internal) ------------------------------------------------------------------------------------

@registry.register
class AccountOpened(DomainEvent):
    event_type: ClassVar[str] = "AccountOpened"
    id: UUID
    code: str
    flags: int
    name: str
    company_id: UUID | None = None


@registry.register
class TransferCreated(DomainEvent):
    """A transfer as the ledger stored it (accounts resolved, amount, timestamp)."""

    event_type: ClassVar[str] = "TransferCreated"
    id: UUID
    debit_account_id: UUID
    credit_account_id: UUID
    amount: int
    code: str
    reference: str
    flags: int
    pending_id: UUID | None = None
    timeout: int = 0
    timestamp: datetime | None = None


@registry.register
class PendingResolved(DomainEvent):
    """A pending transfer was posted, voided or expired (appended to the pending transfer's stream)."""

    event_type: ClassVar[str] = "PendingResolved"
    state: Literal["posted", "voided", "expired"]


__all__ = ["AccountOpened", "AllocationDecided", "AllocationExpired", "CompanyRegistered", "DepositReceived",
           "PendingResolved", "PledgeMade", "SpendingRecorded", "TransferCreated", "registry"]
