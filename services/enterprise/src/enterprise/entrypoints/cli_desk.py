"""`gotong enterprise register|verify|activate|suspend|reinstate` and `gotong enterprise report
submit|queue|review`: the enterprise desk from the terminal, through the running service's API (so scopes and four
eyes apply), with id prefixes, retries on 429 and one output style (tables, `--json` for scripts)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import click

from enterprise.domain.catalogue import SuspensionReason
from enterprise.domain.enterprise import enterprise_id_for
from gotong.cli.api import ApiClient, emit, json_option

F = Callable[..., Any]
SUMMARY = ("id", "name", "nib", "legal_form", "region_code", "status", "suspension_reason")
QUEUE = ("enterprise", "name", "period", "version", "status", "submitted_at")


def officer(f: F) -> F:
    """Who acts (`--as`), where the local system's state is, and an idempotency key to retry a command safely."""
    f = click.option("--idempotency-key", "key", default=None, help="Reuse to retry a command safely.")(f)
    f = click.option("--state-dir", default=".gotong", show_default=True)(f)
    return click.option("--as", "as_client", default="ops-officer", show_default=True,
                        help="OAuth2 client to act as.")(f)


def api(as_client: str, state_dir: str, key: str | None = None) -> ApiClient:
    return ApiClient("enterprise", as_client=as_client, state_dir=state_dir, url_env="GOTONG_ENTERPRISE_URL",
                     no_auth_url="http://127.0.0.1:8104", idempotency_key=key)


def enterprise_ref(client: ApiClient, ref: str) -> str:
    """An enterprise by its id, its 13-digit NIB, or the start of its id."""
    if re.fullmatch(r"\d{13}", ref):
        return str(enterprise_id_for(ref))
    if not re.fullmatch(r"[0-9a-fA-F-]{1,36}", ref):
        raise click.BadParameter("give an enterprise id (or its first characters) or a 13-digit NIB",
                                 param_hint="ENTERPRISE")
    return client.resolve(ref.lower(), path="/v1/enterprises", params={"limit": 500})


def read_json(file: Path) -> Any:
    text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as err:
        raise click.BadParameter(f"not JSON: {err}", param_hint="FILE") from err


def summary(e: dict[str, Any]) -> dict[str, Any]:
    return {k: e[k] for k in SUMMARY if e.get(k) is not None}


@click.command("register")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@officer
@json_option
def register(file: Path, as_client: str, state_dir: str, key: str | None, as_json: bool) -> None:
    """Register the social enterprise in FILE (JSON, the body of POST /v1/enterprises; `-` reads stdin)."""
    out = api(as_client, state_dir, key).call("POST", "/v1/enterprises", read_json(file))
    emit(out, as_json=as_json, title="registered", rows=summary)


def status_command(action: str, help_text: str) -> click.Command:
    @click.argument("enterprise")
    @officer
    @json_option
    def command(enterprise: str, as_client: str, state_dir: str, key: str | None, as_json: bool,
                reason: str | None = None, note: str | None = None) -> None:
        client = api(as_client, state_dir, key)
        body = {k: v for k, v in (("reason", reason), ("note", note)) if v is not None}
        out = client.call("POST", f"/v1/enterprises/{enterprise_ref(client, enterprise)}/{action}", body)
        emit(out, as_json=as_json, title=action, rows=summary)

    command.__doc__ = help_text
    if action == "suspend":
        command = click.option("--reason", type=click.Choice(get_args(SuspensionReason)), required=True)(command)
    command = click.option("--note", default=None, help="internal; never published")(command)
    return click.command(action)(command)


STATUS_COMMANDS = [
    status_command("verify", "Verify a registered enterprise (an officer other than the one who registered it)."),
    status_command("activate", "Activate a verified enterprise."),
    status_command("suspend", "Suspend an active enterprise, saying why."),
    status_command("reinstate", "Reinstate a suspended enterprise."),
]


@click.command("submit")
@click.argument("enterprise")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@officer
@json_option
def submit(enterprise: str, file: Path, as_client: str, state_dir: str, key: str | None, as_json: bool) -> None:
    """Submit ENTERPRISE's impact report in FILE (JSON: {"period": "2026-Q3", "metrics": {...},
    "employees_by_group": {...}}); again for the same period submits a correction."""
    client = api(as_client, state_dir, key)
    out = client.call("POST", f"/v1/enterprises/{enterprise_ref(client, enterprise)}/reports", read_json(file))
    emit(out, as_json=as_json, columns=("version", "status", "submitted_at"),
         rows=None if as_json else lambda r: r.get("versions", []),
         title=f"{out.get('period', '')} submitted" if isinstance(out, dict) else "submitted")


@click.command("queue")
@click.option("--status", type=click.Choice(["submitted", "accepted", "returned", "superseded"]),
              default="submitted", show_default=True)
@click.option("--region", default=None, help="Kepmendagri code at any level, e.g. 32 or 32.73")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.option("--cursor", default=None, help="the next_cursor of the previous page")
@click.option("--as", "as_client", default="ops-officer", show_default=True, help="OAuth2 client to act as.")
@click.option("--state-dir", default=".gotong", show_default=True)
@json_option
def queue(status: str, region: str | None, limit: int, cursor: str | None, as_client: str, state_dir: str,
          as_json: bool) -> None:
    """Impact reports across every enterprise, oldest submission first (by default: waiting for review)."""
    out = api(as_client, state_dir).call("GET", "/v1/enterprises/reports", params={
        "status": status, "region": region, "limit": limit, "cursor": cursor})
    def rows(page: dict[str, Any]) -> list[dict[str, Any]]:  # the id's start is enough to name it again
        return [{**r, "enterprise": r["enterprise_id"][:8], "name": r["enterprise_name"],
                 "submitted_at": str(r["submitted_at"])[:16]} for r in page["items"]]

    emit(out, as_json=as_json, columns=QUEUE, rows=None if as_json else rows,
         title=f"{status} reports" + (" (more: --cursor " + out["next_cursor"] + ")" if out.get("next_cursor")
                                      else ""))


@click.command("review")
@click.argument("enterprise")
@click.argument("period")
@click.argument("version", type=click.IntRange(1, 2**31 - 1))
@click.option("--accept", "decision", flag_value="accept", help="accept the version")
@click.option("--return", "reason", default=None, help="return the version for correction, saying what to fix")
@officer
@json_option
def review(enterprise: str, period: str, version: int, decision: str | None, reason: str | None, as_client: str,
           state_dir: str, key: str | None, as_json: bool) -> None:
    """Accept (--accept) or return (--return REASON) version VERSION of ENTERPRISE's report for PERIOD
    (an officer other than the one who submitted it)."""
    if (decision is None) == (reason is None):
        raise click.UsageError("give exactly one of --accept or --return REASON")
    client = api(as_client, state_dir, key)
    path = f"/v1/enterprises/{enterprise_ref(client, enterprise)}/reports/{period}/versions/{version}"
    out = client.call("POST", f"{path}/{'accept' if decision else 'return'}",
                      None if decision else {"reason": reason})
    emit(out, as_json=as_json, columns=("version", "status", "submitted_at", "reviewed_at", "return_reason"),
         rows=None if as_json else lambda r: r.get("versions", []), title=f"{period} reviewed")


def install(enterprise: click.Group, report: click.Group) -> None:
    """Add the desk's commands to `gotong enterprise` and `gotong enterprise report`."""
    for command in (register, *STATUS_COMMANDS):
        enterprise.add_command(command)
    for command in (submit, queue, review):
        report.add_command(command)
