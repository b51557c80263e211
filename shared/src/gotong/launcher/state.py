"""The launcher's state folder (`.gotong/` by default) and `run.json`, which tells `gotong status` what runs."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil


@dataclass(frozen=True)
class StateDir:
    root: Path

    @classmethod
    def at(cls, path: str | Path) -> StateDir:
        return cls(Path(path).resolve())

    @property
    def pgdata(self) -> Path:
        return self.root / "pgdata"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def auth(self) -> Path:
        return self.root / "auth"

    @property
    def clients_file(self) -> Path:
        return self.auth / "clients.json"

    @property
    def signing_key(self) -> Path:
        return self.auth / "signing-key.pem"

    @property
    def run_file(self) -> Path:
        return self.root / "run.json"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def create(self) -> None:
        for folder in (self.root, self.logs, self.auth):
            folder.mkdir(parents=True, exist_ok=True)
        self.auth.chmod(0o700)

    def read_run(self) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(self.run_file.read_text())
        except (OSError, ValueError):
            return None
        return data

    def write_run(self, run: dict[str, Any]) -> None:
        tmp = self.run_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(run, indent=2) + "\n")
        os.replace(tmp, self.run_file)

    def clear_run(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.run_file.unlink()


def process_identity(pid: int) -> dict[str, Any]:
    """pid plus start time: enough to tell our process from a later one that reused the pid. A process that is
    gone already (a child that crashed, its restart pending) has no start time: `same_process` finds nothing."""
    try:
        return {"pid": pid, "started": psutil.Process(pid).create_time()}
    except psutil.NoSuchProcess:
        return {"pid": pid}


def same_process(ident: dict[str, Any] | None) -> psutil.Process | None:
    """The live process `ident` describes, or None when it is gone (or the pid now belongs to another)."""
    if not ident or "pid" not in ident:
        return None
    try:
        proc = psutil.Process(int(ident["pid"]))
        if abs(proc.create_time() - float(ident.get("started", 0))) > 1.0:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except psutil.Error:
        return None
