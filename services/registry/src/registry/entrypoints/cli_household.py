"""`gotong household ...`: an officer's registry desk from the terminal, through the running service's API (so
scopes, maker–checker and the personal-read audit apply): register, show, the review queue, propose and decide."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from gotong.cli.api import ApiClient, emit, json_option, number


def _api(ctx: click.Context) -> ApiClient:
    o = ctx.obj
    return ApiClient("registry", as_client=o["as_client"], state_dir=o["state_dir"], url_env="GOTONG_REGISTRY_URL",
                     no_auth_url="http://127.0.0.1:8101", idempotency_key=o["key"])


@click.group("household")
@click.option("--as", "as_client", default="ops-officer", show_default=True, help="OAuth2 client to act as.")
@click.option("--state-dir", default=".gotong", show_default=True)
@click.option("--idempotency-key", "key", default=None, help="Reuse to retry a command safely.")
@click.pass_context
def household(ctx: click.Context, as_client: str, state_dir: str, key: str | None) -> None:
    """Households in the registry: register, show, reviews, propose, decide."""
    ctx.obj = {"as_client": as_client, "state_dir": state_dir, "key": key}


@household.command("register")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@json_option
@click.pass_context
def register(ctx: click.Context, file: Path, as_json: bool) -> None:
    """Register the household in FILE (JSON, the body of POST /v1/households; `-` reads standard input)."""
    text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    try:
        body = json.loads(text)
    except ValueError as err:
        raise click.BadParameter(f"not JSON: {err}", param_hint="FILE") from err
    out = _api(ctx).call("POST", "/v1/households", body)
    emit(out, as_json=as_json, title="registered", rows=_summary)


def _summary(h: dict[str, Any]) -> list[dict[str, Any]] | dict[str, Any]:
    keep = ("household_ref", "village_code", "verification", "review_id", "desil", "version")
    row: dict[str, Any] = {k: h[k] for k in keep if k in h}
    row["members"] = len(h.get("members", []))
    if h.get("reasons"):
        row["reasons"] = ", ".join(str(r.get("code", r)) if isinstance(r, dict) else str(r) for r in h["reasons"])
    if isinstance(h.get("review"), dict):
        row["review"] = f"{h['review'].get('id')} ({h['review'].get('status')})"
    for step in h.get("next") or ():
        row[f"next: {step.get('action', '')}"] = f"{step.get('method', '')} {step.get('href', '')}"
    return row


@household.command("show")
@click.argument("household_ref")
@click.option("--personal", "purpose", default=None,
              help="also decrypt personal data, stating why (e.g. verification); the read is recorded")
@click.option("--history", is_flag=True, help="the household's events instead")
@json_option
@click.pass_context
def show(ctx: click.Context, household_ref: str, purpose: str | None, history: bool, as_json: bool) -> None:
    """A household without personal data (members by reference, verification, desil)."""
    api = _api(ctx)
    if history:
        events = api.call("GET", f"/v1/households/{household_ref}/history")
        emit(events, as_json=as_json, columns=("version", "type", "at", "actor"), title=household_ref)
        return
    out = api.call("GET", f"/v1/households/{household_ref}")
    if purpose:
        out = {**out, "personal": api.call("GET", f"/v1/households/{household_ref}/personal",
                                           params={"purpose": purpose})}
    if as_json:
        emit(out, as_json=True)
        return
    emit(out, as_json=False, title=household_ref, rows=_summary)
    emit(out.get("members", []), as_json=False, title="members",
         columns=("member_ref", "relation", "sex", "birth_month", "alive", "left_on"))
    if purpose:
        emit(out["personal"].get("members", {}) and [
            {"member_ref": ref, **m} for ref, m in out["personal"]["members"].items()],
            as_json=False, title="personal (read recorded)", columns=("member_ref", "nik", "name", "birth_date"))


@household.command("reviews")
@click.option("--status", type=click.Choice(["open", "proposed", "decided"]), default="open", show_default=True)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@json_option
@click.pass_context
def reviews(ctx: click.Context, status: str, limit: int, as_json: bool) -> None:
    """The verification review queue."""
    out = _api(ctx).call("GET", "/v1/reviews", params={"status": status, "limit": limit})

    def rows(page: dict[str, Any]) -> list[dict[str, Any]]:
        return [{**r, "reasons": ", ".join(str(x.get("code", x)) if isinstance(x, dict) else str(x)
                                           for x in r.get("reasons") or ())} for r in page.get("items", [])]

    emit(out, as_json=as_json, rows=None if as_json else rows,
         title=f"{status} reviews ({'at least ' if out.get('total_relation') == 'gte' else ''}"
               f"{number(out.get('total', 0))})",
         columns=("id", "household_ref", "status", "reasons", "opened_at", "proposed_by"))


@household.command("propose")
@click.argument("review_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--decision", type=click.Choice(["verified", "rejected"]), required=True)
@click.option("--note", required=True, help="why (sealed with the household's key; only the personal read shows it)")
@json_option
@click.pass_context
def propose(ctx: click.Context, review_id: int, decision: str, note: str, as_json: bool) -> None:
    """Maker: propose a decision on a review (another officer decides)."""
    out = _api(ctx).call("POST", f"/v1/reviews/{review_id}/proposal", {"decision": decision, "note": note})
    emit(out, as_json=as_json, title=f"review {review_id} proposed", rows=_summary)


@household.command("decide")
@click.argument("review_id", type=click.IntRange(1, 2**63 - 1))
@click.option("--send-back", is_flag=True, help="send the proposal back instead of approving it")
@json_option
@click.pass_context
def decide(ctx: click.Context, review_id: int, send_back: bool, as_json: bool) -> None:
    """Checker: approve another officer's proposal (or send it back)."""
    out = _api(ctx).call("POST", f"/v1/reviews/{review_id}/approval", params={"approve": str(not send_back).lower()})
    emit(out, as_json=as_json, title=f"review {review_id} {'sent back' if send_back else 'decided'}", rows=_summary)
