"""What the CSR desk's API answers: typed models for the OpenAPI document and generated clients.
Money is whole rupiah (TJSL: Tanggung Jawab Sosial dan Lingkungan, the legal CSR duty)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gotong.api.answers import Answer


class CompanyRegistered(Answer):
    id: str
    name: str
    fund_account_id: str


class PledgeMade(Answer):
    id: str
    company_id: str
    amount: int = Field(examples=[1_500_000_000])
    year: int


class Pledge(PledgeMade):
    themes: list[str] = []
    sdgs: list[int] = []
    regions: list[str] = []
    pledged_at: str


class DepositRecorded(Answer):
    transfer_id: str
    result: str = Field(examples=["ok", "exists"])
    amount: int


class AllocationRequested(Answer):
    """An allocation; above the approval threshold it waits (`pending_approval`) for a second officer."""

    id: str
    status: str = Field(examples=["approved", "pending_approval"])
    account_id: str
    amount: int
    target_id: str | None = None
    warnings: list[Any] = []


class AllocationDecided(Answer):
    id: str
    status: str = Field(examples=["approved", "rejected"])


class Allocation(Answer):
    """An allocation as the desk sees it: who asked (`maker`), who decided (`checker`), and its state."""

    id: str
    company_id: str
    company_name: str
    target_kind: str = Field(examples=["program", "enterprise", "project"])
    target_id: str
    target_name: str
    amount: int = Field(examples=[900_000_000])
    sdgs: list[int] = []
    region: str | None = None
    status: str = Field(examples=["pending_approval", "approved", "rejected", "expired"])
    maker: str
    checker: str | None = None
    created_at: str
    decided_at: str | None = None


class CompanyPublic(Answer):
    """A company's CSR totals in rupiah (no personal data)."""

    id: str
    name: str
    sector: str | None = None
    tjsl_mandatory: bool | None = None
    pledged: int
    deposited: int
    allocated: int
    spent: int


class CompanyTotals(CompanyPublic):
    fund_account_id: str | None = None
    awaiting_approval: int | None = None
    unallocated: int | None = None
    remaining: int | None = None


class CompanyReport(CompanyTotals):
    reach: list[dict[str, Any]]
    by_sdg: list[dict[str, Any]]


class LedgerEntry(Answer):
    seq: int
    id: str
    timestamp: str
    code: str
    reference: Any = None
    amount: int
    side: str = Field(examples=["debit", "credit"])


class Statement(Answer):
    """A ledger account with its balances, and a page of its entries, oldest first."""

    account: dict[str, Any]
    entries: list[LedgerEntry]
    next_cursor: str | None = None


class GriRow(Answer):
    """One company's GRI-style figures: 201-1 community investment, 203-1 investments, 413-1 regions."""

    company: str
    nib: str | None = None
    gri_201_1_community_investment: int | None = None
    gri_203_1_investments_supported: int | None = None
    gri_413_1_regions_engaged: int | None = None
    provinces_reached: int | None = None
