"""`gotong enterprise ...`: list and show enterprises, the portfolio summary, import impact reports from a
JSON file (each report in its own transaction: good ones are imported, bad ones listed with their number), and
rebuild the read tables from the event store."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import click
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from enterprise.adapters.reads import EnterpriseReads
from enterprise.adapters.tables import projectors
from enterprise.application import commands as c
from enterprise.application import queries as q
from enterprise.config import Settings
from enterprise.domain.enterprise import enterprise_id_for
from enterprise.entrypoints.cli_desk import install
from gotong.adapters.sql import Database
from gotong.application.rebuild import rebuild as rebuild_read_tables
from gotong.application.repository import Repository
from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine
from gotong.domain.errors import DomainError, ValidationFailed
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore


def _read(fn: Callable[..., Awaitable[Any]], *args: Any, **kw: Any) -> Any:
    async def go() -> Any:
        engine = create_engine(Settings().service_database_url, pool_size=1)
        try:
            async with Database(engine).read() as sql:
                return await fn(EnterpriseReads(sql), *args, **kw)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(go())
    except DomainError as err:
        raise click.ClickException(err.detail) from err


def resolve(ref: str) -> UUID:
    """An enterprise id, or its 13-digit NIB."""
    if re.fullmatch(r"\d{13}", ref):
        return enterprise_id_for(ref)
    try:
        return UUID(ref)
    except ValueError as err:
        raise click.BadParameter("give an enterprise id or a 13-digit NIB") from err


@click.group("enterprise")
def enterprise() -> None:
    """Social enterprises: list, show, summary, report import (DATABASE_URL names the server); register,
    verify, activate, suspend, reinstate and report submit|queue|review through the running service's API."""


@enterprise.command("list")
@click.option("--region", default=None, help="Kepmendagri code at any level, e.g. 32 or 32.73")
@click.option("--status", type=click.Choice(["registered", "verified", "active", "suspended"]), default=None)
@click.option("--legal-form", type=click.Choice(["pt", "cv", "koperasi", "yayasan", "pt_perorangan"]), default=None)
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
def list_(region: str | None, status: str | None, legal_form: str | None, limit: int, as_json: bool) -> None:
    """Enterprises by name."""
    rows = _read(q.list_enterprises, limit, None, region=region, status=status, legal_form=legal_form)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Usaha sosial / social enterprises")
    for col in ("name", "form", "region", "status", "id"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["legal_form"], f"{r['region_name'] or ''} ({r['region_code']})", r["status"],
                      r["id"])
    Console().print(table)


@enterprise.command("show")
@click.argument("ref")
def show(ref: str) -> None:
    """One enterprise (by id or NIB) with its figures, as JSON."""
    eid = resolve(ref)
    detail = _read(q.enterprise_detail, eid)
    detail["figures"] = _read(q.enterprise_figures, eid)
    click.echo(json.dumps(detail, indent=2, default=str))


@enterprise.command("summary")
@click.option("--region", default=None)
def summary(region: str | None) -> None:
    """Portfolio: status counts, jobs, jobs for vulnerable people, graduations, median self-sufficiency."""
    click.echo(json.dumps(_read(q.portfolio, region), indent=2))


@enterprise.group("report")
def report() -> None:
    """Impact reports."""


def _errors(err: Exception) -> list[str]:
    if isinstance(err, ValidationFailed) and err.errors:
        return [f"{e['field']}: {e['detail']}" for e in err.errors]
    if isinstance(err, ValidationError):
        return [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()]
    if isinstance(err, DomainError):
        return [f"{err.field}: {err.detail}" if err.field else err.detail]
    return [str(err)]


async def import_reports(database_url: str, items: list[Any], officer: str) -> tuple[int, list[tuple[int, list[str]]]]:
    """Each report in its own transaction; returns (imported, [(item number, errors)])."""
    engine = create_engine(database_url, pool_size=1)
    units, meta = UnitOfWorkFactory(PostgresEventStore(engine), projectors=projectors), EventMetadata(actor=officer)
    imported, failed = 0, []
    try:
        for n, item in enumerate(items, start=1):
            try:
                if not isinstance(item, dict) or "enterprise" not in item:
                    raise ValidationFailed("each report names its enterprise (id or NIB)", field="enterprise")
                eid = resolve(str(item["enterprise"]))
                cmd = c.SubmitReport.model_validate({k: v for k, v in item.items() if k != "enterprise"})
                async with units.begin(meta) as uow:
                    await c.submit_report(uow, eid, cmd, officer)
                imported += 1
            except (DomainError, ValidationError, click.BadParameter) as err:
                failed.append((n, _errors(err)))
    finally:
        await engine.dispose()
    return imported, failed


@report.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "officer", default="cli-officer", show_default=True,
              help="Who submits (a different officer reviews them through the API).")
def import_(file: Path, officer: str) -> None:
    """Submit reports from FILE: a JSON list (or {"reports": [...]}) of
    {"enterprise": ID-or-NIB, "period": "2026-Q3", "metrics": {...}, "employees_by_group": {...}}."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise click.ClickException(f"{file} is not a JSON file: {err}") from err
    items = data.get("reports") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise click.ClickException('expected a JSON list of reports, or {"reports": [...]}')
    imported, failed = asyncio.run(import_reports(Settings().service_database_url, items, officer))
    for n, errors in failed:
        for e in errors:
            click.echo(f"report {n}: {e}", err=True)
    click.echo(f"{imported} imported, {len(failed)} refused")
    if failed:
        raise SystemExit(1)


@enterprise.command("rebuild")
@click.option("--yes", is_flag=True, help="really rebuild (the read tables are emptied and written again)")
def rebuild(yes: bool) -> None:
    """Empty the read tables (enterprises, impact reports, household links) and replay the event store into
    them, in one transaction (publishes nothing). The replicas of CSR grants and registry households are kept."""
    if not yes:
        raise click.ClickException("this rewrites the read tables; run again with --yes")

    async def go() -> Any:
        engine = create_engine(Settings().service_database_url, pool_size=1)
        try:
            repositories: list[Repository[Any]] = [c.enterprises, c.reports]
            return await rebuild_read_tables(Database(engine), projectors, repositories)
        finally:
            await engine.dispose()

    done = asyncio.run(go())
    counts = ", ".join(f"{n} {kind}s" for kind, n in sorted(done.aggregates.items()))
    click.echo(f"{done.events} events replayed; {counts or 'nothing'} rebuilt")


install(enterprise, report)  # the desk's commands, through the running service's API
