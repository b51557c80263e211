"""The whole system as `gotong up` runs it, in a subprocess with its own state folder and free ports, and the
faults the suite injects into it: kill -9 of a service, SIGSTOP and kill -9 of the broker, a fast stop of
PostgreSQL.

The payment channel simulator runs in a process of its own (`EMBEDDED_CHANNEL=false`, as the disbursement
README describes for a channel outside the service): the simulator mounted inside the disbursement process
forgets what it paid when that process is killed, so it could not witness a payment made twice across a crash.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from gotong.infra.embedded import EmbeddedPostgres, free_block, port_open
from gotong.service import discover_services

_PR_SET_PDEATHSIG = 1  # prctl(2), Linux
#: Every installed service (`gotong up` starts them all), by port; each listens at base + its offset from 8100.
_SPECS = discover_services()
SERVICES = tuple(_SPECS)
_OFFSET = {name: spec.port - 8100 for name, spec in _SPECS.items()}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _die_with_us() -> None:
    """In the child before exec: when the test process dies (even by kill -9), the kernel sends SIGINT (the
    launcher then stops everything it started) or SIGTERM to the child, so nothing is left running."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT)


def _die_with_us_term() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    return free_block(1)


@dataclass
class Line:
    at: float  # time.monotonic()
    text: str


