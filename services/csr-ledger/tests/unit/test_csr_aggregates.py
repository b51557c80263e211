"""The CSR desk's aggregates without a database: each rule once, with the ledger's books in memory. Companies,
pledges and deposits; allocations under maker–checker (approve, reject, expire, too late); double entry that
balances; overspending refused; a program two companies fund paid oldest allocation first; a return giving
each part back to the allocation that paid it; and replay from events giving back the same state."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from csr_ledger.domain import funds
from csr_ledger.domain.csr import (
    APPROVED,
    EXPIRED,
    PENDING_APPROVAL,
    REJECTED,
    Allocation,
    BookedPart,
    Company,
    Deposit,
    Funder,
    KnownProgram,
    Payment,
    PaymentAttempt,
    Pledge,
    Portion,
    Spending,
    charge,
)
from csr_ledger.domain.events import AllocationDecided, AllocationExpired, CompanyRegistered, DepositReceived
from csr_ledger.domain.funds import LedgerRefused
from csr_ledger.domain.ledger import Account, LedgerState, Result, TransferFlags
from gotong.domain.clock import FixedClock
from gotong.domain.errors import Forbidden, InvalidTransition, ValidationFailed

CLOCK = FixedClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
NOW = CLOCK.now()
THRESHOLD = 1_000_000


def company(nib: str = "9120001234567") -> Company:
    return Company.register(uuid4(), name="PT Semen Nusantara Tbk", nib=nib, npwp="01.234.567.8-901.000",
                            sector="mining", tjsl_mandatory=True, now=NOW)


class Books:
    """The ledger in memory, with the accounts the CSR desk opens."""

    def __init__(self) -> None:
        self.state = LedgerState([Account(a.id, a.code, a.flags) for a, _ in funds.SYSTEM_ACCOUNTS])

    def open(self, *companies: Company) -> None:
        for c in companies:
            self.state.accounts.setdefault(c.fund_account_id, funds.fund_account(c.id))

    def book(self, *transfers, now=NOW) -> list[Result]:
        return self.state.create_transfers(list(transfers), now).results

    def deposit(self, c: Company, amount: int) -> None:
        t = Deposit.transfer(uuid4(), c, amount, "BNI-1")
        assert Deposit.booked(t, *self.book(t), c, NOW) is not None

    def allocate(self, c: Company, amount: int, *, target: str = "csr-pangan", kind: str = "program",
                 timeout: int = 3600, now=NOW) -> Allocation:
        a = Allocation.request(uuid4(), c, target_kind=kind, target_id=target, target_name="Pangan", amount=amount,
                               sdgs=[2], region="32", maker="ops-1", transfer_id=uuid4(), threshold=THRESHOLD,
                               now=now, program=KnownProgram(target.upper(), "csr"))
        self.state.accounts.setdefault(a.account.id, a.account)
        Allocation.reserved(*self.book(a.reservation(c, timeout), now=now))
        return a

    def balance(self, account_id: UUID) -> int:
        return self.state.accounts[account_id].balance

    def available(self, account_id: UUID) -> int:
        return self.state.accounts[account_id].available


def replayed(aggregate):
    """The same aggregate rebuilt from its events (what a later command loads)."""
    events = list(enumerate(aggregate.pending_events, start=1))
    return type(aggregate).replay(aggregate.id, events)


# -- companies, pledges, deposits ---------------------------------------------------------------------------

def test_a_company_registers_with_its_nib_and_npwp_checked_and_its_fund_account_derived():
    c = company()
    (event,) = c.pending_events
    assert isinstance(event, CompanyRegistered)
    assert (event.nib, event.npwp, event.occurred_at) == ("9120001234567", "012345678901000", NOW.isoformat())
    assert c.fund_account_id == funds.fund_account(c.id).id
    again = replayed(c)
    assert (again.name, again.nib, again.npwp, again.registered_at) == (c.name, c.nib, c.npwp, NOW)
    with pytest.raises(ValidationFailed) as err:
        company(nib="123")
    assert err.value.field == "nib"


def test_a_pledge_names_sdgs_one_to_seventeen():
    c = company()
    p = Pledge.make(uuid4(), c.id, year=2026, amount=5_000_000, themes=["pangan"], sdgs=[2, 17], regions=["32"],
                    now=NOW)
    assert (replayed(p).amount, replayed(p).company_id) == (5_000_000, c.id)
    with pytest.raises(ValidationFailed) as err:
        Pledge.make(uuid4(), c.id, year=2026, amount=1, themes=[], sdgs=[18], regions=[], now=NOW)
    assert err.value.field == "sdgs"


def test_a_deposit_is_recorded_once_per_transfer_id_and_refused_when_its_fields_differ():
    c, books = company(), Books()
    books.open(c)
    tid = uuid4()
    t = Deposit.transfer(tid, c, 2_000_000, "BNI-1")
    first = Deposit.booked(t, *books.book(t), c, NOW)
    assert first is not None
    assert first.id == Deposit.stream_of(tid)
    assert isinstance(first.pending_events[0], DepositReceived)
    assert Deposit.booked(t, *books.book(t), c, NOW) is None  # exists: nothing new
    changed = Deposit.transfer(tid, c, 1, "BNI-1")
    with pytest.raises(LedgerRefused) as err:
        Deposit.booked(changed, *books.book(changed), c, NOW)
    assert (err.value.result, err.value.field) == (Result.EXISTS_WITH_DIFFERENT_AMOUNT, "transfer_id")
    assert books.balance(c.fund_account_id) == 2_000_000


# -- allocations: threshold, maker–checker, reservations ------------------------------------------------------

def test_at_or_below_the_threshold_an_allocation_is_approved_at_once_above_it_waits():
    c, books = company(), Books()
    books.open(c)
    books.deposit(c, 5_000_000)
    small, big = books.allocate(c, THRESHOLD), books.allocate(c, THRESHOLD + 1)
    assert (small.status, big.status) == (APPROVED, PENDING_APPROVAL)
    assert (small.decided_at, big.decided_at) == (NOW, None)
    assert books.balance(small.account.id) == THRESHOLD
    assert books.balance(big.account.id) == 0, "a reservation is not money in the allocation yet"
    assert books.available(c.fund_account_id) == 5_000_000 - THRESHOLD - (THRESHOLD + 1)


def test_the_maker_can_neither_approve_nor_reject_and_another_officer_approves():
    c, books = company(), Books()
    books.open(c)
    books.deposit(c, 5_000_000)
    a = replayed(books.allocate(c, 2_000_000))
    for approve in (True, False):
        with pytest.raises(Forbidden) as err:
            a.resolution(uuid4(), "ops-1", approve)
        assert err.value.field == "checker"
    post = a.resolution(uuid4(), "sup-b", True)
    assert (post.flags, post.pending_id) == (TransferFlags.POST_PENDING, a.transfer_id)
    result, = books.book(post)
    a.decide("sup-b", True, result, NOW)
    assert (a.status, a.checker, a.decided_at) == (APPROVED, "sup-b", NOW)
    assert books.balance(a.account.id) == 2_000_000
    (event,) = a.pending_events
    assert isinstance(event, AllocationDecided)
    assert (event.status, event.maker, event.checker) == ("approved", "ops-1", "sup-b")
    with pytest.raises(InvalidTransition):
        a.resolution(uuid4(), "sup-c", True)


def test_a_rejected_allocation_gives_its_reservation_back():
    c, books = company(), Books()
    books.open(c)
    books.deposit(c, 5_000_000)
    a = books.allocate(c, 2_000_000)
    result, = books.book(a.resolution(uuid4(), "sup-b", False))
    a.decide("sup-b", False, result, NOW)
    assert a.status == REJECTED
    assert books.available(c.fund_account_id) == 5_000_000
    assert books.state.check_invariants() == []


def test_a_decision_after_the_window_finds_the_allocation_expired_and_expiry_marks_the_others():
    c, books = company(), Books()
    books.open(c)
    books.deposit(c, 5_000_000)
    late = books.allocate(c, 2_000_000, timeout=60)
    result, = books.book(late.resolution(uuid4(), "sup-b", True), now=NOW.replace(minute=2))
    assert result is Result.PENDING_TRANSFER_EXPIRED
    late.decide("sup-b", True, result, NOW.replace(minute=2))
    assert late.status == EXPIRED
    waiting = books.allocate(c, 2_000_000, timeout=60)
    released = books.state.expire_pending(NOW.replace(minute=5))
    assert waiting.transfer_id in released.pending_changes
    waiting.expire(NOW.replace(minute=5))
    assert isinstance(waiting.pending_events[-1], AllocationExpired)
    assert replayed(waiting).status == EXPIRED
    approved = books.allocate(c, 10_000)
    approved.expire(NOW)
    assert len(approved.pending_events) == 1, "a decided allocation does not expire"
    assert books.available(c.fund_account_id) == 5_000_000 - 10_000


def test_an_allocation_above_what_the_fund_holds_is_refused():
    c, books = company(), Books()
    books.open(c)
    books.deposit(c, 1_000_000)
    with pytest.raises(LedgerRefused) as err:
        books.allocate(c, 1_000_001)
    assert (err.value.result, err.value.field) == (Result.EXCEEDS_CREDITS, "amount")


def test_a_program_target_is_a_csr_program_spelled_as_disbursement_spells_it():
    c = company()

    def request(target: str, program: KnownProgram | None) -> Allocation:
        return Allocation.request(uuid4(), c, target_kind="program", target_id=target, target_name="x", amount=1,
                                  sdgs=[], region=None, maker="m", transfer_id=uuid4(), threshold=THRESHOLD, now=NOW,
                                  program=program)

    assert (request("Csr-Ok", KnownProgram("CSR-OK", "csr")).target_id, request("x", None).target_id) == \
        ("csr-ok", "x")
    assert "is known yet" in request("x", None).warnings[0]
    with pytest.raises(ValidationFailed) as err:
        request("pkh", KnownProgram("PKH", "apbn"))
    assert err.value.field == "target_id"


# -- spending: double entry, overspending, funders oldest first, returns ---------------------------------------

def _payment(amount: int, allocation: Allocation, status: str = "paid", attempt: int = 1) -> Payment:
    return Payment("pay-1", attempt, str(allocation.id), amount, status, "pid-1", "32", "32.73", "hh_1")


def _funders(books: Books, *allocations: Allocation) -> list[Funder]:
    return [Funder(a.id, a.company_id, a.account.id, books.available(a.account.id)) for a in allocations]


def test_a_program_two_companies_fund_pays_from_the_oldest_allocation_first_then_the_next():
    one, two, books = company(), company("9120007777777"), Books()
    books.open(one, two)
    books.deposit(one, 5_000_000)
    books.deposit(two, 5_000_000)
    older, newer = books.allocate(one, 500_000), books.allocate(two, 800_000)
    attempt = PaymentAttempt(_payment(700_000, older), [])
    assert not attempt.done
    portions = attempt.portions(_funders(books, older, newer))
    assert [(p.allocation_id, p.amount) for p in portions] == [(older.id, 500_000), (newer.id, 200_000)]
    transfers = attempt.transfers(portions)
    assert [t.flags for t in transfers] == [TransferFlags.LINKED, TransferFlags.NONE]
    assert [t.id for t in transfers] == [funds.spending_transfer_id("pay-1", 1, 0),
                                         funds.spending_transfer_id("pay-1", 1, 1)]
    assert PaymentAttempt.booked_result(books.book(*transfers)) is Result.OK
    assert (books.balance(older.account.id), books.balance(newer.account.id)) == (0, 600_000)
    assert books.balance(funds.DISBURSED) == 700_000
    assert books.state.check_invariants() == [], "debits equal credits"
    spent = attempt.spending(portions, transfers, NOW)
    assert [(s.id, s.pending_events[0].part, s.pending_events[0].company_id) for s in spent] == [
        (Spending.stream_of(transfers[0].id), 0, str(one.id)), (Spending.stream_of(transfers[1].id), 1, str(two.id))]
    assert PaymentAttempt.booked_result(books.book(*transfers)) is Result.EXISTS, "a redelivery moves nothing"


def test_more_than_every_allocation_holds_is_refused_and_nothing_moves():
    one, books = company(), Books()
    books.open(one)
    books.deposit(one, 5_000_000)
    a = books.allocate(one, 500_000)
    with pytest.raises(LedgerRefused) as err:
        PaymentAttempt(_payment(600_000, a), []).portions(_funders(books, a))
    assert err.value.result is Result.EXCEEDS_CREDITS
    with pytest.raises(InvalidTransition):
        charge(1, [], str(a.id))
    # Even a chain the ledger is handed that overspends moves nothing, all or none.
    overspend = PaymentAttempt(_payment(600_000, a), []).transfers(
        [Portion(a.id, one.id, a.account.id, 400_000), Portion(a.id, one.id, a.account.id, 200_000)])
    with pytest.raises(LedgerRefused):
        PaymentAttempt.booked_result(books.book(*overspend))
    assert books.balance(a.account.id) == 500_000


def test_a_return_gives_each_part_back_to_the_allocation_that_paid_it():
    one, two, books = company(), company("9120007777777"), Books()
    books.open(one, two)
    books.deposit(one, 5_000_000)
    books.deposit(two, 5_000_000)
    older, newer = books.allocate(one, 500_000), books.allocate(two, 800_000)
    paid = PaymentAttempt(_payment(700_000, older), [])
    portions = paid.portions(_funders(books, older, newer))
    books.book(*paid.transfers(portions))
    booked = [BookedPart(p, "paid") for p in portions]
    with pytest.raises(InvalidTransition):
        _ = PaymentAttempt(_payment(700_000, older, "returned"), []).done  # never paid: a fault
    back = PaymentAttempt(_payment(700_000, older, "returned"), booked)
    assert not back.done
    reversals = back.transfers(back.portions([]))
    assert [(t.debit_account_id, t.credit_account_id, t.amount, t.code) for t in reversals] == [
        (funds.DISBURSED, older.account.id, 500_000, "reversal"),
        (funds.DISBURSED, newer.account.id, 200_000, "reversal")]
    assert [t.id for t in reversals] == [funds.reversal_transfer_id("pay-1", 1, 0),
                                         funds.reversal_transfer_id("pay-1", 1, 1)]
    assert PaymentAttempt.booked_result(books.book(*reversals)) is Result.OK
    assert (books.balance(older.account.id), books.balance(newer.account.id)) == (500_000, 800_000)
    assert books.balance(funds.DISBURSED) == 0
    assert PaymentAttempt(_payment(700_000, older, "returned"), [BookedPart(p, "returned") for p in portions]).done
    assert PaymentAttempt(_payment(700_000, older, "paid"), booked).done, "a paid attempt is booked once"
    assert books.state.check_invariants() == []


def test_a_payment_without_its_allocation_or_with_another_status_moves_nothing():
    with pytest.raises(ValidationFailed) as err:
        PaymentAttempt(Payment("p", 1, "", 1, "paid", "x", "32", "32.73", "hh"), [])
    assert err.value.field == "csr_allocation_id"
    with pytest.raises(ValueError, match="moves no CSR money"):
        PaymentAttempt(Payment("p", 1, "a", 1, "failed", "x", "32", "32.73", "hh"), [])
