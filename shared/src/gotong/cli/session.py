"""How a service's CLI finds and signs in to the running system: environment first, else a local `gotong up`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import httpx


def service_session(service: str, as_client: str, state_dir: str, *, url_env: str,
                    no_auth_url: str | None = None) -> tuple[str, dict[str, str]]:
    """Base URL and bearer header for `service`, acting as the demo client `as_client`.

    From `<url_env>` / `GOTONG_TOKEN_URL` / `GOTONG_CLIENT_SECRET`, or from a local `gotong up` (its run.json and
    clients.json in `state_dir`). `GOTONG_ACCESS_TOKEN` (with `<url_env>`) uses a token the officer already holds,
    e.g. from the organisation's identity provider. `GOTONG_NO_AUTH=1` (a service run with AUTH_REQUIRED=false)
    sends no token.
    """
    base = os.environ.get(url_env)
    if base and (held := os.environ.get("GOTONG_ACCESS_TOKEN")):
        return base, {"Authorization": f"Bearer {held}"}
    token_url = os.environ.get("GOTONG_TOKEN_URL")
    secret = os.environ.get("GOTONG_CLIENT_SECRET")
    state = Path(state_dir)
    if os.environ.get("GOTONG_NO_AUTH") == "1" and (base or no_auth_url):
        return base or str(no_auth_url), {}
    if not (base and token_url):
        run = json.loads((state / "run.json").read_text()) if (state / "run.json").exists() else None
        if run is None:
            raise click.ClickException(f"no running system found: start `gotong up` or set {url_env} and "
                                       "GOTONG_TOKEN_URL")
        base = base or run["services"][service]["url"]
        token_url = token_url or run["auth"]["url"] + "/oauth2/token"
    if not secret:
        clients = json.loads((state / "auth" / "clients.json").read_text())["clients"]
        secret = next((c["client_secret"] for c in clients if c["client_id"] == as_client), None)
        if secret is None:
            raise click.ClickException(f"unknown client {as_client}")
    r = httpx.post(str(token_url), data={"grant_type": "client_credentials"}, auth=(as_client, secret), timeout=10)
    if r.status_code != 200:
        raise click.ClickException(f"token refused: {r.text}")
    return str(base), {"Authorization": f"Bearer {r.json()['access_token']}"}


__all__ = ["service_session"]
