"""`gotong`: run the whole system locally, one service, migrations, the relay, benchmarks and service tools."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click

from gotong.service import discover_services

DEFAULT_STATE = ".gotong"


@click.group()
@click.version_option(package_name="gotong")
def main() -> None:
    """Gotong — aid that reaches the right households, traceable by the public."""


@main.command()
@click.option("--state-dir", default=DEFAULT_STATE, show_default=True, type=click.Path(file_okay=False),
              help="Database files, logs, keys and client secrets of the local system.")
@click.option("--demo/--no-demo", default=True, show_default=True, help="Load demo data once all are ready.")
@click.option("--base-port", default=8100, show_default=True, help="Token server port; services at offsets from it.")
@click.option("--pg-port", default=55432, show_default=True, help="Embedded PostgreSQL port (if free).")
@click.option("--kafka-port", default=59092, show_default=True, help="Embedded broker port (if free).")
@click.option("--host", default="127.0.0.1", show_default=True)
def up(state_dir: str, demo: bool, base_port: int, pg_port: int, kafka_port: int, host: str) -> None:
    """Start everything: PostgreSQL and the broker (unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS point
    elsewhere), migrations, topics, the token server and all services; then demo data. Ctrl-C stops all."""
    from gotong.infra.embedded import LocalServersMissing
    from gotong.launcher.run import Launch, Ports
    from gotong.launcher.run import up as run_up
    from gotong.launcher.state import StateDir

    try:
        run_up(Launch(StateDir.at(state_dir), Ports(base_port, pg_port, kafka_port), host=host, demo=demo))
    except LocalServersMissing as err:
        raise click.ClickException(str(err)) from None


@main.command()
@click.option("--state-dir", default=DEFAULT_STATE, show_default=True, type=click.Path(file_okay=False))
def status(state_dir: str) -> None:
    """Each service's readiness, relay lag and consumer lag, for the system `gotong up` runs."""
    from gotong.launcher.state import StateDir
    from gotong.launcher.status import show_status

    raise SystemExit(show_status(StateDir.at(state_dir)))


@main.command()
@click.argument("service")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: the service's own port.")
def serve(service: str, host: str, port: int | None) -> None:
    """Run one service's API (with its relay and consumers) — settings from the environment."""
    import uvicorn
    from pydantic import ValidationError

    from gotong.reference import ReferenceDataMissing
    from gotong.settings import ProductionNotReady

    spec = _spec(service)
    try:
        settings = spec.settings(service_name=spec.name)
        app = spec.create_app(settings)
    except ValidationError as err:
        raise click.ClickException(f"{service}: invalid settings from the environment:\n{err}") from None
    except (ProductionNotReady, ReferenceDataMissing) as err:
        raise click.ClickException(str(err)) from None
    uvicorn.run(app, host=host, port=port or spec.port, log_config=None, access_log=False,
                timeout_graceful_shutdown=10, **settings.server_options())


@main.command()
@click.argument("service", required=False)
@click.option("--check", is_flag=True,
              help="Change nothing: compare each database with its service's tables; exit 1 on any difference.")
def migrate(service: str | None, check: bool) -> None:
    """Create and migrate the service databases on DATABASE_URL (all services, or one).

    Concurrent runs (every replica on start) are safe: they take turns on an advisory lock."""
    from sqlalchemy.exc import DBAPIError

    from gotong.migrations import describe, drift
    from gotong.migrations import migrate as run_migrate

    specs = [_spec(service)] if service else list(discover_services().values())

    async def run() -> int:
        differing = 0
        for spec in specs:
            url = spec.settings(service_name=spec.name).service_database_url
            if not check:
                await run_migrate(spec, url)
                click.echo(f"{spec.name}: migrated")
                continue
            try:
                found = [describe(d) for d in await drift(spec, url)]
            except DBAPIError as e:
                found = [f"cannot compare: {e.orig}"]
            differing += bool(found)
            click.echo(f"{spec.name}: " + (f"{len(found)} difference(s)" if found else "matches its tables"))
            for line in found:
                click.echo(f"  {line}")
        return differing

    if asyncio.run(run()):
        raise SystemExit(1)


@main.command()
@click.option("--as-of", "as_of", default=None, metavar="DATE",
              help="Figures of records made by then: YYYY-MM-DD (end of that day, WIB) or an ISO 8601 time.")
@click.option("--portal", default=None, help="canvas-projector base URL for the open data (default: the running "
              "system's, from run.json; none = skip the open-data checks).")
