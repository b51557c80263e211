"""The ledger on PostgreSQL: a batch locks the accounts it touches (in id order, so concurrent batches never
deadlock and never overdraw), hands the domain exactly those rows to decide on, and writes the outcome's
transfers and balances in the caller's transaction (the fast path: COPY and one UPDATE per kind).

`ledger_accounts` and `ledger_transfers` are projections of the ledger's events: the event projectors below
build the same rows one event at a time (what `gotong csr-ledger rebuild` runs), and `recompute_from_events`
checks the balances against the events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from csr_ledger.domain.events import AccountOpened, PendingResolved, TransferCreated, registry
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
from csr_ledger.domain.transfers import LedgerAccount, LedgerTransfer
from gotong.adapters.sql import Sql
from gotong.application.uow import EventContext
from gotong.eventstore import ConcurrencyError
from gotong.eventstore.postgres import recorded_from_row, select_events_sql

ACCOUNT_STREAM = LedgerAccount.stream_type
TRANSFER_STREAM = LedgerTransfer.stream_type

_TRANSFER_COLUMNS = ("id", "debit_account_id", "credit_account_id", "amount", "code", "reference", "flags",
                     "pending_id", "timeout", "timestamp", "pending_state")


def _account(r: Any) -> Account:
    return Account(r["id"], r["code"], AccountFlags(r["flags"]), r["debits_pending"], r["debits_posted"],
                   r["credits_pending"], r["credits_posted"])


def _transfer(r: Any) -> Transfer:
    return Transfer(r["id"], r["debit_account_id"], r["credit_account_id"], r["amount"], r["code"], r["reference"],
                    TransferFlags(r["flags"]), r["pending_id"], r["timeout"], r["timestamp"])


class LedgerBooks:
    """The ledger's rows inside one transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def opened(self, ids: Sequence[UUID]) -> set[UUID]:
        """Which of these accounts are open already."""
        return {r[0] for r in await self.sql.fetch("SELECT id FROM ledger_accounts WHERE id = ANY($1)", list(ids))}

    async def lock(self, batch: Sequence[Transfer]) -> LedgerState:
        """The accounts a batch touches (locked, in id order) and the transfers it names, as the domain's state."""
        pending_ids = list({t.pending_id for t in batch if t.pending_id})
        account_ids = {a for t in batch for a in (t.debit_account_id, t.credit_account_id) if a}
        if pending_ids:  # a pending transfer's accounts never change: safe to read before locking
            for r in await self.sql.fetch("SELECT debit_account_id, credit_account_id FROM ledger_transfers "
                                          "WHERE id = ANY($1)", pending_ids):
                account_ids.update((r[0], r[1]))
        locked = await self.sql.fetch("SELECT * FROM ledger_accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE",
                                      sorted(account_ids))
        known = await self.sql.fetch(
            f"SELECT {', '.join(_TRANSFER_COLUMNS)} FROM ledger_transfers WHERE id = ANY($1)",
            [t.id for t in batch] + pending_ids)
        return LedgerState([_account(r) for r in locked], [_transfer(r) for r in known],
                           {r["id"]: PendingState(r["pending_state"]) for r in known if r["pending_state"]})

    async def lock_due(self, now: datetime, limit: int) -> LedgerState | None:
        """Pending transfers past their timeout, with their accounts locked; None when none is due."""
        due = await self.sql.fetch(
            f"SELECT {', '.join(_TRANSFER_COLUMNS)} FROM ledger_transfers WHERE pending_state = 'pending' "
            "AND timeout > 0 AND timestamp + make_interval(secs => timeout) <= $1 ORDER BY timestamp LIMIT $2",
            now, limit)
        if not due:
            return None
        account_ids = sorted({a for r in due for a in (r["debit_account_id"], r["credit_account_id"])})
        locked = await self.sql.fetch("SELECT * FROM ledger_accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE",
                                      account_ids)
        fresh = await self.sql.fetch(
            f"SELECT {', '.join(_TRANSFER_COLUMNS)} FROM ledger_transfers WHERE id = ANY($1) "
            "AND pending_state = 'pending'", [r["id"] for r in due])
        return LedgerState([_account(r) for r in locked], [_transfer(r) for r in fresh],
                           {r["id"]: PendingState.PENDING for r in fresh})

    async def write(self, state: LedgerState, outcome: Outcome) -> None:
        """The outcome's rows, in bulk: what the event projectors would write, event by event."""
        if outcome.created:
            rows = [(t.id, t.debit_account_id, t.credit_account_id, t.amount, t.code, t.reference, int(t.flags),
                     t.pending_id, t.timeout, t.timestamp,
                     "pending" if t.flags & TransferFlags.PENDING and t.id not in outcome.pending_changes else
                     (outcome.pending_changes[t.id].value if t.id in outcome.pending_changes else None))
                    for t in outcome.created]
            try:
                await self.sql.copy("ledger_transfers", rows, _TRANSFER_COLUMNS)
            except asyncpg.UniqueViolationError as err:  # the same id committed meanwhile: retry sees `exists`
                raise ConcurrencyError("a transfer with this id was created concurrently") from err
        created_ids = {t.id for t in outcome.created}
        resolved = [(tid, s.value) for tid, s in outcome.pending_changes.items() if tid not in created_ids]
        if resolved:
            await self.sql.execute(
                "UPDATE ledger_transfers t SET pending_state = u.state "
                "FROM unnest($1::uuid[], $2::text[]) AS u(id, state) WHERE t.id = u.id",
                [r[0] for r in resolved], [r[1] for r in resolved])
        if outcome.touched_accounts:
            accounts = [state.accounts[a] for a in sorted(outcome.touched_accounts)]
            await self.sql.execute(
                "UPDATE ledger_accounts a SET debits_pending = u.dp, debits_posted = u.dpo, credits_pending = u.cp, "
                "credits_posted = u.cpo FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], "
                "$5::bigint[]) AS u(id, dp, dpo, cp, cpo) WHERE a.id = u.id",
                [a.id for a in accounts], [a.debits_pending for a in accounts], [a.debits_posted for a in accounts],
                [a.credits_pending for a in accounts], [a.credits_posted for a in accounts])

    async def recompute_from_events(self) -> list[str]:
        """Every balance rebuilt from the ledger's events, compared with the balance rows; [] when equal."""
        rows = await self.sql.fetch(select_events_sql("WHERE stream_type IN ($1, $2) ORDER BY tx_id, position"),
                                    ACCOUNT_STREAM, TRANSFER_STREAM)
        accounts: list[Account] = []
        transfers: dict[UUID, Transfer] = {}
        pending: dict[UUID, PendingState] = {}
        for row in rows:
            recorded = recorded_from_row(row)
            e = registry.decode(recorded.event_type, recorded.schema_version, recorded.data)
            if isinstance(e, AccountOpened):
                accounts.append(Account(e.id, e.code, AccountFlags(e.flags)))
            elif isinstance(e, TransferCreated):
                t = Transfer(e.id, e.debit_account_id, e.credit_account_id, e.amount, e.code, e.reference,
                             TransferFlags(e.flags), e.pending_id, e.timeout)
                transfers[t.id] = t
                if t.flags & TransferFlags.PENDING:
                    pending[t.id] = PendingState.PENDING
            elif isinstance(e, PendingResolved):
                pending[recorded.stream_id] = PendingState(e.state)
        expected = recompute(accounts, transfers.values(), pending)
        actual = {r["id"]: (r["debits_pending"], r["debits_posted"], r["credits_pending"], r["credits_posted"])
                  for r in await self.sql.fetch("SELECT * FROM ledger_accounts")}
        problems = [f"{a}: rows {actual.get(a)} != events {v}" for a, v in expected.items() if actual.get(a) != v]
        totals = await self.sql.fetchrow("SELECT sum(debits_posted) AS d, sum(credits_posted) AS c, "
                                         "sum(debits_pending) AS dp, sum(credits_pending) AS cp FROM ledger_accounts")
        assert totals is not None
        if totals["d"] != totals["c"] or totals["dp"] != totals["cp"]:
            problems.append("sum of debits differs from sum of credits")
        return problems


