"""`gotong bench ledger`: ledger transfers/s, one per transaction and batched, against a raw COPY of the same
rows, with the invariants checked (recomputed from events) at the end."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import asyncpg
import click
from sqlalchemy.engine import make_url

from csr_ledger.application.ledger import create_transfers, open_accounts, recompute_from_events
from csr_ledger.domain.ledger import Account, AccountFlags, Result, Transfer
from gotong.adapters.sql import Database
from gotong.application.uow import UnitOfWorkFactory
from gotong.bench.harness import Report, Timer, console, servers
from gotong.bench.harness import Result as Measure
from gotong.db import asyncpg_dsn, create_engine, drop_database
from gotong.eventstore.postgres import PostgresEventStore
from gotong.migrations import migrate
from gotong.service import discover_services


async def bench_ledger(single: int, batches: int, batch_size: int, accounts: int) -> Report:
    report = Report("gotong bench ledger")
    with servers() as srv:
        url = make_url(srv.database_url).set(database=f"bench_ledger_{uuid4().hex[:8]}").render_as_string(False)
        await migrate(discover_services()["csr-ledger"], url)
        engine = create_engine(url, pool_size=4)
        try:
            async with Database(engine).transaction() as sql:
                await sql.execute("CREATE TABLE raw_transfers (LIKE ledger_transfers INCLUDING ALL)")
            from csr_ledger.bootstrap import PROJECTORS

            store = UnitOfWorkFactory(PostgresEventStore(engine), projectors=PROJECTORS)
            rng = random.Random(1)
            source = Account(uuid4(), "source")
            funds = [Account(uuid4(), f"fund{i}", AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
                     for i in range(accounts)]
            async with store.begin() as tx:
                await open_accounts(tx, [(a, a.code, None) for a in [source, *funds]])
                await create_transfers(tx, [Transfer(uuid4(), source.id, f.id, 10**12, code="deposit")
                                            for f in funds], datetime.now(UTC))

            def transfer() -> Transfer:
                dr, cr = rng.sample(funds, 2)
                return Transfer(uuid4(), dr.id, cr.id, rng.randint(1, 1_000_000), code="bench")

            refused = 0
            with Timer() as t:
                for _ in range(single):
                    async with store.begin() as tx:
                        outcome = await create_transfers(tx, [transfer()], datetime.now(UTC))
                    refused += outcome.results[0] is not Result.OK
            report.add(Measure("ledger single transfer (1/txn)", single, t.seconds, "transfers"))
            with Timer() as t:
                for _ in range(batches):
                    async with store.begin() as tx:
                        outcome = await create_transfers(tx, [transfer() for _ in range(batch_size)],
                                                         datetime.now(UTC))
                    refused += sum(r is not Result.OK for r in outcome.results)
            report.add(Measure(f"ledger batched ({batch_size:,}/txn)", batches * batch_size, t.seconds, "transfers"))
            raw = await asyncpg.connect(asyncpg_dsn(url))
            columns = ("id", "debit_account_id", "credit_account_id", "amount", "code", "reference", "flags",
                       "pending_id", "timeout", "timestamp", "pending_state", "seq")
            with Timer() as t:
                for b in range(batches):
                    rows: list[Any] = []
                    for i in range(batch_size):
                        x = transfer()
                        rows.append((x.id, x.debit_account_id, x.credit_account_id, x.amount, x.code, "", 0, None,
                                     0, datetime.now(UTC), None, b * batch_size + i))
                    async with raw.transaction():
                        await raw.copy_records_to_table("raw_transfers", records=rows, columns=columns)
            await raw.close()
            report.add(Measure(f"raw COPY of the same rows ({batch_size:,}/txn)", batches * batch_size, t.seconds,
                               "transfers"))
            async with store.begin() as tx:
                problems = await recompute_from_events(tx)
            console.print(f"  invariants after the run: {'held' if not problems else problems[:3]}; "
                          f"refused transfers: {refused}")
        finally:
            await engine.dispose()
            await drop_database(url)
    report.ratio("batched / raw COPY", f"ledger batched ({batch_size:,}/txn)",
                 f"raw COPY of the same rows ({batch_size:,}/txn)")
    report.print()
    goal = report.results[f"ledger batched ({batch_size:,}/txn)"].rate
    console.print(f"goal >= 10,000 transfers/s batched: {'met' if goal >= 10_000 else 'NOT met'} ({goal:,.0f}/s)")
    return report


@click.command("ledger")
@click.option("--single", default=1000, show_default=True)
@click.option("--batches", default=20, show_default=True)
@click.option("--batch-size", default=5000, show_default=True)
@click.option("--accounts", default=1000, show_default=True, help="Fund accounts the transfers move between.")
def ledger(single: int, batches: int, batch_size: int, accounts: int) -> None:
    """CSR ledger transfers/s, single and batched, vs raw COPY; invariants checked at the end."""
    asyncio.run(bench_ledger(single, batches, batch_size, accounts))


if __name__ == "__main__":
    ledger()
