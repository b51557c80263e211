"""One way for every CLI to call a running service as an officer: signed in through `service_session`, retried
on 429/503 after the server's Retry-After, and refusals explained — the field and reason of a 422, and for a
403 the scope that is missing with the clients that hold it (`--as supervisor`). Output is one style: a rich
table for people, `--json` for scripts."""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import click
import httpx
from rich.console import Console
from rich.table import Table

from gotong.cli.session import service_session

#: Statuses worth a retry after the server's Retry-After: rate limited, or briefly unavailable.
RETRYABLE = (429, 503)
console = Console()
errors = Console(stderr=True)


def retry_after(value: str | None, *, default: float, cap: float) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date), at most `cap`."""
    if value:
        value = value.strip()
        if value.isdigit():
            return min(float(value), cap)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return min(default, cap)
        return max(0.0, min(when.timestamp() - time.time(), cap))
    return min(default, cap)


def holders(state_dir: str, scopes: Iterable[str]) -> list[str]:
    """The local demo clients (of a `gotong up` in `state_dir`) whose scopes include every one of `scopes`."""
    path = Path(state_dir) / "auth" / "clients.json"
    try:
        clients = json.loads(path.read_text())["clients"]
    except (OSError, ValueError, KeyError):
        return []
    wanted = set(scopes)
    return [c["client_id"] for c in clients if wanted <= set(c.get("scopes", ()))]


def explain(status: int, problem: Any, *, as_client: str, state_dir: str) -> str:
    """A refusal in one paragraph an officer can act on."""
    if not isinstance(problem, dict):
        return f"HTTP {status}: {str(problem)[:500]}"
    text = f"HTTP {status}: {problem.get('detail') or problem.get('title') or 'refused'}"
    for err in problem.get("errors") or ():
        if isinstance(err, dict):
            text += f"\n  {err.get('field') or '-'}: {err.get('message') or err.get('detail') or ''}"
    missing = problem.get("missing_scopes")
    if status == 403 and missing:
        who = [c for c in holders(state_dir, missing) if c != as_client]
        text += f"\n  hint: {as_client} lacks {' '.join(missing)}"
        text += f"; act as {' or '.join(who)} (--as {who[0]})" if who else "; ask an administrator for it"
    elif status in (403, 409) and any(w in str(problem.get("detail", "")).lower()
                                      for w in ("another officer", "second officer", "own proposal", "maker")):
        text += "\n  hint: a second officer must do this (--as supervisor, or sign in as another officer)"
    return text


class ApiClient:
    """Calls one service's API as `as_client` (scopes and maker–checker apply on the server)."""

    def __init__(self, service: str, *, as_client: str, state_dir: str, url_env: str,
                 no_auth_url: str | None = None, idempotency_key: str | None = None, attempts: int = 6,
                 max_wait: float = 30.0, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.service, self.as_client, self.state_dir = service, as_client, state_dir
        self.url_env, self.no_auth_url, self.key = url_env, no_auth_url, idempotency_key
        self.attempts, self.max_wait, self.transport, self.sleep = attempts, max_wait, transport, sleep
        self._session: tuple[str, dict[str, str]] | None = None

    def session(self) -> tuple[str, dict[str, str]]:
        if self._session is None:
            self._session = service_session(self.service, self.as_client, self.state_dir, url_env=self.url_env,
                                            no_auth_url=self.no_auth_url)
        return self._session

    def call(self, method: str, path: str, body: Any = None, *, params: dict[str, Any] | None = None,
             timeout: float = 60.0) -> Any:
        base, auth = self.session()
        headers = dict(auth)
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            headers["Idempotency-Key"] = self.key or str(uuid.uuid4())  # the same key on every retry below
        query = {k: v for k, v in (params or {}).items() if v is not None}
        with httpx.Client(transport=self.transport, timeout=timeout) as http:
            for attempt in range(1, self.attempts + 1):
                r = http.request(method, base + path, json=body, params=query, headers=headers)
                if r.status_code not in RETRYABLE or attempt == self.attempts:
                    break
                wait = retry_after(r.headers.get("Retry-After"), default=2.0 ** (attempt - 1), cap=self.max_wait)
                errors.print(f"[yellow]{self.service} answered {r.status_code}; retrying in {wait:.0f} s "
                             f"({attempt}/{self.attempts - 1})[/]")
                self.sleep(wait)
        try:
            data = r.json() if r.content else None
        except ValueError:
            data = r.text
        if r.status_code >= 400:
            raise click.ClickException(explain(r.status_code, data, as_client=self.as_client,
                                               state_dir=self.state_dir))
        return data

    def resolve(self, prefix: str, *, path: str, key: str = "id", items: str | None = "items",
                params: dict[str, Any] | None = None) -> str:
        """The one id in the list at `path` that starts with `prefix` (a full id is returned as it is)."""
        if len(prefix) >= 32:
            return prefix
        listing = self.call("GET", path, params=params)
        rows = listing.get(items, []) if items and isinstance(listing, dict) else listing
        found = sorted({str(row[key]) for row in rows if str(row.get(key, "")).startswith(prefix)})
        if len(found) == 1:
            return found[0]
        if not found:
            raise click.ClickException(f"no {key} starts with {prefix!r}")
        raise click.ClickException(f"{prefix!r} is ambiguous: " + ", ".join(found[:10])
                                   + (" …" if len(found) > 10 else ""))


def number(value: Any) -> str:
    """Numbers in Indonesian format (1.234.567); everything else as text."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "" if value is None else str(value)
    return f"{value:,}".replace(",", ".")


def rupiah(value: int) -> str:
    return "Rp\u00a0" + number(value)


def emit(data: Any, *, as_json: bool, columns: Sequence[str] | None = None, title: str | None = None,
         rows: Callable[[Any], Iterable[dict[str, Any]] | dict[str, Any]] | None = None) -> None:
    """Print `data`: JSON for scripts, else a table (a list of records by `columns`, or one record as
    field/value rows). Money fields (`amount`, `*_amount`, `total*`) in rupiah, counts with dots."""
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        return
    records = rows(data) if rows else data
    if isinstance(records, dict):
        table = Table(title=title, show_header=False)
        for k, v in records.items():
            table.add_row(k, _cell(k, v))
    else:
        records = list(records)
        cols = list(columns or (records[0].keys() if records else []))
        table = Table(title=title)
        for c in cols:
            table.add_column(c, overflow="fold")
        for record in records:
            table.add_row(*(_cell(c, record.get(c)) for c in cols))
    console.print(table)


def _cell(key: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and (key == "amount" or key.endswith("_amount")
                                                                   or key.startswith("total")):
        return rupiah(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return number(value)


json_option = click.option("--json", "as_json", is_flag=True, help="JSON output, for scripts.")

__all__ = ["ApiClient", "emit", "explain", "holders", "json_option", "number", "retry_after", "rupiah"]