@dataclass
class System:
    root: Path  # the state folder (`--state-dir`)
    base: int = field(default_factory=lambda: free_block(max(_OFFSET.values()) + 1))
    pg_port: int = field(default_factory=_free_port)
    kafka_port: int = field(default_factory=_free_port)
    channel_port: int = field(default_factory=_free_port)
    launcher: subprocess.Popen[bytes] | None = None
    channel: subprocess.Popen[bytes] | None = None
    lines: list[Line] = field(default_factory=list)
    _pump: threading.Thread | None = None

    # -- start and stop ------------------------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
        env.update({
            "PYTHONUNBUFFERED": "1",
            "EMBEDDED_CHANNEL": "false",
            "CHANNEL_URL": f"http://127.0.0.1:{self.channel_port}",
            "CALLBACK_BASE_URL": self.url("disbursement"),
            # The simulator signs its callbacks with the development key `gotong up` has disbursement trust
            # (the same file in the state folder), as a channel's registered key would be.
            "CHANNEL_DEV_KEY_PATH": str(self.root / "g2p" / "channel-dev-key.pem"),
            # A payment whose callback was lost is asked about sooner than the default 30 s.
            "STATUS_CHECK_AFTER_S": "8",
            "LOG_LEVEL": "WARNING",
        })
        return env

    def start(self, timeout: float = 300.0) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.channel = subprocess.Popen(
            [sys.executable, "-m", "disbursement.simulator", "--port", str(self.channel_port), "--delay", "0.3",
             "--failure-rate", "0.05", "--return-rate", "0.05", "--wrong-amount-rate", "0.01"],
            env=self.env, stdout=(self.root.parent / "channel.log").open("ab"), stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_us_term)
        self.launcher = subprocess.Popen(
            [sys.executable, "-m", "gotong.cli.main", "up", "--no-demo", "--state-dir", str(self.root),
             "--base-port", str(self.base), "--pg-port", str(self.pg_port), "--kafka-port", str(self.kafka_port)],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_us)
        self._pump = threading.Thread(target=self._copy_output, daemon=True, name="launcher-output")
        self._pump.start()
        deadline = time.monotonic() + timeout
        while not self.said("Gotong is up."):
            if self.launcher.poll() is not None:
                raise RuntimeError(f"gotong up exited with {self.launcher.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"gotong up not up after {timeout:.0f}s:\n{self.tail()}")
            time.sleep(0.2)
        while not port_open("127.0.0.1", self.channel_port):
            if self.channel.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the payment channel simulator did not start")
            time.sleep(0.1)

    def _copy_output(self) -> None:
        assert self.launcher is not None
        assert self.launcher.stdout is not None
        with (self.root.parent / "launcher.log").open("ab") as log:
            for raw in iter(self.launcher.stdout.readline, b""):
                log.write(raw)
                log.flush()
                self.lines.append(Line(time.monotonic(), _ANSI.sub("", raw.decode("utf-8", "replace")).rstrip()))

    def said(self, text: str, since: float = 0.0) -> bool:
        return any(text in line.text for line in list(self.lines) if line.at >= since)

    def tail(self, n: int = 40) -> str:
        return "\n".join(line.text for line in list(self.lines)[-n:])

    def stop(self) -> list[str]:
        """Ctrl-C for the launcher (it stops its children, the broker and PostgreSQL), then make sure: anything of
        ours still running is killed. Returns what had to be killed that way."""
        if self.launcher is not None and self.launcher.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.launcher.send_signal(signal.SIGINT)
            try:
                self.launcher.wait(90)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.launcher.pid, signal.SIGKILL)
                self.launcher.wait(10)
        if self.channel is not None and self.channel.poll() is None:
            self.channel.terminate()
            try:
                self.channel.wait(10)
            except subprocess.TimeoutExpired:
                self.channel.kill()
                self.channel.wait(10)
        if self._pump is not None:
            self._pump.join(5)
        left = self.leftovers()
        if (self.root / "pgdata" / "postmaster.pid").exists():  # a PostgreSQL the launcher did not stop
            self.postgres.stop()
        for proc in self.leftovers():
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGCONT)
                proc.kill()
        return [" ".join(p.info.get("cmdline") or [])[:200] for p in left]

    def leftovers(self) -> list[psutil.Process]:
        """Our processes still alive: found by the state folder, the broker's and PostgreSQL's ports or the
        services' ports in their command lines (no other process names them)."""
        marks = [str(self.root), f"127.0.0.1:{self.kafka_port}", f"-p {self.pg_port} "]
        ports = {str(self.base + i) for i in range(7)} | {str(self.channel_port)}
        found = []
        for proc in psutil.process_iter(["pid", "cmdline", "status"]):
            cmd = proc.info.get("cmdline") or []
            text = " ".join(cmd)
            if proc.info["pid"] == os.getpid() or proc.info.get("status") == psutil.STATUS_ZOMBIE:
                continue
            port_arg = any(a == "--port" and i + 1 < len(cmd) and cmd[i + 1] in ports for i, a in enumerate(cmd))
            if any(m in text for m in marks) or port_arg:
                found.append(proc)
        return found

    # -- where things are ----------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / "run.json").read_text())
        return data

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.base + _OFFSET[service]}"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.base}/oauth2/token"

    @property
    def channel_url(self) -> str:
        return f"http://127.0.0.1:{self.channel_port}"

    def dsn(self, service: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/gotong_{service.replace('-', '_')}"

    def clients(self) -> dict[str, str]:
        data = json.loads((self.root / "auth" / "clients.json").read_text())
        return {c["client_id"]: c["client_secret"] for c in data["clients"]}

    def pid(self, service: str) -> int:
        return int(self.run()["services"][service]["pid"])

    def pids(self) -> dict[str, int]:
        return {name: int(svc["pid"]) for name, svc in self.run()["services"].items()}

    @property
    def broker_pid(self) -> int:
        return int(self.run()["kafka"]["pid"])

    # -- faults --------------------------------------------------------------------------------------------
    def kill9(self, service: str) -> int:
        pid = self.pid(service)
        os.kill(pid, signal.SIGKILL)
        return pid

    def restarted(self, service: str, old_pid: int, since: float) -> bool:
        """The launcher restarted `service` and said so (and run.json names the new process)."""
        try:
            pid = self.pid(service)
        except (OSError, ValueError, KeyError):
            return False
        return (pid != old_pid and self.said(f"{service} exited with -9", since)
                and self.said(f"{service} restarted (pid {pid})", since))

    def pause_broker(self) -> None:
        os.kill(self.broker_pid, signal.SIGSTOP)

    def resume_broker(self) -> None:
        os.kill(self.broker_pid, signal.SIGCONT)

    def kill_broker(self) -> int:
        pid = self.broker_pid
        os.kill(pid, signal.SIGKILL)
        return pid

    def broker_replaced(self, old_pid: int, since: float) -> bool:
        try:
            pid = self.broker_pid
        except (OSError, ValueError, KeyError):
            return False
        return pid != old_pid and self.said("the broker exited", since) and port_open("127.0.0.1", self.kafka_port)

    @property
    def postgres(self) -> EmbeddedPostgres:
        return EmbeddedPostgres(self.root / "pgdata", port=self.pg_port)

    def stop_postgres(self) -> None:
        """`pg_ctl stop -m fast`, as the user the launcher runs PostgreSQL as."""
        self.postgres.stop()
        if port_open("127.0.0.1", self.pg_port):
            raise RuntimeError("PostgreSQL still answers after pg_ctl stop -m fast")

    def start_postgres(self) -> None:
        """`pg_ctl start` on the same data folder and port, with the launcher's options."""
        self.postgres.start()

    async def ready(self, services: tuple[str, ...] = SERVICES) -> bool:
        async with httpx.AsyncClient(timeout=3) as http:
            for name in services:
                try:
                    if (await http.get(f"{self.url(name)}/readyz")).status_code != 200:
                        return False
                except httpx.HTTPError:
                    return False
        return True