# -- event projectors: ledger_accounts and ledger_transfers, one event at a time --------------------------------

async def _move(sql: Sql, account: UUID, dp: int = 0, dpo: int = 0, cp: int = 0, cpo: int = 0) -> None:
    await sql.execute("UPDATE ledger_accounts SET debits_pending = debits_pending + $2, "
                      "debits_posted = debits_posted + $3, credits_pending = credits_pending + $4, "
                      "credits_posted = credits_posted + $5 WHERE id = $1", account, dp, dpo, cp, cpo)


async def project_account_opened(sql: Sql, e: AccountOpened, context: EventContext) -> None:
    await sql.execute("INSERT INTO ledger_accounts (id, code, flags, name, company_id, created_at) "
                      "VALUES ($1, $2, $3, $4, $5, $6)", e.id, e.code, e.flags, e.name, e.company_id,
                      context.occurred_at)


async def project_transfer_created(sql: Sql, e: TransferCreated, context: EventContext) -> None:
    """The transfer's row and its accounts' balances. Posting or voiding a reservation releases it here, in the
    same statement as the posting (so no balance is ever briefly counted twice)."""
    flags = TransferFlags(e.flags)
    await sql.execute(
        f"INSERT INTO ledger_transfers ({', '.join(_TRANSFER_COLUMNS)}) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", e.id, e.debit_account_id, e.credit_account_id,
        e.amount, e.code, e.reference, e.flags, e.pending_id, e.timeout, e.timestamp or context.occurred_at,
        "pending" if flags & TransferFlags.PENDING else None)
    dr, cr, amount = e.debit_account_id, e.credit_account_id, e.amount
    if flags & TransferFlags.PENDING:
        await _move(sql, dr, dp=amount)
        await _move(sql, cr, cp=amount)
    elif flags & (TransferFlags.POST_PENDING | TransferFlags.VOID_PENDING):
        reserved = int(await sql.fetchval("SELECT amount FROM ledger_transfers WHERE id = $1", e.pending_id))
        posted = amount if flags & TransferFlags.POST_PENDING else 0
        await _move(sql, dr, dp=-reserved, dpo=posted)
        await _move(sql, cr, cp=-reserved, cpo=posted)
    else:
        await _move(sql, dr, dpo=amount)
        await _move(sql, cr, cpo=amount)


async def project_pending_resolved(sql: Sql, e: PendingResolved, context: EventContext) -> None:
    """The reservation's new state; an expired one gives its money back (a posted or voided one was given back
    by the transfer that resolved it)."""
    row = await sql.fetchrow("UPDATE ledger_transfers SET pending_state = $2 WHERE id = $1 "
                             "RETURNING debit_account_id, credit_account_id, amount", context.stream_id, e.state)
    if row is not None and e.state == PendingState.EXPIRED.value:
        await _move(sql, row["debit_account_id"], dp=-row["amount"])
        await _move(sql, row["credit_account_id"], cp=-row["amount"])
