"""The ledger's use cases, for the CSR commands and the bulk paths: open accounts, book a batch of transfers,
release expired reservations. The domain decides (`LedgerState`); this books what it decided: the transfers'
events through the event store's batch API and their rows through the ledger adapter, in the unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from csr_ledger.adapters.ledger_store import LedgerBooks
from csr_ledger.domain.ledger import Account, LedgerState, Outcome, Transfer
from csr_ledger.domain.transfers import LedgerAccount, recorded
from gotong.application.uow import UnitOfWork
from gotong.eventstore.model import AppendRequest, EventData, EventMetadata


async def open_accounts(uow: UnitOfWork, accounts: Sequence[tuple[Account, str, UUID | None]]) -> None:
    """Open accounts (account, public name, owning company); opening an existing id again is a no-op."""
    opened = await uow.adapter(LedgerBooks).opened([a.id for a, _, _ in accounts])
    await uow.save_all([LedgerAccount.open(a, name, company) for a, name, company in accounts
                        if a.id not in opened])


async def _book(uow: UnitOfWork, state: LedgerState, outcome: Outcome, metadata: EventMetadata) -> None:
    await uow.adapter(LedgerBooks).write(state, outcome)
    streams = recorded(outcome, state.transfers)
    await uow.append_batch([AppendRequest(s.id, s.stream_type, s.persisted_version, [
        EventData(e.event_type, e.to_data(), e.schema_version, metadata=metadata) for e in s.pending_events])
        for s in streams])
    for s in streams:
        s.mark_saved()


async def create_transfers(uow: UnitOfWork, batch: Sequence[Transfer], now: datetime | None = None) -> Outcome:
    """TigerBeetle's `create_transfers` on the accounts the batch touches (locked): per-transfer results."""
    state = await uow.adapter(LedgerBooks).lock(batch)
    outcome = state.create_transfers(batch, now or uow.clock.now())
    await _book(uow, state, outcome, uow.metadata)
    return outcome


async def expire_pending(uow: UnitOfWork, now: datetime | None = None, limit: int = 10_000) -> Outcome:
    """Release pending transfers past their timeout (the service runs this periodically)."""
    now = now or uow.clock.now()
    state = await uow.adapter(LedgerBooks).lock_due(now, limit)
    if state is None:
        return Outcome([])
    outcome = state.expire_pending(now)
    await _book(uow, state, outcome, uow.metadata)
    return outcome


async def recompute_from_events(uow: UnitOfWork) -> list[str]:
    """Every balance rebuilt from the ledger's events and compared with the balance rows; [] when equal."""
    return await uow.adapter(LedgerBooks).recompute_from_events()
