"""Demo OAuth2 clients for the local token server: secrets made once, kept in `<state>/auth/clients.json`."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gotong.launcher.state import StateDir
from gotong.service import ServiceSpec

# Who uses Gotong locally (DESIGN.md): operations staff, their supervisors, a ministry's machine client and
# the public portal. Scopes are `<service>:read`, `<service>:write`, plus `<service>:approve` for supervisors;
# each service's finer scopes come from its ServiceSpec (`scopes`), the kit knows no service by name.


def demo_clients(specs: Iterable[ServiceSpec]) -> dict[str, dict[str, Any]]:
    """The local demo clients and their scopes, from the installed services' specs (in launcher order)."""
    specs = list(specs)
    names = [s.name for s in specs]
    officer = [x for s in specs for x in s.scopes.officer]
    supervisor = [*officer, *(x for s in specs for x in s.scopes.supervisor)]
    ministry = [x for s in specs for x in s.scopes.ministry]
    return {
        "ops-officer": {
            "description": "operations officer: registration, verification, CSR desk",
            "scopes": [f"{n}:{a}" for n in names for a in ("read", "write")] + officer,
        },
        "supervisor": {
            "description": "supervisor: everything an officer does, plus approving cycles, payments and reviews, "
                           "erasure requests and the audit of personal-data reads",
            "scopes": [f"{n}:{a}" for n in names for a in ("read", "write", "approve")] + supervisor,
        },
        "ministry-client": {
            "description": "a ministry's system integrating by API (machine client), e.g. over DCI",
            "scopes": [f"{n}:read" for n in names] + ministry,
        },
        "public-read": {
            "description": "the transparency portal and open data: public reads only",
            "scopes": ["public:read"],
        },
    }


def load_or_create_clients(path: Path, specs: Iterable[ServiceSpec]) -> list[dict[str, Any]]:
    """The demo clients with their secrets; secrets are generated the first time and then kept."""
    wanted = demo_clients(specs)
    existing: dict[str, dict[str, Any]] = {}
    if path.exists():
        existing = {c["client_id"]: c for c in json.loads(path.read_text())["clients"]}
    clients = []
    for client_id, spec in wanted.items():
        secret = existing.get(client_id, {}).get("client_secret") or secrets.token_urlsafe(24)
        clients.append({"client_id": client_id, "client_secret": secret, **spec})
    if [c["client_id"] for c in existing.values()] != list(wanted) or not path.exists():
        write_private(path, json.dumps({"clients": clients}, indent=2) + "\n")
    return clients


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def clients_env(clients: list[dict[str, Any]]) -> str:
    """`GOTONG_AUTH_CLIENTS` for the token server."""
    return json.dumps([{k: c[k] for k in ("client_id", "client_secret", "scopes")} for c in clients])


def ensure_auth_files(state: StateDir, specs: Iterable[ServiceSpec]) -> list[dict[str, Any]]:
    state.auth.mkdir(parents=True, exist_ok=True)
    return load_or_create_clients(state.clients_file, specs)


#: People who sign in to browser apps locally (`gotong up`): an operator, two supervisors (so one can approve
#: what the other proposed) and an auditor. Passwords are made once and kept in `<state>/auth/users.json`.
DEMO_USERS = (("operator", "Oki Operator", "operator"), ("supervisor", "Sri Supervisor", "supervisor"),
              ("supervisor2", "Sapto Supervisor", "supervisor"), ("auditor", "Ayu Auditor", "auditor"))


def role_scopes(specs: Iterable[ServiceSpec]) -> dict[str, list[str]]:
    """A role's scopes: an operator has the officer's, a supervisor the supervisor's, an auditor every read and
    every `:audit` scope."""
    specs = list(specs)
    clients = demo_clients(specs)
    audits = [x for s in specs for x in (*s.scopes.officer, *s.scopes.supervisor) if x.endswith(":audit")]
    return {"operator": clients["ops-officer"]["scopes"], "supervisor": clients["supervisor"]["scopes"],
            "auditor": [f"{s.name}:read" for s in specs] + audits}


def load_or_create_users(path: Path) -> list[dict[str, Any]]:
    """The demo users with their passwords (0600 file), made the first time and then kept."""
    existing: dict[str, dict[str, Any]] = {}
    if path.exists():
        existing = {u["username"]: u for u in json.loads(path.read_text())["users"]}
    users = [{"username": name, "name": full, "roles": [role],
              "password": existing.get(name, {}).get("password") or secrets.token_urlsafe(12)}
             for name, full, role in DEMO_USERS]
    if [u["username"] for u in existing.values()] != [u["username"] for u in users]:
        write_private(path, json.dumps({"users": users}, indent=2) + "\n")
    return users


def sign_in_env(state: StateDir, specs: Iterable[ServiceSpec], urls: dict[str, str]) -> dict[str, str]:
    """The token server's environment for people's sign-in: users (password hashes), roles and the browser apps
    (public clients) with their redirect URIs — empty when no service has a sign-in."""
    from gotong.api.authorize import hash_password

    specs = list(specs)
    apps = [{"client_id": s.name, "redirect_uris": [urls[s.name] + s.sign_in]}
            for s in specs if s.sign_in and s.name in urls]
    if not apps:
        return {}
    users = load_or_create_users(state.auth / "users.json")
    return {"GOTONG_AUTH_USERS": json.dumps([{**{k: u[k] for k in ("username", "name", "roles")},
                                              "password_hash": hash_password(u["password"])} for u in users]),
            "GOTONG_AUTH_ROLES": json.dumps(role_scopes(specs)),
            "GOTONG_AUTH_PUBLIC_CLIENTS": json.dumps(apps)}
