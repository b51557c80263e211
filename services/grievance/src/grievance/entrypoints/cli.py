"""`gotong grievance rebuild`: recreate the read tables (cases, the follow-up outbox) from the event store."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from gotong.adapters.sql import Database
from gotong.application.rebuild import rebuild as rebuild_read_tables
from gotong.application.repository import Repository
from gotong.db import create_engine
from grievance.adapters.tables import projectors
from grievance.application.commands import cases
from grievance.config import Settings


@click.group()
def grievance() -> None:
    """Grievance cases: usul, sanggah, payment complaints, data corrections."""


@grievance.command("rebuild")
@click.option("--yes", is_flag=True, help="really rebuild (the read tables are emptied and written again)")
def rebuild(yes: bool) -> None:
    """Empty `cases` and `follow_ups` and replay the event store into them, in one transaction (publishes
    nothing). The case keys are not a projection and are kept."""
    if not yes:
        raise click.ClickException("this rewrites the read tables; run again with --yes")

    async def go() -> Any:
        engine = create_engine(Settings().service_database_url, pool_size=1)
        try:
            repositories: list[Repository[Any]] = [cases]
            return await rebuild_read_tables(Database(engine), projectors, repositories)
        finally:
            await engine.dispose()

    done = asyncio.run(go())
    counts = ", ".join(f"{n} {kind}s" for kind, n in sorted(done.aggregates.items()))
    click.echo(f"{done.events} events replayed; {counts or 'nothing'} rebuilt")
