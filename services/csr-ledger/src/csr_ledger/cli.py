"""`gotong csr ...`: the CSR desk's reports from the command line (reads the service database)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import UUID

import click
from rich.console import Console
from rich.table import Table

from csr_ledger.application import queries as q
from csr_ledger.config import Settings
from gotong.db import create_engine
from gotong.eventstore.postgres import driver_connection


def _run(fn: Any, *args: Any) -> Any:
    async def go() -> Any:
        engine = create_engine(Settings().service_database_url, pool_size=1)
        try:
            async with engine.connect() as conn:
                return await fn(await driver_connection(conn, begin=False), *args)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _rupiah(n: int) -> str:
    return "Rp " + f"{n:,}".replace(",", ".")


@click.group("csr")
def csr() -> None:
    """CSR ledger reports (DATABASE_URL names the server)."""


@csr.command("companies")
def companies() -> None:
    """Each company: pledged, deposited, allocated, spent."""
    table = Table(title="CSR per perusahaan / per company")
    for col in ("company", "pledged", "deposited", "allocated", "awaiting approval", "spent"):
        table.add_column(col, justify="left" if col == "company" else "right")
    for r in _run(q.company_totals):
        table.add_row(r["name"], *(_rupiah(r[k]) for k in ("pledged", "deposited", "allocated", "awaiting_approval",
                                                            "spent")))
    Console().print(table)


@csr.command("report")
@click.argument("company_id", type=click.UUID)
def report(company_id: UUID) -> None:
    """One company's report as JSON."""
    click.echo(json.dumps(_run(q.company_report, company_id), indent=2, default=str))


@csr.command("gri")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--year", type=int, default=None)
def gri(fmt: str, year: int | None) -> None:
    """GRI-style disclosure (201-1, 203-1, 413-1)."""
    rows = _run(q.gri_disclosure, year)
    click.echo(q.to_csv(rows) if fmt == "csv" else json.dumps(rows, indent=2, default=str))
