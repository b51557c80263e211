"""CSR funds in ledger terms: which accounts exist, what each money movement is, who may approve."""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from csr_ledger.domain.ledger import Account, AccountFlags, Result
from gotong.domain.errors import Conflict, Forbidden, ValidationFailed

NAMESPACE = UUID("5b0c6f0e-5e0b-4d43-9a5e-9c1f6c1d2a10")
BANK_INFLOW = uuid5(NAMESPACE, "system:bank-inflow")  # where deposits come from (the companies' banks)
DISBURSED = uuid5(NAMESPACE, "system:disbursed")  # where spending goes (paid to beneficiaries)

SYSTEM_ACCOUNTS = [(Account(BANK_INFLOW, "system:bank-inflow"), "Setoran dari rekening perusahaan"),
                   (Account(DISBURSED, "system:disbursed"), "Disalurkan ke penerima manfaat")]


def fund_account(company_id: UUID) -> Account:
    """A company's CSR fund: it can never give out more than was deposited."""
    return Account(uuid5(NAMESPACE, f"company:{company_id}:fund"), "company:fund",
                   AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)


def allocation_account(allocation_id: UUID) -> Account:
    """An allocation's account: spending can never exceed what was allocated."""
    return Account(uuid5(NAMESPACE, f"allocation:{allocation_id}"), "allocation",
                   AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)


def spending_transfer_id(payment_id: str, attempt: int = 1, part: int = 0) -> UUID:
    """One payment attempt's spending (`part` > 0: what the next funder's allocation covered). The first
    attempt's only part keeps the id earlier releases gave it, so their books stay idempotent."""
    return uuid5(NAMESPACE, f"spend:{payment_id}" if (attempt, part) == (1, 0) else
                 f"spend:{payment_id}:{attempt}:{part}")


def reversal_transfer_id(payment_id: str, attempt: int = 1, part: int = 0) -> UUID:
    """The money of one returned payment attempt (or part of it) going back to its allocation."""
    return uuid5(NAMESPACE, f"return:{payment_id}" if (attempt, part) == (1, 0) else
                 f"return:{payment_id}:{attempt}:{part}")


def validate_nib(nib: str) -> str:
    """NIB (Nomor Induk Berusaha, the OSS business number): 13 digits."""
    if not re.fullmatch(r"\d{13}", nib):
        raise ValidationFailed("NIB must be 13 digits", field="nib")
    return nib


def validate_npwp(npwp: str) -> str:
    """NPWP: 15 digits (old format, punctuation allowed) or 16 digits (since 2024)."""
    digits = re.sub(r"[.\-]", "", npwp)
    if not re.fullmatch(r"\d{15}|\d{16}", digits):
        raise ValidationFailed("NPWP must be 15 or 16 digits", field="npwp")
    return digits


def needs_approval(amount: int, threshold: int) -> bool:
    return amount > threshold


def check_checker(maker: str, checker: str) -> None:
    if maker == checker:
        raise Forbidden("the officer who requested an allocation cannot approve it (maker–checker)", field="checker")


class LedgerRefused(Conflict):
    """The ledger refused a transfer; `result` is its reason."""

    code = "ledger-refused"
    title = "The ledger refused this movement of money"

    def __init__(self, result: Result, field: str | None = None) -> None:
        messages = {
            Result.EXCEEDS_CREDITS: "not enough funds: this would take the account below zero",
            Result.PENDING_TRANSFER_EXPIRED: "the approval window has passed; the reservation expired",
        }
        super().__init__(messages.get(result, result.value.replace("_", " ")), field=field, reason=result.value)
        self.result = result
