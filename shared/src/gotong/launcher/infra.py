"""The servers the launcher owns: embedded PostgreSQL (data kept in the state folder) and Tansu (memory)."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from typing import Any

import psutil

from gotong.infra.embedded import EmbeddedKafka, EmbeddedPostgres, free_port, port_open
from gotong.launcher.state import StateDir, same_process


def _our_postgres_port(pgdata: Path) -> int | None:
    """The port a live server on this data folder (left by an earlier run) listens on."""
    pid_file = pgdata / "postmaster.pid"
    with contextlib.suppress(OSError, ValueError, IndexError):
        lines = pid_file.read_text().splitlines()
        if psutil.pid_exists(int(lines[0])):
            return int(lines[3])
    return None


def postgres_port(pgdata: Path, wanted: int) -> int:
    """`wanted` if free or our own earlier server holds it; else the port our server still holds, or a free one."""
    ours = _our_postgres_port(pgdata)
    if ours is not None:
        return ours
    return free_port() if port_open("127.0.0.1", wanted) else wanted


def start_postgres(state: StateDir, wanted_port: int) -> EmbeddedPostgres:
    return EmbeddedPostgres(state.pgdata, port=postgres_port(state.pgdata, wanted_port), fsync=True).start()


def start_kafka(state: StateDir, wanted_port: int) -> EmbeddedKafka:
    port = free_port() if port_open("127.0.0.1", wanted_port) else wanted_port
    return EmbeddedKafka(port=port, log_path=state.log("tansu")).start()


def ports_in_use(ports: dict[str, int]) -> list[str]:
    return [f"{name} (port {port})" for name, port in ports.items() if port_open("127.0.0.1", port)]


def stop_leftovers(run: dict[str, Any]) -> list[str]:
    """Stop processes an earlier launcher left behind (it was killed -9): children and its broker.

    PostgreSQL is not stopped here; `start_postgres` reuses a server left on our data folder.
    """
    idents = [("auth", run.get("auth")), ("tansu", run.get("kafka"))]
    idents += [(name, svc) for name, svc in run.get("services", {}).items()]
    stopped: list[str] = []
    procs: list[psutil.Process] = []
    for name, ident in idents:
        proc = same_process(ident)
        if proc is not None:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGTERM)
                procs.append(proc)
                stopped.append(name)
    _, alive = psutil.wait_procs(procs, timeout=10)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    return stopped
