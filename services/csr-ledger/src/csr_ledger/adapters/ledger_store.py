"""The ledger on PostgreSQL: a batch locks the accounts it touches (in id order, so concurrent batches never
deadlock and never overdraw), runs the domain's rules on exactly those rows, and writes transfers, balances and
ledger events in the caller's transaction. Balances are projections; `recompute_from_events` checks them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from csr_ledger.domain.ledger import (
    Account,
    AccountFlags,
    LedgerState,
    Outcome,
    PendingState,
    Transfer,
    TransferFlags,
    recompute,
)
from gotong.eventstore import AppendRequest, ConcurrencyError, EventData, EventMetadata, EventStoreTx
from gotong.eventstore.postgres import driver_connection

ACCOUNT_STREAM = "ledger-account"
TRANSFER_STREAM = "ledger-transfer"

_TRANSFER_COLUMNS = ("id", "debit_account_id", "credit_account_id", "amount", "code", "reference", "flags",
                     "pending_id", "timeout", "timestamp", "pending_state")


def _account(r: Any) -> Account:
    return Account(r["id"], r["code"], AccountFlags(r["flags"]), r["debits_pending"], r["debits_posted"],
                   r["credits_pending"], r["credits_posted"])


def _transfer(r: Any) -> Transfer:
    return Transfer(r["id"], r["debit_account_id"], r["credit_account_id"], r["amount"], r["code"], r["reference"],
                    TransferFlags(r["flags"]), r["pending_id"], r["timeout"], r["timestamp"])


def transfer_data(t: Transfer) -> dict[str, Any]:
    return {"id": str(t.id), "debit_account_id": str(t.debit_account_id), "credit_account_id": str(t.credit_account_id),
            "amount": t.amount, "code": t.code, "reference": t.reference, "flags": int(t.flags),
            "pending_id": str(t.pending_id) if t.pending_id else None, "timeout": t.timeout,
            "timestamp": t.timestamp.isoformat() if t.timestamp else None}


async def _driver(tx: EventStoreTx) -> asyncpg.Connection:
    return await driver_connection(tx.connection, begin=False)


async def open_accounts(tx: EventStoreTx, accounts: Sequence[tuple[Account, str, UUID | None]],
                        metadata: EventMetadata | None = None) -> None:
    """Open accounts (account, public name, owning company); opening an existing id again is a no-op."""
    driver = await _driver(tx)
    ids = [a.id for a, _, _ in accounts]
    existing = {r[0] for r in await driver.fetch("SELECT id FROM ledger_accounts WHERE id = ANY($1)", ids)}
    fresh = [(a, name, company) for a, name, company in accounts if a.id not in existing]
    if not fresh:
        return
    await driver.executemany(
        "INSERT INTO ledger_accounts (id, code, flags, name, company_id) VALUES ($1, $2, $3, $4, $5)",
        [(a.id, a.code, int(a.flags), name, company) for a, name, company in fresh])
    await tx.append_batch([AppendRequest(a.id, ACCOUNT_STREAM, 0, [EventData(
        "AccountOpened", {"id": str(a.id), "code": a.code, "flags": int(a.flags), "name": name,
                          "company_id": str(company) if company else None},
        metadata=metadata or EventMetadata())]) for a, name, company in fresh])


async def create_transfers(tx: EventStoreTx, batch: Sequence[Transfer], now: datetime,
                           metadata: EventMetadata | None = None) -> Outcome:
    driver = await _driver(tx)
    pending_ids = list({t.pending_id for t in batch if t.pending_id})
    account_ids = {a for t in batch for a in (t.debit_account_id, t.credit_account_id) if a}
    if pending_ids:  # a pending transfer's accounts never change: safe to read before locking
        for r in await driver.fetch("SELECT debit_account_id, credit_account_id FROM ledger_transfers "
                                    "WHERE id = ANY($1)", pending_ids):
            account_ids.update((r[0], r[1]))
    locked = await driver.fetch("SELECT * FROM ledger_accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE",
                                sorted(account_ids))
    known = await driver.fetch(f"SELECT {', '.join(_TRANSFER_COLUMNS)} FROM ledger_transfers WHERE id = ANY($1)",
                               [t.id for t in batch] + pending_ids)
    state = LedgerState([_account(r) for r in locked], [_transfer(r) for r in known],
                        {r["id"]: PendingState(r["pending_state"]) for r in known if r["pending_state"]})
    outcome = state.create_transfers(batch, now)
    await _persist(tx, driver, state, outcome, metadata or EventMetadata())
    return outcome


async def expire_pending(tx: EventStoreTx, now: datetime, limit: int = 10_000) -> Outcome:
    """Release pending transfers past their timeout (the service runs this periodically)."""
    driver = await _driver(tx)
    due = await driver.fetch(
        f"SELECT {', '.join(_TRANSFER_COLUMNS)} FROM ledger_transfers WHERE pending_state = 'pending' AND timeout > 0 "
        "AND timestamp + make_interval(secs => timeout) <= $1 ORDER BY timestamp LIMIT $2", now, limit)
    if not due:
        return Outcome([])
    account_ids = sorted({a for r in due for a in (r["debit_account_id"], r["credit_account_id"])})
    locked = await driver.fetch("SELECT * FROM ledger_accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE",
                                account_ids)
    fresh = await driver.fetch(f"SELECT {', '.join(_TRANSFER_COLUMNS)} FROM ledger_transfers WHERE id = ANY($1) "
                               "AND pending_state = 'pending'", [r["id"] for r in due])
    state = LedgerState([_account(r) for r in locked], [_transfer(r) for r in fresh],
                        {r["id"]: PendingState.PENDING for r in fresh})
    outcome = state.expire_pending(now)
    await _persist(tx, driver, state, outcome, EventMetadata(actor="system:expiry"))
    return outcome


async def _persist(tx: EventStoreTx, driver: asyncpg.Connection, state: LedgerState, outcome: Outcome,
                   metadata: EventMetadata) -> None:
    if outcome.created:
        rows = [(t.id, t.debit_account_id, t.credit_account_id, t.amount, t.code, t.reference, int(t.flags),
                 t.pending_id, t.timeout, t.timestamp,
                 "pending" if t.flags & TransferFlags.PENDING and t.id not in outcome.pending_changes else
                 (outcome.pending_changes[t.id].value if t.id in outcome.pending_changes else None))
                for t in outcome.created]
        try:
            await driver.copy_records_to_table("ledger_transfers", records=rows, columns=_TRANSFER_COLUMNS)
        except asyncpg.UniqueViolationError as err:  # the same id committed meanwhile: retry sees `exists`
            raise ConcurrencyError("a transfer with this id was created concurrently") from err
    created_ids = {t.id for t in outcome.created}
    resolved = [(tid, s.value) for tid, s in outcome.pending_changes.items() if tid not in created_ids]
    if resolved:
        await driver.execute(
            "UPDATE ledger_transfers t SET pending_state = u.state FROM unnest($1::uuid[], $2::text[]) AS u(id, state) "
            "WHERE t.id = u.id", [r[0] for r in resolved], [r[1] for r in resolved])
    if outcome.touched_accounts:
        accounts = [state.accounts[a] for a in sorted(outcome.touched_accounts)]
        await driver.execute(
            "UPDATE ledger_accounts a SET debits_pending = u.dp, debits_posted = u.dpo, credits_pending = u.cp, "
            "credits_posted = u.cpo FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) "
            "AS u(id, dp, dpo, cp, cpo) WHERE a.id = u.id",
            [a.id for a in accounts], [a.debits_pending for a in accounts], [a.debits_posted for a in accounts],
            [a.credits_pending for a in accounts], [a.credits_posted for a in accounts])
    requests = [AppendRequest(t.id, TRANSFER_STREAM, 0, [EventData("TransferCreated", transfer_data(t),
                                                                  metadata=metadata)]) for t in outcome.created]
    requests += [AppendRequest(tid, TRANSFER_STREAM, 1, [EventData("PendingResolved", {"state": s.value},
                                                                   metadata=metadata)])
                 for tid, s in outcome.pending_changes.items() if s is not PendingState.PENDING]
    if requests:
        await tx.append_batch(requests)


async def recompute_from_events(tx: EventStoreTx) -> list[str]:
    """Rebuild every balance from the ledger's events and compare with the balance rows; [] when equal."""
    driver = await _driver(tx)
    rows = await driver.fetch("SELECT stream_id, event_type, data FROM events WHERE stream_type IN ($1, $2) "
                              "ORDER BY tx_id, position", ACCOUNT_STREAM, TRANSFER_STREAM)
    accounts: list[Account] = []
    transfers: dict[UUID, Transfer] = {}
    pending: dict[UUID, PendingState] = {}
    for r in rows:
        d = r["data"]
        if r["event_type"] == "AccountOpened":
            accounts.append(Account(UUID(d["id"]), d["code"], AccountFlags(d["flags"])))
        elif r["event_type"] == "TransferCreated":
            t = Transfer(UUID(d["id"]), UUID(d["debit_account_id"]), UUID(d["credit_account_id"]), d["amount"],
                         d["code"], d["reference"], TransferFlags(d["flags"]),
                         UUID(d["pending_id"]) if d["pending_id"] else None, d["timeout"])
            transfers[t.id] = t
            if t.flags & TransferFlags.PENDING:
                pending[t.id] = PendingState.PENDING
        else:
            pending[r["stream_id"]] = PendingState(d["state"])
    expected = recompute(accounts, transfers.values(), pending)
    actual = {r["id"]: (r["debits_pending"], r["debits_posted"], r["credits_pending"], r["credits_posted"])
              for r in await driver.fetch("SELECT * FROM ledger_accounts")}
    problems = [f"{a}: rows {actual.get(a)} != events {v}" for a, v in expected.items() if actual.get(a) != v]
    totals = await driver.fetchrow("SELECT sum(debits_posted) AS d, sum(credits_posted) AS c, "
                                   "sum(debits_pending) AS dp, sum(credits_pending) AS cp FROM ledger_accounts")
    if totals["d"] != totals["c"] or totals["dp"] != totals["cp"]:
        problems.append("sum of debits differs from sum of credits")
    return problems
