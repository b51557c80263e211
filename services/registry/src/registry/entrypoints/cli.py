"""`gotong registry ...`: import households, generate synthetic data, run the ranking (DATABASE_URL names
the server; the registry's database is `gotong_registry`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine
from gotong.domain.errors import DomainError
from gotong.eventstore.model import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.application.importer import import_file, write_csv, write_jsonl
from registry.application.projections import build_projectors, rebuild_read_tables
from registry.application.ranking import approve_ranking, propose_ranking
from registry.config import Settings
from registry.dci.entrypoints.client_cli import client as dci_client
from registry.dci.entrypoints.tool import dci
from registry.synthetic import Defects, households

console = Console(stderr=True)


def _deps(settings: Settings) -> Deps:
    from registry.bootstrap import deps_from  # the composition root imports this module

    return deps_from(settings)


def _with_units(fn: Callable[[UnitOfWorkFactory], Awaitable[Any]]) -> Any:
    """Run `fn` with a unit-of-work factory on the registry database (projectors as the app has them)."""
    async def go() -> Any:
        settings = Settings()
        engine = create_engine(settings.service_database_url, pool_size=2)
        try:
            projectors = build_projectors(KeyRing.from_text(settings.master_secret))
            return await fn(UnitOfWorkFactory(PostgresEventStore(engine), projectors=projectors))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _progress(label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(), console=console,
                    transient=False)


@click.group("registry")
def registry() -> None:
    """The social-economic registry (DTSEN): import, generate, rank (propose) and approve-ranking; `dci` signs and
    checks DCI messages and (`dci client`) registers the ministries' DCI clients."""


dci.add_command(dci_client)  # `gotong registry dci client add|list|rotate-key|revoke|audit`
registry.add_command(dci)


@registry.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", default=1000, show_default=True, help="households per transaction")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              help="also write the rejected lines (line, field, reason) to this CSV")
def import_cmd(file: Path, batch_size: int, rejects_path: Path | None) -> None:
    """Import FILE (.csv one member per row, or .jsonl one household per line). Validates every row, imports
    the good ones, reports each bad row with its line number; run it again to resume after a stop."""
    settings = Settings()

    size = file.stat().st_size

    async def go(units: UnitOfWorkFactory) -> Any:
        with _progress(f"import {file.name}") as bar:
            task = bar.add_task("import", total=size)
            return await import_file(units, _deps(settings), file, batch_size=batch_size,
                                     meta=EventMetadata(actor="cli:import"),
                                     progress=lambda done, total: bar.update(task, completed=done, total=total))

    report = _with_units(go)
    if report.already_done:
        console.print(f"{file.name} was imported completely before; nothing to do")
        return
    for r in report.rejects:
        console.print(f"line {r.line}: {r.field + ': ' if r.field else ''}{r.reason}", style="yellow")
    if rejects_path:
        with rejects_path.open("w", encoding="utf-8") as f:
            f.write("line,field,reason\n")
            f.writelines(f'{r.line},{r.field or ""},"{r.reason.replace(chr(34), chr(39))}"\n' for r in report.rejects)
    console.print(f"imported {report.imported} households ({report.persons} persons), {report.flagged} flagged "
                  f"for review, {report.rejected} rows rejected"
                  + (f"; resumed at line {report.resumed_from_line}" if report.resumed_from_line > 1 else ""))


@registry.command("generate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--households", "n", default=1000, show_default=True)
@click.option("--seed", default=1, show_default=True)
@click.option("--defects/--no-defects", default=False, help="inject DTKS-like defects at realistic rates")
def generate(file: Path, n: int, seed: int, defects: bool) -> None:
    """Write synthetic households to FILE (.csv or .jsonl), deterministic from the seed."""
    rates = Defects(invalid_nik=0.01, invalid_kk=0.005, duplicate_nik=0.004, dead_member=0.003,
                    shared_account=0.002) if defects else None
    rows = households(n, seed=seed, defects=rates)
    count = write_csv(rows, file) if file.suffix.lower() == ".csv" else write_jsonl(rows, file)
    console.print(f"wrote {count} households to {file}")


@registry.command("rank")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), help="date of the snapshot (default today)")
@click.option("--rule-version", default=None, help="PMT rule version (default the newest)")
@click.option("--by", "officer", required=True, help="the officer proposing the run (the maker)")
def rank(on: Any, rule_version: str | None, officer: str) -> None:
    """Propose a welfare ranking run (desil 1–10 nationally and per province). Nothing is ranked until another
    officer approves it (`approve-ranking RUN_ID --by OTHER`): four eyes on every ranking run."""
    day: date | None = on.date() if on else None

    async def go(units: UnitOfWorkFactory) -> Any:
        async with units.begin(EventMetadata(actor=f"cli:{officer}")) as uow:
            return await propose_ranking(uow, officer, on=day, rule_version=rule_version)

    try:
        click.echo(json.dumps(_with_units(go)))
    except DomainError as err:
        raise click.ClickException(err.detail) from err


@registry.command("approve-ranking")
@click.argument("run_id", type=click.UUID)
@click.option("--by", "officer", required=True, help="the approving officer (the checker; not the proposer)")
def approve_ranking_cmd(run_id: UUID, officer: str) -> None:
    """Approve a proposed ranking run: the ranking is computed and applied, events only where the desil changed."""

    async def go(units: UnitOfWorkFactory) -> Any:
        async with units.begin(EventMetadata(actor=f"cli:{officer}")) as uow:
            return await approve_ranking(uow, run_id, officer)

    try:
        click.echo(json.dumps(_with_units(go)))
    except DomainError as err:
        raise click.ClickException(err.detail) from err


@registry.command("rebuild")
def rebuild() -> None:
    """Rebuild the read tables (households, the blind indexes, the review queue, the ranking runs) from the event
    store, in one transaction: what the projectors wrote is exactly what replaying the events writes."""

    async def go(units: UnitOfWorkFactory) -> Any:
        return await rebuild_read_tables(units.store.database, units.projectors)

    report = _with_units(go)
    click.echo(json.dumps({"events": report.events, "aggregates": report.aggregates,
                           "tables": list(report.tables)}))
