"""A double-entry ledger with the invariants of TigerBeetle's `create_transfers` (docs.tigerbeetle.com,
reference/requests/create_transfers and the two-phase transfer guide), in rupiah:

- a transfer debits one account and credits another for a positive integer amount; transfers are immutable;
- the same transfer id again with the same fields is `exists`, with a different field `exists_with_different_*`;
- accounts may forbid debits exceeding credits (or the reverse), counting pending amounts, checked per transfer;
- two-phase: a `pending` transfer reserves funds, then is posted (all or part), voided, or expires at its timeout;
- `linked` transfers form a chain that commits all or none (`linked_event_failed` for the innocent members,
  `linked_event_chain_open` when the batch ends inside a chain);
- results are per transfer, first applicable error in TigerBeetle's precedence order.
Where Gotong differs: ids are UUIDs, `timeout` is in seconds from the transfer's timestamp, and `code` names
the kind of money movement (deposit, allocation, spending, reversal) as a string.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import IntFlag, StrEnum
from uuid import UUID


class AccountFlags(IntFlag):
    NONE = 0
    DEBITS_MUST_NOT_EXCEED_CREDITS = 1 << 1
    CREDITS_MUST_NOT_EXCEED_DEBITS = 1 << 2


class TransferFlags(IntFlag):
    NONE = 0
    LINKED = 1 << 0
    PENDING = 1 << 1
    POST_PENDING = 1 << 2
    VOID_PENDING = 1 << 3


class Result(StrEnum):
    OK = "ok"
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    EXISTS_WITH_DIFFERENT_FLAGS = "exists_with_different_flags"
    EXISTS_WITH_DIFFERENT_PENDING_ID = "exists_with_different_pending_id"
    EXISTS_WITH_DIFFERENT_TIMEOUT = "exists_with_different_timeout"
    EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID = "exists_with_different_debit_account_id"
    EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID = "exists_with_different_credit_account_id"
    EXISTS_WITH_DIFFERENT_AMOUNT = "exists_with_different_amount"
    EXISTS_WITH_DIFFERENT_REFERENCE = "exists_with_different_reference"
    EXISTS_WITH_DIFFERENT_CODE = "exists_with_different_code"
    EXISTS = "exists"
    ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
    PENDING_ID_MUST_BE_ZERO = "pending_id_must_be_zero"
    PENDING_ID_MUST_NOT_BE_ZERO = "pending_id_must_not_be_zero"
    PENDING_ID_MUST_BE_DIFFERENT = "pending_id_must_be_different"
    TIMEOUT_RESERVED_FOR_PENDING_TRANSFER = "timeout_reserved_for_pending_transfer"
    AMOUNT_MUST_NOT_BE_ZERO = "amount_must_not_be_zero"
    AMOUNT_MUST_NOT_BE_NEGATIVE = "amount_must_not_be_negative"
    DEBIT_ACCOUNT_NOT_FOUND = "debit_account_not_found"
    CREDIT_ACCOUNT_NOT_FOUND = "credit_account_not_found"
    PENDING_TRANSFER_NOT_FOUND = "pending_transfer_not_found"
    PENDING_TRANSFER_NOT_PENDING = "pending_transfer_not_pending"
    PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID = "pending_transfer_has_different_debit_account_id"
    PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID = "pending_transfer_has_different_credit_account_id"
    EXCEEDS_PENDING_TRANSFER_AMOUNT = "exceeds_pending_transfer_amount"
    PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT = "pending_transfer_has_different_amount"
    PENDING_TRANSFER_ALREADY_POSTED = "pending_transfer_already_posted"
    PENDING_TRANSFER_ALREADY_VOIDED = "pending_transfer_already_voided"
    PENDING_TRANSFER_EXPIRED = "pending_transfer_expired"
    EXCEEDS_CREDITS = "exceeds_credits"
    EXCEEDS_DEBITS = "exceeds_debits"


class PendingState(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


@dataclass(slots=True)
class Account:
    id: UUID
    code: str
    flags: AccountFlags = AccountFlags.NONE
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0

    @property
    def balance(self) -> int:
        """Posted credits minus posted debits (what a fund account holds)."""
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        """What can still be debited: posted credits less posted and pending debits."""
        return self.credits_posted - self.debits_posted - self.debits_pending


@dataclass(frozen=True, slots=True)
class Transfer:
    id: UUID
    debit_account_id: UUID | None
    credit_account_id: UUID | None
    amount: int
    code: str = ""
    reference: str = ""
    flags: TransferFlags = TransferFlags.NONE
    pending_id: UUID | None = None
    timeout: int = 0  # seconds, pending transfers only; 0 = never expires
    timestamp: datetime | None = None  # set by the ledger when created

    def same_fields(self, other: Transfer) -> Result:
        """`exists` or the first differing field, comparing what the client sent (not the timestamp)."""
        ignore_linked = ~TransferFlags.LINKED
        checks = (
            (self.flags & ignore_linked != other.flags & ignore_linked, Result.EXISTS_WITH_DIFFERENT_FLAGS),
            (self.pending_id != other.pending_id, Result.EXISTS_WITH_DIFFERENT_PENDING_ID),
            (self.timeout != other.timeout, Result.EXISTS_WITH_DIFFERENT_TIMEOUT),
            (other.debit_account_id is not None and self.debit_account_id != other.debit_account_id,
             Result.EXISTS_WITH_DIFFERENT_DEBIT_ACCOUNT_ID),
            (other.credit_account_id is not None and self.credit_account_id != other.credit_account_id,
             Result.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID),
            (other.amount and self.amount != other.amount, Result.EXISTS_WITH_DIFFERENT_AMOUNT),
            (self.reference != other.reference, Result.EXISTS_WITH_DIFFERENT_REFERENCE),
            (other.code and self.code != other.code, Result.EXISTS_WITH_DIFFERENT_CODE),
        )
        return next((r for differs, r in checks if differs), Result.EXISTS)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one `create_transfers` did: per-transfer results, and the changes to persist."""

    results: list[Result]
    created: list[Transfer] = field(default_factory=list)  # as stored (resolved accounts, amount, timestamp)
    pending_changes: dict[UUID, PendingState] = field(default_factory=dict)
    touched_accounts: set[UUID] = field(default_factory=set)


