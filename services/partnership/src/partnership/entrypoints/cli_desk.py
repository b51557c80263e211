"""`gotong partnership partner|agreement|project|milestone ...`: the partnership desk's write commands from the
terminal, through the running service's API (so scopes apply), with id prefixes, retries on 429 and one output
style (tables, `--json` for scripts)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, get_args

import click

from gotong.cli.api import ApiClient, emit, json_option
from partnership.domain.values import ContributionKind

F = Callable[..., Any]
PROJECT = ("id", "title", "region_code", "status", "helix_complete", "budget")
AGREEMENT = ("id", "kind", "title", "status", "starts_on", "ends_on")
PARTNER = ("id", "name", "strand", "kind", "region_code", "status")
MILESTONE = ("id", "title", "due_on", "done_on", "state", "days_overdue")


def officer(f: F) -> F:
    """Who acts (`--as`), where the local system's state is, and an idempotency key to retry a command safely."""
    f = click.option("--idempotency-key", "key", default=None, help="Reuse to retry a command safely.")(f)
    f = click.option("--state-dir", default=".gotong", show_default=True)(f)
    f = click.option("--as", "as_client", default="ops-officer", show_default=True,
                     help="OAuth2 client to act as.")(f)
    return json_option(f)


def api(o: dict[str, Any]) -> ApiClient:
    return ApiClient("partnership", as_client=o["as_client"], state_dir=o["state_dir"],
                     url_env="GOTONG_PARTNERSHIP_URL", no_auth_url="http://127.0.0.1:8105",
                     idempotency_key=o.get("key"))


def ref(client: ApiClient, prefix: str, what: str) -> str:
    """A partner, agreement or project by its id or the first characters of it."""
    if not re.fullmatch(r"[0-9a-fA-F-]{1,36}", prefix):
        raise click.BadParameter(f"give a {what} id or its first characters", param_hint=what.upper())
    return client.resolve(prefix.lower(), path=f"/v1/{what}s", params={"limit": 500})


def find_milestone(client: ApiClient, project_id: str, prefix: str) -> str:
    """One of the project's milestones by its id or the first characters of it."""
    return client.resolve(prefix.lower(), path=f"/v1/projects/{project_id}", items="milestones")


def short_ids(ids: list[str], at_least: int = 8) -> dict[str, str]:
    """Each id cut to the shortest start no other id on the page shares (ids made in the same minute share their
    first characters: uuid7 begins with the time), so a table fits and each cell can be typed back."""
    out = {}
    for i in ids:
        n = at_least
        while n < len(i) and any(o != i and o.startswith(i[:n]) for o in ids):
            n += 1
        out[i] = i[:n]
    return out


def read_json(file: Path) -> Any:
    text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as err:
        raise click.BadParameter(f"not JSON: {err}", param_hint="FILE") from err


