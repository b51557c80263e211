"""`gotong cycle ...`: run a disbursement cycle through the service's API as an officer (scopes and
maker–checker apply), with progress bars on the long steps; and `gotong cycle simulator`, the payment channel."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import click
import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gotong.cli.session import service_session

console = Console()


def _token(as_client: str, state_dir: str) -> tuple[str, dict[str, str]]:
    """Base URL and bearer header: from GOTONG_DISBURSEMENT_URL / GOTONG_TOKEN_URL / GOTONG_CLIENT_SECRET, or
    from a local `gotong up` (its run.json and clients.json); GOTONG_NO_AUTH=1 sends no token."""
    return service_session("disbursement", as_client, state_dir, url_env="GOTONG_DISBURSEMENT_URL",
                           no_auth_url="http://127.0.0.1:8102")


class Api:
    def __init__(self, ctx: click.Context) -> None:
        self.base, self.headers = _token(ctx.obj["as_client"], ctx.obj["state_dir"])
        self.key = ctx.obj.get("key")

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, *, timeout: float = 600) -> Any:
        headers = dict(self.headers)
        if method == "POST":
            headers["Idempotency-Key"] = self.key or str(uuid.uuid4())
        r = httpx.request(method, self.base + path, json=body, headers=headers, timeout=timeout)
        data = r.json() if r.content else None
        if r.status_code >= 400:
            detail = data.get("detail") if isinstance(data, dict) else r.text
            raise click.ClickException(f"HTTP {r.status_code}: {detail}")
        return data


def _rupiah(n: int) -> str:
    return "Rp " + f"{n:,}".replace(",", ".")


def _show(view: dict[str, Any]) -> None:
    table = Table(title=f"{view['program_code']} {view['period']} — {view['status']}", show_header=False)
    for k in ("cycle_id", "cutoff", "rule_version", "households", "held", "opened_by", "computed_by",
              "reviewed_by", "approved_by"):
        table.add_row(k, str(view.get(k)))
    table.add_row("total_amount", _rupiah(view["total_amount"]))
    for status, p in sorted(view.get("payments", {}).items()):
        table.add_row(f"payments {status}", f"{p['count']:,} ({_rupiah(p['amount'])})")
    console.print(table)


@click.group("cycle")
@click.option("--as", "as_client", default="ops-officer", show_default=True, help="OAuth2 client to act as.")
@click.option("--state-dir", default=".gotong", show_default=True)
@click.option("--idempotency-key", "key", default=None, help="Reuse to retry a command safely.")
@click.pass_context
def cycle(ctx: click.Context, as_client: str, state_dir: str, key: str | None) -> None:
    """Disbursement cycles: open → compute → review → approve (another officer) → pay → close/reconcile."""
    ctx.obj = {"as_client": as_client, "state_dir": state_dir, "key": key}


@cycle.command("open")
@click.argument("program")
@click.option("--period", required=True, help="e.g. 2026-Q4")
@click.option("--cutoff", required=True, help="YYYY-MM-DD: deaths and departures on or before it don't count")
@click.pass_context
def open_(ctx: click.Context, program: str, period: str, cutoff: str) -> None:
    """Open a cycle of PROGRAM (a code such as PKH)."""
    _show(Api(ctx).call("POST", "/v1/cycles", {"program": program, "period": period, "cutoff": cutoff}))


@cycle.command("list")
@click.option("--program", default=None)
@click.pass_context
def list_(ctx: click.Context, program: str | None) -> None:
    """Cycles, newest first."""
    table = Table("cycle", "program", "period", "status", "households", "total")
    for v in Api(ctx).call("GET", "/v1/cycles" + (f"?program={program}" if program else "")):
        table.add_row(v["cycle_id"], v["program_code"], v["period"], v["status"], f"{v['households']:,}",
                      _rupiah(v["total_amount"]))
    console.print(table)


@cycle.command("show")
@click.argument("cycle_id")
@click.pass_context
def show(ctx: click.Context, cycle_id: str) -> None:
    """One cycle: status, officers, totals, payments by status."""
    _show(Api(ctx).call("GET", f"/v1/cycles/{cycle_id}"))


def _with_progress(api: Api, label: str, work: Any, measure: Any, total: Any) -> Any:
    """Run `work()` in a thread while a bar follows `measure(view)` of the cycle (polled from the API)."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = work()
        except BaseException as err:  # re-raised in the caller's thread
            result["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task(label, total=None)
        thread.start()
        while thread.is_alive():
            thread.join(0.5)
            try:
                done, of = measure(), total()
                bar.update(task, completed=done, total=of or None)
            except (click.ClickException, httpx.HTTPError):
                pass
    if "error" in result:
        raise result["error"]
    return result["value"]


@cycle.command("compute")
@click.argument("cycle_id")
@click.pass_context
def compute(ctx: click.Context, cycle_id: str) -> None:
    """Compute entitlements in bulk (safe to rerun: it resumes)."""
    api = Api(ctx)
    path = f"/v1/cycles/{cycle_id}"
    view = _with_progress(api, "computing entitlements", lambda: api.call("POST", path + "/compute"),
                          lambda: api.call("GET", path)["progress"]["entitlements"],
                          lambda: api.call("GET", path)["progress"].get("candidates"))
    _show(view)


@cycle.command("review")
@click.argument("cycle_id")
@click.option("--note", default=None)
@click.pass_context
def review(ctx: click.Context, cycle_id: str, note: str | None) -> None:
    """Mark a computed cycle reviewed."""
    _show(Api(ctx).call("POST", f"/v1/cycles/{cycle_id}/review", {"note": note}))


@cycle.command("approve")
@click.argument("cycle_id")
@click.pass_context
def approve(ctx: click.Context, cycle_id: str) -> None:
    """Approve (as a supervisor other than the officer who opened or computed it: `--as supervisor`)."""
    _show(Api(ctx).call("POST", f"/v1/cycles/{cycle_id}/approve"))


@cycle.command("pay")
@click.argument("cycle_id")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Follow confirmations from the channel.")
@click.option("--timeout", default=600.0, show_default=True)
@click.pass_context
def pay(ctx: click.Context, cycle_id: str, wait: bool, timeout: float) -> None:
    """Instruct payments (idempotent), then follow the channel's confirmations with a progress bar."""
    api = Api(ctx)
    path = f"/v1/cycles/{cycle_id}"
    view = api.call("POST", path + "/pay")
    console.print(f"instructed now: {view['instructed_now']:,} ({_rupiah(view['instructed_amount_now'])})")
    if wait:
        deadline = time.monotonic() + timeout

        def settled() -> int:
            p = api.call("GET", path)["payments"]
            return sum(v["count"] for k, v in p.items() if k not in ("instructed", "reissued"))

        def total() -> int:
            return sum(v["count"] for v in api.call("GET", path)["payments"].values())

        def wait_all() -> None:
            while settled() < total() and time.monotonic() < deadline:
                time.sleep(0.5)

        _with_progress(api, "confirmations", wait_all, settled, total)
    _show(api.call("GET", path))


@cycle.command("reissue-failed")
@click.argument("cycle_id")
@click.pass_context
def reissue_failed(ctx: click.Context, cycle_id: str) -> None:
    """Reissue every failed payment of a paying cycle as a new attempt."""
    click.echo(json.dumps(Api(ctx).call("POST", f"/v1/cycles/{cycle_id}/reissue-failed"), indent=2))


def _exceptions_table(exceptions: list[dict[str, Any]]) -> Table:
    table = Table("exception", "kind", "payment", "instructed", "confirmed", "reason",
                  title="open reconciliation exceptions")
    for e in exceptions:
        table.add_row(e["exception_id"], e["kind"], e["payment_id"], _rupiah(e["instructed_amount"]),
                      _rupiah(e["confirmed_amount"] or 0), e["reason"] or "")
    return table


@cycle.command("exceptions")
@click.argument("cycle_id")
@click.pass_context
def exceptions(ctx: click.Context, cycle_id: str) -> None:
    """Open reconciliation exceptions of a cycle (instructed ≠ confirmed)."""
    console.print(_exceptions_table(Api(ctx).call("GET", f"/v1/exceptions?cycle_id={cycle_id}&status=open")))


@cycle.command("resolve")
@click.argument("exception_id")
@click.option("--resolution", required=True, help="What ops did, e.g. 'refund confirmed by the bank'.")
@click.pass_context
def resolve(ctx: click.Context, exception_id: str, resolution: str) -> None:
    click.echo(json.dumps(Api(ctx).call("POST", f"/v1/exceptions/{exception_id}/resolve",
                                        {"resolution": resolution}), indent=2))


@cycle.command("reconcile")
@click.argument("cycle_id")
@click.pass_context
def reconcile(ctx: click.Context, cycle_id: str) -> None:
    """Close the cycle (if paying) and reconcile it — unless exceptions are open: then it lists them, so they
    can be reissued (`reissue-failed`) or resolved (`resolve`) first."""
    api = Api(ctx)
    open_exceptions = api.call("GET", f"/v1/exceptions?cycle_id={cycle_id}&status=open")
    if open_exceptions:
        console.print(_exceptions_table(open_exceptions))
        raise click.ClickException(f"{len(open_exceptions)} exceptions are open: reissue failed payments "
                                   "(`gotong cycle reissue-failed`) or resolve them (`gotong cycle resolve`)")
    view = api.call("GET", f"/v1/cycles/{cycle_id}")
    if view["status"] == "paying":
        console.print(api.call("POST", f"/v1/cycles/{cycle_id}/close").get("summary"))
    _show(api.call("POST", f"/v1/cycles/{cycle_id}/reconcile"))


@cycle.command("simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8112, show_default=True)
@click.option("--failure-rate", default=0.02, show_default=True)
@click.option("--return-rate", default=0.01, show_default=True)
@click.option("--wrong-amount-rate", default=0.005, show_default=True)
@click.option("--delay", default=0.5, show_default=True, help="Seconds before the on-disburse callback.")
@click.option("--seed", default=1, show_default=True)
@click.option("--secret", envvar="CHANNEL_SECRET", default="gotong-local-channel-key", show_default=False,
              help="Verifies the service's instructions (HMAC shared with it).")
@click.option("--signing-key", envvar="CHANNEL_SIGNING_KEY", default=None, show_default=False,
              help="The Ed25519 private key (PEM) that signs the callbacks; else --signing-key-path.")
@click.option("--signing-key-path", envvar="CHANNEL_DEV_KEY_PATH", default=".gotong/g2p/channel-dev-key.pem",
              show_default=True, help="A file holding that key, made if missing (the service trusts it locally).")
@click.option("--key-id", envvar="CHANNEL_KEY_ID", default=None,
              help="The unique key id in the signatures' kidId (default: the key's RFC 7638 thumbprint).")
@click.option("--show-keys", is_flag=True, help="Print the CHANNEL_PUBLIC_KEYS value for the service and exit.")
def simulator(host: str, port: int, failure_rate: float, return_rate: float, wrong_amount_rate: float,
              delay: float, seed: int, secret: str, signing_key: str | None, signing_key_path: str,
              key_id: str | None, show_keys: bool) -> None:
    """Run the payment channel simulator (G2P Connect disburse) in this process. It prints the
    CHANNEL_PUBLIC_KEYS value that makes a service trust its callbacks."""
    from pathlib import Path

    import uvicorn

    from disbursement.adapters.g2p_signature import load_or_create_key, load_private_key, raw_public_key
    from disbursement.simulator import ChannelConfig, create_simulator, new_signer

    key = load_private_key(signing_key.encode(), "CHANNEL_SIGNING_KEY") if signing_key else \
        load_or_create_key(Path(signing_key_path))
    signer = new_signer(key, key_id)
    click.echo("CHANNEL_PUBLIC_KEYS=" + json.dumps({signer.kid: raw_public_key(key.public_key())}))
    if show_keys:
        return
    config = ChannelConfig(failure_rate=failure_rate, return_rate=return_rate, wrong_amount_rate=wrong_amount_rate,
                           delay_s=delay, seed=seed, secret=secret)
    uvicorn.run(create_simulator(config, signer=signer), host=host, port=port, log_config=None, access_log=False)


# -- on the service database ------------------------------------------------------------------------------------
async def rebuild_read_tables(database_url: str) -> Any:
    """Empty the service's read tables (programs and their drafts, cycles, payments, reconciliation exceptions) and
    replay the event store into them, in one transaction. The replica and the entitlements are not projections:
    left alone."""
    from disbursement.adapters.projections import projectors
    from disbursement.bootstrap import REBUILT
    from gotong.adapters.sql import Database
    from gotong.application.rebuild import rebuild
    from gotong.db import create_engine

    engine = create_engine(database_url, pool_size=1)
    try:
        return await rebuild(Database(engine), projectors, REBUILT)
    finally:
        await engine.dispose()


@click.command("rebuild")
def rebuild() -> None:
    """Rebuild the read tables (programs, cycles, payments, exceptions) from the event store (DATABASE_URL)."""
    import asyncio

    from disbursement.config import Settings

    done = asyncio.run(rebuild_read_tables(Settings().service_database_url))
    click.echo(f"rebuilt {', '.join(done.tables)} from {done.events:,} events "
               f"({', '.join(f'{n:,} {kind}' for kind, n in done.aggregates.items()) or 'no aggregates'})")


@click.group("disbursement")
def disbursement() -> None:
    """The disbursement service's database tools (DATABASE_URL names the server)."""


disbursement.add_command(rebuild)
cycle.add_command(rebuild)  # `gotong cycle rebuild`: the group the launcher adds for this service
