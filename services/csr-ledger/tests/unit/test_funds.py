"""CSR funds in ledger terms: NIB and NPWP checks that name their field, accounts and transfer ids derived
from natural keys (the same every time, different for different things), the approval threshold, four eyes,
and the ledger's refusals as the CSR desk reads them."""

from uuid import UUID, uuid4, uuid5

import pytest

from csr_ledger.domain import funds
from csr_ledger.domain.ledger import AccountFlags, Result
from gotong.domain.errors import Conflict, Forbidden, ValidationFailed


@pytest.mark.parametrize("nib", ["9120001234567", "0000000000000"])
def test_a_nib_is_thirteen_digits(nib):
    assert funds.validate_nib(nib) == nib


@pytest.mark.parametrize("nib", ["912000123456", "91200012345678", "912000123456a", " 9120001234567", ""])
def test_anything_else_is_not_a_nib(nib):
    with pytest.raises(ValidationFailed) as err:
        funds.validate_nib(nib)
    assert (err.value.detail, err.value.field) == ("NIB must be 13 digits", "nib")


@pytest.mark.parametrize(("npwp", "digits"), [
    ("01.234.567.8-901.000", "012345678901000"),  # the old 15-digit format, punctuated
    ("012345678901000", "012345678901000"),
    ("3273014101900001", "3273014101900001"),  # since 2024: 16 digits (the NIK for a person)
    ("3273.0141-0190.0001", "3273014101900001"),
])
def test_an_npwp_is_fifteen_or_sixteen_digits_with_or_without_punctuation(npwp, digits):
    assert funds.validate_npwp(npwp) == digits


@pytest.mark.parametrize("npwp", ["01234567890100", "01234567890100012", "01 234 567 8 901 000",
                                  "01234567890100a", ""])
def test_anything_else_is_not_an_npwp(npwp):
    with pytest.raises(ValidationFailed) as err:
        funds.validate_npwp(npwp)
    assert (err.value.detail, err.value.field) == ("NPWP must be 15 or 16 digits", "npwp")


def test_accounts_and_transfer_ids_derive_from_their_natural_keys():
    company, allocation = UUID(int=1), UUID(int=2)
    fund = funds.fund_account(company)
    assert fund == funds.fund_account(company)
    assert fund.id == uuid5(funds.NAMESPACE, f"company:{company}:fund")
    assert (fund.code, fund.flags) == ("company:fund", AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
    target = funds.allocation_account(allocation)
    assert target.id == uuid5(funds.NAMESPACE, f"allocation:{allocation}")
    assert (target.code, target.flags) == ("allocation", AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
    assert funds.fund_account(uuid4()).id != fund.id
    assert funds.spending_transfer_id("pay-1") == uuid5(funds.NAMESPACE, "spend:pay-1")
    assert funds.reversal_transfer_id("pay-1") == uuid5(funds.NAMESPACE, "return:pay-1")
    assert len({funds.spending_transfer_id("pay-1"), funds.reversal_transfer_id("pay-1"),
                funds.spending_transfer_id("pay-2")}) == 3
    assert [(a.code, text) for a, text in funds.SYSTEM_ACCOUNTS] == [
        ("system:bank-inflow", "Setoran dari rekening perusahaan"),
        ("system:disbursed", "Disalurkan ke penerima manfaat")]
    assert (funds.BANK_INFLOW, funds.DISBURSED) == (uuid5(funds.NAMESPACE, "system:bank-inflow"),
                                                    uuid5(funds.NAMESPACE, "system:disbursed"))


def test_only_an_amount_above_the_threshold_needs_a_second_officer():
    assert not funds.needs_approval(100_000_000, 100_000_000)
    assert funds.needs_approval(100_000_001, 100_000_000)
    assert not funds.needs_approval(1, 100_000_000)


def test_the_maker_can_never_be_the_checker():
    funds.check_checker("sup-a", "sup-b")
    with pytest.raises(Forbidden) as err:
        funds.check_checker("sup-a", "sup-a")
    assert (err.value.detail, err.value.field) == (
        "the officer who requested an allocation cannot approve it (maker–checker)", "checker")


@pytest.mark.parametrize(("result", "detail"), [
    (Result.EXCEEDS_CREDITS, "not enough funds: this would take the account below zero"),
    (Result.PENDING_TRANSFER_EXPIRED, "the approval window has passed; the reservation expired"),
    (Result.EXISTS_WITH_DIFFERENT_AMOUNT, "exists with different amount"),
])
def test_a_ledger_refusal_says_why_in_words_and_keeps_the_result(result, detail):
    err = funds.LedgerRefused(result, field="amount")
    assert isinstance(err, Conflict)
    assert (err.detail, err.field, err.extra, err.result) == (detail, "amount", {"reason": result.value}, result)
    assert (err.status, err.code, err.title) == (409, "ledger-refused", "The ledger refused this movement of money")
    assert funds.LedgerRefused(result).field is None