def pick(keys: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    return lambda row: {k: row[k] for k in keys if row.get(k) is not None}


def show(out: Any, as_json: bool, title: str, keys: tuple[str, ...]) -> None:
    emit(out, as_json=as_json, title=title, rows=None if as_json else pick(keys))


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


DAY = click.DateTime(formats=["%Y-%m-%d"])


# -- partners and agreements -------------------------------------------------------------------------------
@click.group("partner")
def partner() -> None:
    """Partner organisations in a helix strand (government, campus, industry)."""


@partner.command("register")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@officer
def register_partner(file: Path, as_json: bool, **o: Any) -> None:
    """Register the partner in FILE (JSON, the body of POST /v1/partners; `-` reads stdin)."""
    show(api(o).call("POST", "/v1/partners", read_json(file)), as_json, "partner registered", PARTNER)


@click.group("agreement")
def agreement() -> None:
    """MoUs and PKS: draft, sign, activate."""


@agreement.command("draft")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@officer
def draft(file: Path, as_json: bool, **o: Any) -> None:
    """Draft the agreement in FILE (JSON, the body of POST /v1/agreements)."""
    show(api(o).call("POST", "/v1/agreements", read_json(file)), as_json, "agreement drafted", AGREEMENT)


@agreement.command("sign")
@click.argument("agreement_ref", metavar="AGREEMENT")
@click.option("--by", "parties", multiple=True, required=True, help="a party's partner id (or its start); repeat")
@click.option("--on", "signed_on", type=DAY, default=None, help="YYYY-MM-DD; default today (WIB)")
@officer
def sign(agreement_ref: str, parties: tuple[str, ...], signed_on: Any, as_json: bool, **o: Any) -> None:
    """Record that every party signed (draft → signed)."""
    client = api(o)
    body = {"signed_by": [ref(client, p, "partner") for p in parties],
            "signed_on": day(signed_on.date() if signed_on else None)}
    out = client.call("POST", f"/v1/agreements/{ref(client, agreement_ref, 'agreement')}/sign", body)
    show(out, as_json, "agreement signed", AGREEMENT)


@agreement.command("activate")
@click.argument("agreement_ref", metavar="AGREEMENT")
@click.option("--on", "effective_on", type=DAY, default=None, help="YYYY-MM-DD; default today (WIB)")
@officer
def activate(agreement_ref: str, effective_on: Any, as_json: bool, **o: Any) -> None:
    """signed → active (within the term)."""
    client = api(o)
    out = client.call("POST", f"/v1/agreements/{ref(client, agreement_ref, 'agreement')}/activate",
                      {"effective_on": day(effective_on.date() if effective_on else None)})
    show(out, as_json, "agreement active", AGREEMENT)


# -- projects ----------------------------------------------------------------------------------------------
@click.group("project")
def project() -> None:
    """Joint projects: create, contribute, complete, cancel."""


@project.command("create")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@officer
def create(file: Path, as_json: bool, **o: Any) -> None:
    """Start the joint project in FILE (JSON, the body of POST /v1/projects)."""
    show(api(o).call("POST", "/v1/projects", read_json(file)), as_json, "project started", PROJECT)


@project.command("contribute")
@click.argument("project_ref", metavar="PROJECT")
@click.option("--partner", "partner_ref", required=True, help="the partner's id or its start")
@click.option("--kind", type=click.Choice(get_args(ContributionKind)), required=True)
@click.option("--description", required=True)
@click.option("--value", "value_rupiah", type=click.IntRange(0), default=0, show_default=True, help="rupiah")
@officer
def contribute(project_ref: str, partner_ref: str, kind: str, description: str, value_rupiah: int, as_json: bool,
               **o: Any) -> None:
    """A partner commits a contribution to PROJECT."""
    client = api(o)
    out = client.call("POST", f"/v1/projects/{ref(client, project_ref, 'project')}/contributions", {
        "partner_id": ref(client, partner_ref, "partner"), "kind": kind, "description": description,
        "value_rupiah": value_rupiah})
    emit(out, as_json=as_json, title="contribution committed")


@project.command("complete")
@click.argument("project_ref", metavar="PROJECT")
@click.option("--summary", required=True, help="what the project achieved")
@click.option("--on", "completed_on", type=DAY, default=None, help="YYYY-MM-DD; default today (WIB)")
@officer
def complete(project_ref: str, summary: str, completed_on: Any, as_json: bool, **o: Any) -> None:
    """running → completed (no milestone may be left open)."""
    client = api(o)
    out = client.call("POST", f"/v1/projects/{ref(client, project_ref, 'project')}/complete",
                      {"summary": summary, "completed_on": day(completed_on.date() if completed_on else None)})
    show(out, as_json, "project completed", PROJECT)


@project.command("cancel")
@click.argument("project_ref", metavar="PROJECT")
@click.option("--reason", required=True)
@officer
def cancel(project_ref: str, reason: str, as_json: bool, **o: Any) -> None:
    """running → cancelled, saying why."""
    client = api(o)
    out = client.call("POST", f"/v1/projects/{ref(client, project_ref, 'project')}/cancel", {"reason": reason})
    show(out, as_json, "project cancelled", PROJECT)


# -- milestones --------------------------------------------------------------------------------------------
@click.group("milestone")
def milestone() -> None:
    """A project's milestones: plan, reschedule, complete; those overdue across projects."""


@milestone.command("plan")
@click.argument("project_ref", metavar="PROJECT")
@click.option("--title", required=True)
@click.option("--due", "due_on", type=DAY, required=True, help="YYYY-MM-DD")
@officer
def plan(project_ref: str, title: str, due_on: Any, as_json: bool, **o: Any) -> None:
    """Plan a milestone of PROJECT with a due date."""
    client = api(o)
    out = client.call("POST", f"/v1/projects/{ref(client, project_ref, 'project')}/milestones",
                      {"title": title, "due_on": day(due_on.date())})
    show(out, as_json, "milestone planned", MILESTONE)


@milestone.command("reschedule")
@click.argument("project_ref", metavar="PROJECT")
@click.argument("milestone_ref", metavar="MILESTONE")
@click.option("--due", "due_on", type=DAY, required=True, help="YYYY-MM-DD")
@click.option("--reason", required=True)
@officer
def reschedule(project_ref: str, milestone_ref: str, due_on: Any, reason: str, as_json: bool, **o: Any) -> None:
    """Move an open milestone's due date, saying why."""
    client = api(o)
    pid = ref(client, project_ref, "project")
    out = client.call("POST", f"/v1/projects/{pid}/milestones/{find_milestone(client, pid, milestone_ref)}/"
                              "reschedule", {"due_on": day(due_on.date()), "reason": reason})
    show(out, as_json, "milestone rescheduled", MILESTONE)


@milestone.command("complete")
@click.argument("project_ref", metavar="PROJECT")
@click.argument("milestone_ref", metavar="MILESTONE")
@click.option("--url", default=None, help="https URL of the evidence")
@click.option("--sha256", default=None, help="SHA-256 of the evidence document")
@click.option("--on", "done_on", type=DAY, default=None, help="YYYY-MM-DD; default today (WIB)")
@officer
def complete_milestone(project_ref: str, milestone_ref: str, url: str | None, sha256: str | None, done_on: Any,
                       as_json: bool, **o: Any) -> None:
    """Mark a milestone done, with evidence (--url and/or --sha256)."""
    if not (url or sha256):
        raise click.UsageError("give the evidence: --url and/or --sha256")
    client = api(o)
    pid = ref(client, project_ref, "project")
    evidence = {k: v for k, v in (("url", url), ("sha256", sha256)) if v}
    out = client.call("POST", f"/v1/projects/{pid}/milestones/{find_milestone(client, pid, milestone_ref)}/"
                              "complete", {"evidence": evidence, "done_on": day(done_on.date() if done_on else None)})
    show(out, as_json, "milestone done", MILESTONE)


@milestone.command("list")
@click.option("--state", type=click.Choice(["overdue", "open", "done"]), default="overdue", show_default=True)
@click.option("--region", default=None, help="Kepmendagri code, e.g. 35 or 35.78")
@click.option("--project", "project_ref", default=None, help="one project's id or its start")
@click.option("--as-of", type=DAY, default=None, help="YYYY-MM-DD; default today (WIB)")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.option("--cursor", default=None, help="the next_cursor of the previous page")
@officer
def list_milestones(state: str, region: str | None, project_ref: str | None, as_of: Any, limit: int,
                    cursor: str | None, as_json: bool, **o: Any) -> None:
    """Milestones across projects by due date (by default: overdue ones)."""
    client = api(o)
    out = client.call("GET", "/v1/milestones", params={
        "state": state, "region": region, "as_of": day(as_of.date() if as_of else None), "limit": limit,
        "cursor": cursor, "project_id": ref(client, project_ref, "project") if project_ref else None})

    def rows(page: dict[str, Any]) -> list[dict[str, Any]]:
        projects = short_ids([m["project_id"] for m in page["items"]])
        milestones = short_ids([m["milestone_id"] for m in page["items"]])
        return [{**m, "project": projects[m["project_id"]], "milestone": milestones[m["milestone_id"]]}
                for m in page["items"]]

    emit(out, as_json=as_json, rows=None if as_json else rows,
         columns=("project", "milestone", "project_title", "title", "due_on", "days_overdue"),
         title=f"{state} milestones" + (f" (more: --cursor {out['next_cursor']})" if out.get("next_cursor") else ""))


def install(partnership: click.Group) -> None:
    """Add the desk's command groups to `gotong partnership`."""
    for group in (partner, agreement, project, milestone):
        partnership.add_command(group)
