"""The ledger's streams: an account is opened once; a transfer is created once and, if pending, resolved once.

`LedgerState` (ledger.py) decides a whole batch at a time (linked chains, balances, TigerBeetle's precedence);
`recorded(state, outcome)` turns what it decided into these aggregates' events, in an order a replay can
follow (each release of a reservation no later than the movement that spends the money it frees).
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from csr_ledger.domain.events import AccountOpened, PendingResolved, TransferCreated
from csr_ledger.domain.ledger import Account, AccountFlags, Outcome, PendingState, Transfer, TransferFlags
from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import InvalidTransition


class LedgerAccount(Aggregate):
    stream_type = "ledger-account"

    def initial_state(self) -> None:
        self.account: Account | None = None
        self.name = ""
        self.company_id: UUID | None = None

    @classmethod
    def open(cls, account: Account, name: str, company_id: UUID | None) -> LedgerAccount:
        opened = cls(account.id)
        opened.initial_state()
        opened._record(AccountOpened(id=account.id, code=account.code, flags=int(account.flags), name=name,
                                     company_id=company_id))
        return opened

    def apply_account_opened(self, e: AccountOpened) -> None:
        self.account = Account(e.id, e.code, AccountFlags(e.flags))
        self.name, self.company_id = e.name, e.company_id


def transfer_created(t: Transfer) -> TransferCreated:
    assert t.debit_account_id is not None, "a stored transfer names its debit account"
    assert t.credit_account_id is not None, "a stored transfer names its credit account"
    return TransferCreated(id=t.id, debit_account_id=t.debit_account_id, credit_account_id=t.credit_account_id,
                           amount=t.amount, code=t.code, reference=t.reference, flags=int(t.flags),
                           pending_id=t.pending_id, timeout=t.timeout, timestamp=t.timestamp)


def transfer_of(e: TransferCreated) -> Transfer:
    return Transfer(e.id, e.debit_account_id, e.credit_account_id, e.amount, e.code, e.reference,
                    TransferFlags(e.flags), e.pending_id, e.timeout, e.timestamp)


class LedgerTransfer(Aggregate):
    stream_type = "ledger-transfer"

    def initial_state(self) -> None:
        self.transfer: Transfer | None = None
        self.pending_state: PendingState | None = None

    @classmethod
    def create(cls, t: Transfer) -> LedgerTransfer:
        created = cls(t.id)
        created.initial_state()
        created._record(transfer_created(t))
        return created

    @classmethod
    def stored(cls, t: Transfer) -> LedgerTransfer:
        """A transfer created by an earlier transaction (its first event is saved)."""
        return cls.replay(t.id, [(1, transfer_created(t))])

    def resolve(self, state: PendingState) -> None:
        if self.pending_state is not PendingState.PENDING or state is PendingState.PENDING:
            raise InvalidTransition(f"transfer {self.id} is {self.pending_state}, it cannot become {state}")
        self._record(PendingResolved(state=state.value))

    def apply_transfer_created(self, e: TransferCreated) -> None:
        self.transfer = transfer_of(e)
        self.pending_state = PendingState.PENDING if e.flags & TransferFlags.PENDING else None

    def apply_pending_resolved(self, e: PendingResolved) -> None:
        self.pending_state = PendingState(e.state)


def recorded(outcome: Outcome, known: Mapping[UUID, Transfer]) -> list[LedgerTransfer]:
    """The transfer aggregates, with their new events, of what one batch (or one expiry run) did: expiries
    first, then each created transfer followed by the reservation it resolved. `known`: the transfers the batch
    was decided with (the pending ones it resolved are among them)."""
    created = {t.id for t in outcome.created}
    streams: dict[UUID, LedgerTransfer] = {}
    for tid, state in outcome.pending_changes.items():
        if state is PendingState.EXPIRED and tid not in created:
            streams[tid] = LedgerTransfer.stored(known[tid])
            streams[tid].resolve(state)
    for t in outcome.created:
        streams[t.id] = LedgerTransfer.create(t)
        final = outcome.pending_changes.get(t.id)
        if final is not None and final is not PendingState.PENDING:
            streams[t.id].resolve(final)
        if t.pending_id is not None and t.pending_id not in streams:
            pending = LedgerTransfer.stored(known[t.pending_id])
            pending.resolve(outcome.pending_changes[t.pending_id])
            streams[t.pending_id] = pending
    return list(streams.values())