class LedgerState:
    """Accounts, transfers and pending states — loaded whole (in memory) or partially (the rows one batch
    touches, from PostgreSQL). Either way the rules below decide."""

    def __init__(self, accounts: Iterable[Account] = (), transfers: Iterable[Transfer] = (),
                 pending: dict[UUID, PendingState] | None = None) -> None:
        self.accounts: dict[UUID, Account] = {a.id: a for a in accounts}
        self.transfers: dict[UUID, Transfer] = {t.id: t for t in transfers}
        self.pending: dict[UUID, PendingState] = dict(pending or {})

    # -- create_transfers ------------------------------------------------------------------------------
    def create_transfers(self, batch: Sequence[Transfer], now: datetime) -> Outcome:
        results: list[Result] = [Result.OK] * len(batch)
        outcome = Outcome(results)
        i = 0
        while i < len(batch):
            j = i
            while j < len(batch) - 1 and batch[j].flags & TransferFlags.LINKED:
                j += 1
            chain = range(i, j + 1)
            if batch[j].flags & TransferFlags.LINKED:  # the batch ended inside a chain
                for k in chain:
                    results[k] = Result.LINKED_EVENT_FAILED
                results[j] = Result.LINKED_EVENT_CHAIN_OPEN
                i = j + 1
                continue
            saved = self._save(batch[k] for k in chain) if len(chain) > 1 else None
            created_before = len(outcome.created)
            changes_before = dict(outcome.pending_changes)
            touched_before = set(outcome.touched_accounts)
            for k in chain:
                result = self._create(batch[k], now, outcome)
                results[k] = result
                if result not in (Result.OK, Result.EXISTS) and saved is not None:
                    self._restore(saved)  # the whole chain is undone; the culprit keeps its own reason
                    del outcome.created[created_before:]
                    outcome.pending_changes.clear()
                    outcome.pending_changes.update(changes_before)
                    outcome.touched_accounts.intersection_update(touched_before)
                    for m in chain:
                        results[m] = Result.LINKED_EVENT_FAILED
                    results[k] = result
                    break
            i = j + 1
        return outcome

    def _save(self, transfers: Iterable[Transfer]) -> tuple[dict[UUID, Account], dict[UUID, PendingState], set[UUID]]:
        ids: set[UUID] = set()
        for t in transfers:
            ids.update(x for x in (t.debit_account_id, t.credit_account_id) if x)
            if t.pending_id and t.pending_id in self.transfers:
                p = self.transfers[t.pending_id]
                ids.update(x for x in (p.debit_account_id, p.credit_account_id) if x)
        accounts = {a: copy.copy(self.accounts[a]) for a in ids if a in self.accounts}
        return accounts, dict(self.pending), set(self.transfers)

    def _restore(self, saved: tuple[dict[UUID, Account], dict[UUID, PendingState], set[UUID]]) -> None:
        accounts, pending, transfer_ids = saved
        self.accounts.update(accounts)
        self.pending = pending
        for tid in [t for t in self.transfers if t not in transfer_ids]:
            del self.transfers[tid]

    def _create(self, t: Transfer, now: datetime, outcome: Outcome) -> Result:
        two_phase = t.flags & (TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING)
        kinds = [bool(t.flags & f) for f in (TransferFlags.PENDING, TransferFlags.POST_PENDING,
                                             TransferFlags.VOID_PENDING)]
        if sum(kinds) > 1:
            return Result.FLAGS_ARE_MUTUALLY_EXCLUSIVE
        existing = self.transfers.get(t.id)
        if existing is not None:
            return existing.same_fields(t)
        if t.amount < 0:
            return Result.AMOUNT_MUST_NOT_BE_NEGATIVE
        if two_phase:
            return self._resolve_pending(t, now, outcome)
        if t.pending_id is not None:
            return Result.PENDING_ID_MUST_BE_ZERO
        if t.timeout and not t.flags & TransferFlags.PENDING:
            return Result.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        if t.debit_account_id == t.credit_account_id:
            return Result.ACCOUNTS_MUST_BE_DIFFERENT
        if t.amount == 0:
            return Result.AMOUNT_MUST_NOT_BE_ZERO
        dr = self.accounts.get(t.debit_account_id) if t.debit_account_id else None
        if dr is None:
            return Result.DEBIT_ACCOUNT_NOT_FOUND
        cr = self.accounts.get(t.credit_account_id) if t.credit_account_id else None
        if cr is None:
            return Result.CREDIT_ACCOUNT_NOT_FOUND
        if dr.flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS and \
                dr.debits_pending + dr.debits_posted + t.amount > dr.credits_posted:
            return Result.EXCEEDS_CREDITS
        if cr.flags & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS and \
                cr.credits_pending + cr.credits_posted + t.amount > cr.debits_posted:
            return Result.EXCEEDS_DEBITS
        if t.flags & TransferFlags.PENDING:
            dr.debits_pending += t.amount
            cr.credits_pending += t.amount
            self.pending[t.id] = PendingState.PENDING
            outcome.pending_changes[t.id] = PendingState.PENDING
        else:
            dr.debits_posted += t.amount
            cr.credits_posted += t.amount
        stored = replace(t, flags=t.flags & ~TransferFlags.LINKED, timestamp=now)
        self.transfers[t.id] = stored
        outcome.created.append(stored)
        outcome.touched_accounts.update((dr.id, cr.id))
        return Result.OK

    def _resolve_pending(self, t: Transfer, now: datetime, outcome: Outcome) -> Result:
        if t.pending_id is None:
            return Result.PENDING_ID_MUST_NOT_BE_ZERO
        if t.pending_id == t.id:
            return Result.PENDING_ID_MUST_BE_DIFFERENT
        if t.timeout:
            return Result.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER
        p = self.transfers.get(t.pending_id)
        if p is None:
            return Result.PENDING_TRANSFER_NOT_FOUND
        if not p.flags & TransferFlags.PENDING:
            return Result.PENDING_TRANSFER_NOT_PENDING
        if t.debit_account_id is not None and t.debit_account_id != p.debit_account_id:
            return Result.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID
        if t.credit_account_id is not None and t.credit_account_id != p.credit_account_id:
            return Result.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID
        posting = bool(t.flags & TransferFlags.POST_PENDING)
        amount = t.amount or p.amount
        if posting and amount > p.amount:
            return Result.EXCEEDS_PENDING_TRANSFER_AMOUNT
        if not posting and amount != p.amount:
            return Result.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT
        state = self.pending.get(p.id, PendingState.PENDING)
        if state is PendingState.PENDING and is_expired(p, now):
            state = self._expire(p, outcome)
        if state is PendingState.POSTED:
            return Result.PENDING_TRANSFER_ALREADY_POSTED
        if state is PendingState.VOIDED:
            return Result.PENDING_TRANSFER_ALREADY_VOIDED
        if state is PendingState.EXPIRED:
            return Result.PENDING_TRANSFER_EXPIRED
        dr, cr = self.accounts[p.debit_account_id], self.accounts[p.credit_account_id]  # type: ignore[index]
        dr.debits_pending -= p.amount
        cr.credits_pending -= p.amount
        if posting:
            dr.debits_posted += amount
            cr.credits_posted += amount
        new_state = PendingState.POSTED if posting else PendingState.VOIDED
        self.pending[p.id] = new_state
        outcome.pending_changes[p.id] = new_state
        stored = replace(t, debit_account_id=p.debit_account_id, credit_account_id=p.credit_account_id,
                         amount=amount, code=t.code or p.code, flags=t.flags & ~TransferFlags.LINKED, timestamp=now)
        self.transfers[t.id] = stored
        outcome.created.append(stored)
        outcome.touched_accounts.update((dr.id, cr.id))
        return Result.OK

    def _expire(self, p: Transfer, outcome: Outcome) -> PendingState:
        dr, cr = self.accounts[p.debit_account_id], self.accounts[p.credit_account_id]  # type: ignore[index]
        dr.debits_pending -= p.amount
        cr.credits_pending -= p.amount
        self.pending[p.id] = PendingState.EXPIRED
        outcome.pending_changes[p.id] = PendingState.EXPIRED
        outcome.touched_accounts.update((dr.id, cr.id))
        return PendingState.EXPIRED

    def expire_pending(self, now: datetime) -> Outcome:
        """Release every pending transfer whose timeout has passed."""
        outcome = Outcome([])
        for tid, state in list(self.pending.items()):
            if state is PendingState.PENDING and is_expired(self.transfers[tid], now):
                self._expire(self.transfers[tid], outcome)
        return outcome

    # -- invariants ----------------------------------------------------------------------------------------
    def check_invariants(self) -> list[str]:
        """Empty when the books balance and no account broke its flags."""
        problems = []
        accounts = list(self.accounts.values())
        if sum(a.debits_posted for a in accounts) != sum(a.credits_posted for a in accounts):
            problems.append("posted debits != posted credits")
        if sum(a.debits_pending for a in accounts) != sum(a.credits_pending for a in accounts):
            problems.append("pending debits != pending credits")
        for a in accounts:
            if min(a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted) < 0:
                problems.append(f"{a.id}: negative amount field")
            if a.flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS and \
                    a.debits_pending + a.debits_posted > a.credits_posted:
                problems.append(f"{a.id}: debits exceed credits")
            if a.flags & AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS and \
                    a.credits_pending + a.credits_posted > a.debits_posted:
                problems.append(f"{a.id}: credits exceed debits")
        return problems


def is_expired(p: Transfer, now: datetime) -> bool:
    return bool(p.timeout) and p.timestamp is not None and now >= p.timestamp + timedelta(seconds=p.timeout)


def recompute(accounts: Iterable[Account], transfers: Iterable[Transfer],
              pending: dict[UUID, PendingState]) -> dict[UUID, tuple[int, int, int, int]]:
    """Balances from transfers alone: (debits_pending, debits_posted, credits_pending, credits_posted)."""
    totals = {a.id: [0, 0, 0, 0] for a in accounts}
    for t in transfers:
        assert t.debit_account_id is not None
        assert t.credit_account_id is not None
        if t.flags & TransferFlags.PENDING:
            if pending.get(t.id) is PendingState.PENDING:
                totals[t.debit_account_id][0] += t.amount
                totals[t.credit_account_id][2] += t.amount
        elif t.flags & TransferFlags.VOID_PENDING:
            continue
        else:  # single-phase and post-pending transfers move posted amounts
            totals[t.debit_account_id][1] += t.amount
            totals[t.credit_account_id][3] += t.amount
    return {k: (v[0], v[1], v[2], v[3]) for k, v in totals.items()}
