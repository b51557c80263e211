"""`gotong csr ...`: the CSR desk's reports from the command line (reads the service database), and
`gotong csr rebuild` (the read tables replayed from the event store)."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from uuid import UUID

import click
from rich.console import Console
from rich.table import Table

from csr_ledger.adapters.desk_tables import Reports
from csr_ledger.application import queries as q
from csr_ledger.config import Settings
from gotong.adapters.sql import Database
from gotong.application.rebuild import Rebuilt
from gotong.db import create_engine


def _run(fn: Any, *args: Any) -> Any:
    async def go() -> Any:
        engine = create_engine(Settings().service_database_url, pool_size=1)
        try:
            async with Database(engine).read() as sql:
                return await fn(Reports(sql), *args)
        finally:
            await engine.dispose()

    return asyncio.run(go())


async def rebuild_read_tables(database_url: str) -> Rebuilt:
    """Empty the ledger's read tables and replay the event store into them (one transaction)."""
    from csr_ledger.bootstrap import PROJECTORS, REBUILT
    from gotong.application.rebuild import rebuild

    engine = create_engine(database_url, pool_size=1)
    try:
        return await rebuild(Database(engine), PROJECTORS, REBUILT)
    finally:
        await engine.dispose()


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


@click.command("rebuild")
def rebuild() -> None:
    """Rebuild the read tables (ledger, companies, pledges, allocations, spending) from the event store."""
    try:
        done = asyncio.run(rebuild_read_tables(Settings().service_database_url))
    except Exception as err:  # one transaction: nothing changed
        why = (" (events stored before the v2 payloads lack facts their rows hold, such as a company's NIB)"
               if "null value" in str(err) else "")
        raise click.ClickException(f"rebuild stopped and rolled back, the tables are as they were: {err}{why}") \
            from err
    click.echo(f"rebuilt {', '.join(done.tables)} from {done.events:,} events "
               f"({', '.join(f'{n:,} {kind}' for kind, n in done.aggregates.items()) or 'no aggregates'})")


@click.group("csr-ledger")
def csr_ledger() -> None:
    """The CSR ledger's database tools (DATABASE_URL names the server)."""


csr_ledger.add_command(rebuild)
csr.add_command(rebuild)  # also `gotong csr rebuild`, beside the desk's other commands


# -- commands through the HTTP API, as an officer (so maker–checker and scopes apply) -------------------------

def _client(as_client: str, state_dir: str) -> tuple[str, dict[str, str]]:
    """Base URL and a bearer header: from GOTONG_CSR_URL / GOTONG_TOKEN_URL / GOTONG_CLIENT_SECRET, or from a
    local `gotong up` (its run.json and clients.json)."""
    from gotong.cli.session import service_session

    return service_session("csr-ledger", as_client, state_dir, url_env="GOTONG_CSR_URL")


def _call(ctx: click.Context, method: str, path: str, body: dict[str, Any] | None = None) -> None:
    import uuid

    import httpx

    base, headers = _client(ctx.obj["as_client"], ctx.obj["state_dir"])
    if method == "POST":
        headers["Idempotency-Key"] = ctx.obj.get("key") or str(uuid.uuid4())
    r = httpx.request(method, base + path, json=body, headers=headers, timeout=30)
    click.echo(json.dumps(r.json(), indent=2))
    if r.status_code >= 400:
        raise SystemExit(1)


@csr.group("api")
@click.option("--as", "as_client", default="ops-officer", show_default=True, help="OAuth2 client to act as.")
@click.option("--state-dir", default=".gotong", show_default=True)
@click.option("--idempotency-key", "key", default=None, help="Reuse to retry a command safely.")
@click.pass_context
def api(ctx: click.Context, as_client: str, state_dir: str, key: str | None) -> None:
    """Commands through the running service's API (scopes and maker–checker apply)."""
    ctx.obj = {"as_client": as_client, "state_dir": state_dir, "key": key}


@api.command("register-company")
@click.option("--name", required=True)
@click.option("--nib", required=True)
@click.option("--npwp", required=True)
@click.option("--sector", required=True)
@click.option("--tjsl-mandatory/--no-tjsl-mandatory", default=False)
@click.pass_context
def register_company(ctx: click.Context, name: str, nib: str, npwp: str, sector: str, tjsl_mandatory: bool) -> None:
    _call(ctx, "POST", "/v1/companies", {"name": name, "nib": nib, "npwp": npwp, "sector": sector,
                                          "tjsl_mandatory": tjsl_mandatory})


@api.command("pledge")
@click.argument("company_id")
@click.option("--year", type=int, required=True)
@click.option("--amount", type=int, required=True, help="rupiah")
@click.option("--sdg", "sdgs", type=int, multiple=True)
@click.option("--theme", "themes", multiple=True)
@click.option("--region", "regions", multiple=True)
@click.pass_context
def pledge(ctx: click.Context, company_id: str, year: int, amount: int, sdgs: tuple[int, ...],
           themes: tuple[str, ...], regions: tuple[str, ...]) -> None:
    _call(ctx, "POST", f"/v1/companies/{company_id}/pledges",
          {"year": year, "amount": amount, "sdgs": list(sdgs), "themes": list(themes), "regions": list(regions)})


@api.command("deposit")
@click.argument("company_id")
@click.option("--amount", type=int, required=True, help="rupiah")
@click.option("--reference", required=True, help="bank reference")
@click.option("--transfer-id", default=None)
@click.pass_context
def deposit(ctx: click.Context, company_id: str, amount: int, reference: str, transfer_id: str | None) -> None:
    _call(ctx, "POST", f"/v1/companies/{company_id}/deposits",
          {"amount": amount, "reference": reference, "transfer_id": transfer_id})


@api.command("allocate")
@click.argument("company_id")
@click.option("--kind", type=click.Choice(["program", "enterprise", "project"]), required=True)
@click.option("--target-id", required=True)
@click.option("--target-name", required=True)
@click.option("--amount", type=int, required=True, help="rupiah")
@click.option("--sdg", "sdgs", type=int, multiple=True)
@click.option("--region", default=None)
@click.pass_context
def allocate(ctx: click.Context, company_id: str, kind: str, target_id: str, target_name: str, amount: int,
             sdgs: tuple[int, ...], region: str | None) -> None:
    _call(ctx, "POST", f"/v1/companies/{company_id}/allocations",
          {"target_kind": kind, "target_id": target_id, "target_name": target_name, "amount": amount,
           "sdgs": list(sdgs), "region": region})


@api.command("approve")
@click.argument("allocation_id")
@click.pass_context
def approve(ctx: click.Context, allocation_id: str) -> None:
    _call(ctx, "POST", f"/v1/allocations/{allocation_id}/approve")


@api.command("reject")
@click.argument("allocation_id")
@click.pass_context
def reject(ctx: click.Context, allocation_id: str) -> None:
    _call(ctx, "POST", f"/v1/allocations/{allocation_id}/reject")


@api.command("statement")
@click.argument("account_id")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def statement(ctx: click.Context, account_id: str, limit: int) -> None:
    _call(ctx, "GET", f"/v1/accounts/{account_id}/statement?limit={limit}")
