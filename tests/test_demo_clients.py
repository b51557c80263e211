"""The local demo clients hold what their people need and nothing more; the services declare the finer scopes."""

from __future__ import annotations

import json

from gotong.launcher.auth import demo_clients, load_or_create_clients
from gotong.service import discover_services

SPECS = discover_services()
CLIENTS = demo_clients(SPECS.values())


def scopes(client: str) -> set[str]:
    return set(CLIENTS[client]["scopes"])


def test_a_ministry_reads_and_searches_but_never_writes_pays_or_approves() -> None:
    ministry = scopes("ministry-client")
    assert {f"{name}:read" for name in SPECS} <= ministry
    assert {"dci:search", "dci:subscribe"} <= ministry
    writes = {s for s in ministry if s.endswith((":write", ":approve", ":register", ":erase", ":rank"))}
    assert not writes, f"the ministry's machine client is over-scoped: {sorted(writes)}"


def test_only_the_supervisor_approves_erases_and_audits() -> None:
    officer, supervisor = scopes("ops-officer"), scopes("supervisor")
    assert officer < supervisor
    assert not {s for s in officer if s.endswith(":approve")}
    assert {"registry:erase", "registry:audit", "enterprise:verify", "disbursement:approve"} <= supervisor
    assert {"registry:register", "registry:verify", "enterprise:review"} <= officer
    assert scopes("public-read") == {"public:read"}


def test_every_finer_scope_is_declared_by_the_service_that_checks_it() -> None:
    """The kit names no service: each scope beyond read/write/approve comes from a ServiceSpec."""
    declared = {s for spec in SPECS.values()
                for s in (*spec.scopes.officer, *spec.scopes.supervisor, *spec.scopes.ministry)}
    finer = {s for c in CLIENTS.values() for s in c["scopes"]
             if s.split(":")[-1] not in ("read", "write", "approve") and s != "public:read"}
    assert finer == declared


def test_secrets_are_made_once_and_kept(tmp_path) -> None:
    path = tmp_path / "clients.json"
    first = load_or_create_clients(path, SPECS.values())
    again = load_or_create_clients(path, SPECS.values())
    assert [c["client_secret"] for c in first] == [c["client_secret"] for c in again]
    assert len({c["client_secret"] for c in first}) == len(first)
    assert path.stat().st_mode & 0o777 == 0o600


def test_people_who_sign_in_get_their_roles_scopes_and_passwords_kept_private(tmp_path) -> None:
    """Demo users (`gotong up` with a browser app): two supervisors for maker–checker, an auditor who reads."""
    from dataclasses import replace

    from gotong.api.authorize import check_password, parse_users
    from gotong.launcher.auth import role_scopes, sign_in_env
    from gotong.launcher.state import StateDir

    roles = role_scopes(SPECS.values())
    assert set(roles["operator"]) == scopes("ops-officer")
    assert set(roles["supervisor"]) == scopes("supervisor")
    assert "registry:audit" in roles["auditor"]
    assert not {s for s in roles["auditor"] if s.endswith((":write", ":approve", ":erase"))}

    state = StateDir(tmp_path)
    assert sign_in_env(state, SPECS.values(), {}) == {}, "no browser app: nobody signs in"
    app = replace(next(iter(SPECS.values())), sign_in="/auth/callback")
    env = sign_in_env(state, [app], {app.name: "http://127.0.0.1:9000"})
    users = json.loads((tmp_path / "auth" / "users.json").read_text())["users"]
    assert (tmp_path / "auth" / "users.json").stat().st_mode & 0o777 == 0o600
    assert [u["roles"] for u in users].count(["supervisor"]) == 2
    hashed = parse_users(json.loads(env["GOTONG_AUTH_USERS"]))
    for user in users:
        assert user["password"] not in env["GOTONG_AUTH_USERS"]
        assert check_password(user["password"], hashed[user["username"]].password_hash)
    assert json.loads(env["GOTONG_AUTH_PUBLIC_CLIENTS"]) == [
        {"client_id": app.name, "redirect_uris": ["http://127.0.0.1:9000/auth/callback"]}]
    again = sign_in_env(state, [app], {app.name: "http://127.0.0.1:9000"})
    assert json.loads((tmp_path / "auth" / "users.json").read_text())["users"] == users, "passwords are kept"
    assert again["GOTONG_AUTH_ROLES"] == env["GOTONG_AUTH_ROLES"]
