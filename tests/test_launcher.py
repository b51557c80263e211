"""The README's run command end to end: `gotong up` brings six services up on embedded servers, `gotong status`
sees them, a token from the local token server works, and Ctrl-C stops every process."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gotong.infra.embedded import free_block, port_open

SERVICES = ["registry", "disbursement", "csr-ledger", "enterprise", "partnership", "canvas-projector"]


def test_up_status_token_and_clean_stop(tmp_path: Path):
    base = free_block(9)  # services at base .. base+6; the broker and PostgreSQL at base+7, base+8
    state = tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    gotong = [sys.executable, "-m", "gotong.cli.main"]
    proc = subprocess.Popen([*gotong, "up", "--no-demo", "--state-dir", str(state), "--base-port", str(base),
                             "--pg-port", str(base + 8), "--kafka-port", str(base + 7)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while not (state / "run.json").exists():
            assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
            assert time.monotonic() < deadline, "gotong up did not come up"
            time.sleep(0.5)
        run = json.loads((state / "run.json").read_text())
        assert sorted(run["services"]) == sorted(SERVICES)
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
        assert status.stdout.count("ready") >= 6
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
    assert not any(port_open("127.0.0.1", base + i) for i in range(7)), "ports are free again"
    assert not (state / "run.json").exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"
