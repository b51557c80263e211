"""Child processes of the launcher: started in their own session, output prefixed, copied to a log file."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click

COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta")

Echo = Callable[[str], None]


def locked_echo() -> Echo:
    """One writer at a time, so lines from several children never interleave mid-line."""
    lock = threading.Lock()

    def echo(line: str) -> None:
        with lock:
            click.echo(line)

    return echo


@dataclass
class Child:
    """One supervised process: its output goes to `log_path` and, prefixed with its name, to `echo`."""

    name: str
    argv: list[str]
    env: Mapping[str, str]
    log_path: Path
    colour: str = "cyan"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _pump: threading.Thread | None = field(default=None, repr=False)

    def start(self, echo: Echo, width: int = 16) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Own session: a Ctrl-C in the terminal reaches only the launcher, which then stops children in order.
        self.process = subprocess.Popen(
            self.argv, env=dict(self.env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        prefix = click.style(f"{self.name:<{width}}|", fg=self.colour)
        self._pump = threading.Thread(target=self._copy_output, args=(prefix, echo), daemon=True,
                                      name=f"log-{self.name}")
        self._pump.start()

    def _copy_output(self, prefix: str, echo: Echo) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        with self.log_path.open("ab") as log:
            for raw in iter(self.process.stdout.readline, b""):
                log.write(raw)
                log.flush()
                echo(f"{prefix} {raw.decode('utf-8', 'replace').rstrip()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def signal(self, sig: int) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)  # the child's whole session, in case it started helpers

    def join_output(self, timeout: float = 2.0) -> None:
        if self._pump is not None:
            self._pump.join(timeout)

    def tail(self, lines: int = 25) -> str:
        try:
            with self.log_path.open("rb") as log:
                return b"".join(deque(log, maxlen=lines)).decode("utf-8", "replace")
        except OSError:
            return ""


def stop_children(children: Iterable[Child], grace: float = 10.0) -> None:
    """SIGTERM to all, wait up to `grace` seconds, SIGKILL whoever is left."""
    children = list(children)
    for child in children:
        child.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(c.running for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    for child in children:
        if child.running:
            child.signal(signal.SIGKILL)
    for child in children:
        if child.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(5)
        child.join_output()
