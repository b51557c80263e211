"""`gotong partnership ...`: partners, agreements and projects, the checks and the network from the command
line (reads the service database named by DATABASE_URL)."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any
from uuid import UUID

import click
from rich.console import Console
from rich.table import Table

from gotong.adapters.sql import Database
from gotong.application.rebuild import rebuild as rebuild_read_tables
from gotong.application.repository import Repository
from gotong.db import create_engine
from partnership.adapters.reads import PartnershipReads
from partnership.adapters.tables import projectors
from partnership.application import commands as c
from partnership.application import queries as q
from partnership.application.regions import today
from partnership.config import Settings
from partnership.entrypoints.cli_desk import install

KINDS = click.Choice(["partners", "agreements", "projects"])


def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    async def go() -> Any:
        engine = create_engine(Settings().service_database_url, pool_size=1)
        try:
            async with Database(engine).read() as sql:
                return await fn(PartnershipReads(sql), *args, **kwargs)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def rupiah(n: int) -> str:
    return "Rp " + f"{n:,}".replace(",", ".")


def _json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


@click.group("partnership")
def partnership() -> None:
    """Triple Helix partnerships: partners, agreements, projects and their checks (DATABASE_URL names the
    server); partner, agreement, project and milestone commands through the running service's API."""


@partnership.command("list")
@click.argument("kind", type=KINDS)
@click.option("--region", default=None, help="Kepmendagri code, e.g. 35 or 35.78 (partners and projects)")
@click.option("--status", default=None)
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table")
def list_(kind: str, region: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """List partners, agreements or projects."""
    if kind == "partners":
        rows = _run(q.list_partners, limit=limit, region=region, status=status)
        cols = ["id", "name", "strand", "kind", "region_code", "status"]
    elif kind == "agreements":
        rows = _run(q.list_agreements, limit=limit, status=status)
        cols = ["id", "kind", "title", "status", "starts_on", "ends_on"]
    else:
        rows = _run(q.list_projects, limit=limit, region=region, status=status)
        cols = ["id", "title", "region_code", "status", "helix_complete", "budget", "committed_rupiah",
                "delivered_rupiah"]
    if as_json:
        _json(rows)
        return
    table = Table(title=kind)
    for col in cols:
        table.add_column(col, justify="right" if col.endswith(("rupiah", "budget")) else "left")
    for r in rows:
        table.add_row(*(rupiah(r[c]) if c.endswith(("rupiah", "budget")) else str(r[c]) for c in cols))
    Console().print(table)


@partnership.command("show")
@click.argument("kind", type=click.Choice(["partner", "agreement", "project"]))
@click.argument("id", type=click.UUID)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="for projects; default today")
def show(kind: str, id: UUID, as_of: Any) -> None:
    """One partner, agreement or project as JSON (a project with its helix check and milestones)."""
    if kind == "partner":
        _json(_run(q.get_partner, id, False))
    elif kind == "agreement":
        _json(_run(q.get_agreement, id))
    else:
        _json(_run(q.get_project, id, as_of.date() if as_of else today()))


@partnership.command("check")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="default today (WIB)")
@click.option("--region", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.option("--strict", is_flag=True, help="exit 1 when a project is incomplete or has overdue milestones")
def check(as_of: Any, region: str | None, as_json: bool, strict: bool) -> None:
    """Every running project: Triple Helix complete (or why not), overdue milestones, contributions."""
    day: date = as_of.date() if as_of else today()
    result = _run(q.checks, day, region)
    if as_json:
        _json(result)
    else:
        table = Table(title=f"Triple Helix per proyek / per project, per {day.isoformat()}")
        for col in ("project", "region", "helix", "overdue milestones", "committed", "delivered"):
            table.add_column(col, justify="right" if col in ("committed", "delivered") else "left")
        for p in result["projects"]:
            helix = "complete" if p["helix_complete"] else "INCOMPLETE: " + "; ".join(p["reasons"])
            late = "; ".join(f"{m['title']} ({m['days_overdue']} d)" for m in p["overdue_milestones"]) or "-"
            table.add_row(p["title"], p["region_code"], helix, late, rupiah(p["committed_rupiah"]),
                          rupiah(p["delivered_rupiah"]))
        Console().print(table)
    if strict and (result["incomplete"] or result["with_overdue_milestones"]):
        raise SystemExit(1)


@partnership.command("network")
@click.option("--region", default=None)
def network(region: str | None) -> None:
    """Who works with whom on what (nodes and edges as JSON)."""
    _json(_run(q.network, today(), region))


@partnership.command("rebuild")
@click.option("--yes", is_flag=True, help="really rebuild (the read tables are emptied and written again)")
def rebuild(yes: bool) -> None:
    """Rebuild the read tables from the event store, in one transaction (publishes nothing; contact persons are
    kept)."""
    if not yes:
        raise click.ClickException("this rewrites the read tables; run again with --yes")

    async def go() -> dict[str, int]:
        engine = create_engine(Settings().service_database_url, pool_size=1)
        try:
            repositories: list[Repository[Any]] = [c.partner_repo, c.agreement_repo, c.project_repo]
            done = await rebuild_read_tables(Database(engine), projectors, repositories)
            return {kind: done.aggregates.get(kind, 0) for kind in ("partner", "agreement", "project")}
        finally:
            await engine.dispose()

    counts = asyncio.run(go())
    click.echo(", ".join(f"{n} {kind}s" for kind, n in counts.items()) + " rebuilt")


install(partnership)  # the desk's write commands, through the running service's API