@click.option("--settle", default=0.0, show_default=True, help="Seconds to keep re-checking while consumers catch up.")
@click.option("--json", "as_json", is_flag=True, help="The result as JSON.")
def audit(as_of: str | None, portal: str | None, settle: float, as_json: bool) -> None:
    """Cross-check that every published figure for the same money agrees; exit 1 naming each mismatch."""
    import json
    import time
    from datetime import datetime, timedelta, timezone

    from gotong.audit import run_audit
    from gotong.launcher.state import StateDir

    at = None
    if as_of:
        try:
            at = (datetime.fromisoformat(as_of) if "T" in as_of else
                  datetime.fromisoformat(as_of).replace(tzinfo=timezone(timedelta(hours=7))) + timedelta(days=1,
                                                                                                       microseconds=-1))
        except ValueError:
            raise click.BadParameter("a date (YYYY-MM-DD) or an ISO 8601 time", param_hint="--as-of") from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone(timedelta(hours=7)))
    run = StateDir.at(os.environ.get("GOTONG_STATE_DIR", DEFAULT_STATE)).read_run() or {}
    if run.get("database_url"):
        os.environ.setdefault("DATABASE_URL", run["database_url"])
    portal = portal or run.get("services", {}).get("canvas-projector", {}).get("url")
    specs = discover_services()
    urls = {name: specs[name].settings(service_name=name).service_database_url
            for name in ("disbursement", "csr-ledger", "canvas-projector")}
    deadline = time.monotonic() + settle
    while True:
        result = asyncio.run(run_audit(urls, portal, at))
        if result.summary()["ok"] or time.monotonic() >= deadline:
            break
        time.sleep(min(2.0, max(deadline - time.monotonic(), 0)))
    summary = result.summary()
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        checked = ", ".join(f"{n} {what}" for what, n in sorted(summary["checked"].items()))
        click.echo(f"audit {'as of ' + summary['as_of'] if at else 'now'}: checked {checked}")
        if not portal and at is None:
            click.echo("open data not checked: no running canvas-projector found (use --portal URL)")
        for line in summary["mismatches"]:
            click.echo(f"MISMATCH {line}")
        click.echo("all figures agree" if summary["ok"] else f"{len(summary['mismatches'])} mismatch(es)")
    if not summary["ok"]:
        raise SystemExit(1)


@main.command("auth-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True)
@click.option("--state-dir", default=DEFAULT_STATE, show_default=True, type=click.Path(file_okay=False))
@click.option("--issuer", default=None, help="Default: http://HOST:PORT")
def auth_server(host: str, port: int, state_dir: str, issuer: str | None) -> None:
    """The local OAuth2 client-credentials token server (clients from GOTONG_AUTH_CLIENTS)."""
    import uvicorn

    from gotong.api.token_server import create_token_app, load_clients

    clients = load_clients(Path(state_dir) / "auth" / "clients.hashed.json")
    if not clients:
        raise click.ClickException("no clients: set GOTONG_AUTH_CLIENTS (JSON list of client configs)")
    audiences = [a for a in os.environ.get("GOTONG_AUTH_AUDIENCES", "").split(",") if a]
    people = {}
    if os.environ.get("GOTONG_AUTH_USERS"):  # people sign in too (authorization code + PKCE)
        from gotong.api.authorize import PublicClient, parse_users

        people = {"users": parse_users(json.loads(os.environ["GOTONG_AUTH_USERS"])),
                  "role_scopes": json.loads(os.environ.get("GOTONG_AUTH_ROLES", "{}")),
                  "public_clients": [PublicClient.model_validate(c)
                                     for c in json.loads(os.environ.get("GOTONG_AUTH_PUBLIC_CLIENTS", "[]"))]}
    app = create_token_app(clients, Path(state_dir) / "auth" / "signing-key.pem", issuer or f"http://{host}:{port}",
                           audience=audiences or os.environ.get("JWT_AUDIENCE"), **people)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


def _spec(name: str):  # type: ignore[no-untyped-def]
    specs = discover_services()
    if name not in specs:
        raise click.BadParameter(f"unknown service {name!r}; one of: {', '.join(specs)}", param_hint="SERVICE")
    return specs[name]


def _add_commands() -> None:
    from gotong.cli.bench import bench
    from gotong.cli.relay import relay
    from gotong.cli.topics import topics

    for command in (bench, relay, topics):
        main.add_command(command)
    for ep in entry_points(group="gotong.commands"):  # commands other packages add (the published contracts')
        main.add_command(ep.load())
    for spec in discover_services().values():
        groups = spec.cli if isinstance(spec.cli, list | tuple) else [spec.cli] if spec.cli is not None else []
        for group in groups:
            group.callback = _with_running_system(group.callback)
            main.add_command(group)


def _with_running_system(callback: Callable[..., Any] | None) -> Callable[..., Any]:
    """Service tools (`gotong registry import`, `gotong csr ...`) talk to the system `gotong up` runs from this
    folder unless DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS say otherwise."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from gotong.launcher.state import StateDir

        run = StateDir.at(os.environ.get("GOTONG_STATE_DIR", DEFAULT_STATE)).read_run() or {}
        if run.get("database_url"):
            os.environ.setdefault("DATABASE_URL", run["database_url"])
        if run.get("kafka", {}).get("bootstrap"):
            os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", run["kafka"]["bootstrap"])
        return callback(*args, **kwargs) if callback else None

    return wrapped


_add_commands()

if __name__ == "__main__":
    main()
