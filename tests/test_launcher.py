"""The README's run command end to end: `gotong up` brings every announced service up on embedded servers, each
told where its peers are, `gotong status` sees them, a token from the local token server works, a service's demo
hook loads into the running system, a person signs in to the ops console at the token server (authorization code +
PKCE, one of the demo users `gotong up` prints), and Ctrl-C stops every process."""

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from gotong.infra.embedded import free_block, port_open
from gotong.launcher.run import peer_url_variable
from gotong.service import discover_services

#: Every service the launcher starts (the `gotong.services` entry points), at its port shifted by the base.
SPECS = discover_services()
SERVICES = sorted(SPECS)
#: The services sit at base + (port - 8100); the broker and PostgreSQL take the two ports after the last one.
TOP = max(spec.port for spec in SPECS.values()) - 8100


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def test_up_status_token_and_clean_stop(tmp_path: Path) -> None:
    base = free_block(TOP + 3)  # token server at base, services up to base+TOP; broker and PostgreSQL after them
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    gotong = [sys.executable, "-m", "gotong.cli.main"]
    output = tmp_path / "up.log"  # a file, not a pipe nobody reads while it runs (a full pipe would block it)
    with output.open("wb") as out:
        proc = subprocess.Popen([*gotong, "up", "--no-demo", "--state-dir", str(state), "--base-port", str(base),
                                 "--pg-port", str(base + TOP + 2), "--kafka-port", str(base + TOP + 1)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not (state / "run.json").exists():
            tail = output.read_text(errors="replace")[-3000:]
            assert proc.poll() is None, tail
            assert time.monotonic() < deadline, f"gotong up did not come up:\n{tail}"
            time.sleep(0.5)
        run = json.loads((state / "run.json").read_text())
        assert sorted(run["services"]) == SERVICES
        for name, svc in run["services"].items():
            assert svc["url"] == f"http://127.0.0.1:{base + SPECS[name].port - 8100}", name
            # every service is told where the others are, at whatever ports this run gave them
            peers = _environ(svc["pid"])
            for other, other_svc in run["services"].items():
                assert peers[peer_url_variable(other)] == other_svc["url"], f"{name}: {peer_url_variable(other)}"
        with httpx.Client(timeout=5) as http:
            for name, svc in run["services"].items():
                assert http.get(f"{svc['url']}/readyz").status_code == 200, name
                assert http.get(f"{svc['url']}/openapi.json").json()["info"]["title"]
            clients = json.loads((state / "auth" / "clients.json").read_text())["clients"]
            ops = next(c for c in clients if c["client_id"] == "ops-officer")
            token = http.post(f"{run['auth']['url']}/oauth2/token", data={"grant_type": "client_credentials"},
                              auth=(ops["client_id"], ops["client_secret"]))
            assert token.status_code == 200
            assert token.json()["scope"].split()
            # Each service takes only tokens issued for it: one for another audience is refused.
            registry = run["services"]["registry"]["url"]
            bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
            assert http.get(f"{registry}/v1/reviews", headers=bearer).status_code == 200
            other = http.post(f"{run['auth']['url']}/oauth2/token", auth=(ops["client_id"], ops["client_secret"]),
                              data={"grant_type": "client_credentials", "audience": "gotong-enterprise"})
            assert other.status_code == 200
            refused = http.get(f"{registry}/v1/reviews",
                               headers={"Authorization": f"Bearer {other.json()['access_token']}"})
            assert refused.status_code == 401, refused.text
            assert "token rejected" in refused.json()["detail"]
            unknown = http.post(f"{run['auth']['url']}/oauth2/token", auth=(ops["client_id"], ops["client_secret"]),
                                data={"grant_type": "client_credentials", "audience": "another-app"})
            assert unknown.status_code == 400
            assert unknown.json()["error"] == "invalid_target"
            # grievance's demo hook (what `gotong up` runs without --no-demo) loads into the running system, and
            # the service started by the launcher serves its cases
            grievance = SPECS["grievance"]
            assert grievance.demo_data is not None
            settings = grievance.settings(service_name="grievance", database_url=run["database_url"],
                                          kafka_bootstrap_servers=run["kafka"]["bootstrap"])
            asyncio.run(_await(grievance.demo_data(settings)))
            officer = http.post(f"{run['auth']['url']}/oauth2/token", auth=(ops["client_id"], ops["client_secret"]),
                                data={"grant_type": "client_credentials", "audience": "gotong-grievance"})
            assert officer.status_code == 200, officer.text
            cases = http.get(f"{run['services']['grievance']['url']}/v1/cases",
                             headers={"Authorization": f"Bearer {officer.json()['access_token']}"})
            assert cases.status_code == 200, cases.text
            assert {c["kind"] for c in cases.json()["items"]} == {"sanggah", "payment_complaint", "data_correction",
                                                                  "usul"}
        _sign_in_to_the_console(run, state, output)
        # A crashed service comes back by itself, and so does a broker that died (as a new, empty one).
        killed = run["services"]["partnership"]["pid"]
        os.kill(killed, signal.SIGKILL)
        os.kill(run["kafka"]["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 120
        while True:
            now = json.loads((state / "run.json").read_text())
            if now["services"]["partnership"]["pid"] != killed and now["kafka"]["pid"] != run["kafka"]["pid"]:
                with httpx.Client(timeout=5) as http, contextlib.suppress(httpx.HTTPError):  # still starting
                    if all(http.get(f"{svc['url']}/readyz").status_code == 200 for svc in now["services"].values()):
                        break
            assert proc.poll() is None, "the launcher itself must keep running"
            assert time.monotonic() < deadline, f"not restarted: {now}"
            time.sleep(0.5)
        run = now
        status = subprocess.run([*gotong, "status", "--state-dir", str(state)], env=env, capture_output=True,
                                text=True, timeout=60)
        assert status.returncode == 0, status.stdout + status.stderr
        assert status.stdout.count("ready") >= len(SERVICES)
        assert "NOT READY" not in status.stdout
        pids = [svc["pid"] for svc in run["services"].values()] + [run["auth"]["pid"], run["kafka"]["pid"]]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert proc.returncode == 0
    for pid in pids:
        assert not _alive(pid), f"process {pid} outlived the launcher"
    assert not any(port_open("127.0.0.1", base + i) for i in range(TOP + 1)), "ports are free again"
    assert not (state / "run.json").exists()


def _sign_in_to_the_console(run: dict[str, Any], state: Path, output: Path) -> None:
    """The console `gotong up` started sends a browser to the token server's sign-in page as its public client;
    a demo user (printed by `gotong up`, with the password) signs in and reaches the dashboard."""
    console, auth = run["services"]["ops-console"]["url"], run["auth"]["url"]
    deadline = time.monotonic() + 60
    while "Ctrl-C stops everything." not in output.read_text(errors="replace"):
        assert time.monotonic() < deadline, output.read_text(errors="replace")[-3000:]
        time.sleep(0.5)
    printed = output.read_text(errors="replace")
    assert f"{console}/  (sign in as a person)" in printed
    users = json.loads((state / "auth" / "users.json").read_text())["users"]
    assert {u["roles"][0] for u in users} >= {"operator", "supervisor", "auditor"}
    for user in users:
        assert re.search(rf"^\s+{re.escape(user['username'])}\s+{re.escape(user['password'])}\s", printed, re.M), user
    with httpx.Client(timeout=10) as browser:
        assert browser.get(f"{console}/healthz").status_code == 200
        start = browser.get(f"{console}/dashboard")
        assert start.status_code == 303, start.text
        assert start.headers["location"].startswith("/auth/sign-in")
        go = browser.get(f"{console}{start.headers['location']}")
        assert go.status_code == 303, go.text
        authorize = go.headers["location"]
        assert authorize.startswith(f"{auth}/oauth2/authorize?"), authorize
        query = parse_qs(urlsplit(authorize).query)
        assert query["client_id"] == ["ops-console"]
        assert query["redirect_uri"] == [f"{console}/auth/callback"]
        assert query["code_challenge_method"] == ["S256"]
        form = browser.get(authorize)
        assert form.status_code == 200, form.text
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.text))
        operator = next(u for u in users if u["roles"] == ["operator"])
        back = browser.post(f"{auth}/oauth2/authorize",
                            data={**fields, "username": operator["username"], "password": operator["password"]})
        assert back.status_code == 303, back.text
        assert back.headers["location"].startswith(f"{console}/auth/callback?")
        signed_in = browser.get(back.headers["location"])
        assert signed_in.status_code == 303, signed_in.text
        assert signed_in.headers["location"] == "/dashboard"
        # the session cookie is Secure: a browser sends it to http://127.0.0.1 (a secure context), httpx does not
        cookie = signed_in.headers["set-cookie"]
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        dashboard = browser.get(f"{console}/dashboard", headers={"Cookie": cookie.split(";")[0]})
        assert dashboard.status_code == 200, dashboard.text


async def _await(awaitable: Any) -> None:
    await awaitable


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"
