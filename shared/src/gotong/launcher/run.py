"""`gotong up`: servers, databases, migrations, topics, the token server, every service, demo data, logs, Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import click
import httpx

from gotong.api.token_server import hash_secret
from gotong.infra.embedded import EmbeddedKafka, EmbeddedPostgres, port_open
from gotong.launcher.auth import ensure_auth_files, sign_in_env
from gotong.launcher.children import COLOURS, Child, locked_echo, stop_children
from gotong.launcher.infra import start_kafka, start_postgres, stop_leftovers
from gotong.launcher.state import StateDir, process_identity
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.migrations import migrate
from gotong.service import ServiceSpec, discover_services
from gotong.settings import audience_of


@dataclass
class Ports:
    base: int = 8100  # token server; services at their spec port, shifted by (base - 8100)
    postgres: int = 55432
    kafka: int = 59092

    def service(self, spec: ServiceSpec) -> int:
        return spec.port + (self.base - 8100)


@dataclass
class Launch:
    state: StateDir
    ports: Ports
    host: str = "127.0.0.1"
    demo: bool = True
    postgres: EmbeddedPostgres | None = None
    kafka: EmbeddedKafka | None = None
    children: list[Child] = field(default_factory=list)
    database_url: str = ""
    bootstrap: str = ""
    topics: list[str] = field(default_factory=list)
    partitions: int = 6
    peers: dict[str, str] = field(default_factory=dict)  # every service's base URL, by name

    def service_env(self, spec: ServiceSpec, auth_url: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOTONG_AUTH_CLIENTS")}
        env.update({
            "DATABASE_URL": self.database_url, "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap, "SERVICE_NAME": spec.name,
            "JWKS_URL": f"{auth_url}/.well-known/jwks.json", "JWT_ISSUER": auth_url,
            "PYTHONUNBUFFERED": "1", "GOTONG_STATE_DIR": str(self.state.root), "GOTONG_ENV": "local",
        })
        # where the other services are (`REGISTRY_URL`, `CANVAS_PROJECTOR_URL`, …): a service's settings read them
        env.update({peer_url_variable(name): url for name, url in self.peers.items()})
        if spec.environment is not None:
            env.update(spec.environment(self.state.root))
        return env


def peer_url_variable(service: str) -> str:
    """`canvas-projector` -> `CANVAS_PROJECTOR_URL`."""
    return service.upper().replace("-", "_") + "_URL"


def _settings(spec: ServiceSpec, launch: Launch) -> Any:
    return spec.settings(service_name=spec.name, database_url=launch.database_url,
                         kafka_bootstrap_servers=launch.bootstrap)


async def _prepare(specs: dict[str, ServiceSpec], launch: Launch) -> None:
    for spec in specs.values():
        await migrate(spec, _settings(spec, launch).service_database_url)
    launch.topics = [t for s in specs for t in (events_topic(s), dlq_topic(events_topic(s)))]
    await ensure_topics(launch.bootstrap, launch.topics, partitions=launch.partitions)


def _wait_ready(child: Child, url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2) as http:
        while time.monotonic() < deadline:
            if not child.running:
                raise click.ClickException(f"{child.name} exited ({child.returncode}). Last lines:\n{child.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if http.get(url).status_code == 200:
                    return
            time.sleep(0.25)
    raise click.ClickException(f"{child.name} not ready after {timeout:.0f}s ({url}). Last lines:\n{child.tail()}")


def _start(launch: Launch, name: str, argv: list[str], env: dict[str, str], echo: Any) -> Child:
    child = Child(name, argv, env, launch.state.log(name), COLOURS[len(launch.children) % len(COLOURS)])
    child.start(echo)
    launch.children.append(child)
    return child


def up(launch: Launch, specs: dict[str, ServiceSpec] | None = None, ready_timeout: float = 90.0) -> None:
    specs = specs or discover_services()
    state = launch.state
    state.create()
    echo = locked_echo()
    previous = state.read_run()
    if previous:
        stopped = stop_leftovers(previous)
        if stopped:
            echo(f"stopped leftovers of an earlier run: {', '.join(stopped)}")
    stopping = False

    def on_signal(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if os.environ.get("DATABASE_URL"):
            launch.database_url = os.environ["DATABASE_URL"]
        else:
            echo(f"starting PostgreSQL (data in {state.pgdata}) ...")
            launch.postgres = start_postgres(state, launch.ports.postgres)
            launch.database_url = launch.postgres.url
        if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            launch.bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        else:
            echo("starting the Tansu Kafka-protocol broker (memory engine) ...")
            launch.kafka = start_kafka(state, launch.ports.kafka)
            launch.bootstrap = launch.kafka.bootstrap_servers
        echo("migrating databases and creating topics ...")
        asyncio.run(_prepare(specs, launch))

        clients = ensure_auth_files(state, specs.values())
        launch.peers = {s.name: f"http://{launch.host}:{launch.ports.service(s)}" for s in specs.values()}
        auth_port = launch.ports.base
        auth_url = f"http://{launch.host}:{auth_port}"
        auth_env = {**os.environ, "PYTHONUNBUFFERED": "1", "GOTONG_AUTH_CLIENTS": json.dumps(
            [{"client_id": c["client_id"], "secret_sha256": hash_secret(c["client_secret"]), "scopes": c["scopes"],
              "description": c.get("description", "")} for c in clients]),
            "GOTONG_AUTH_AUDIENCES": ",".join(audience_of(name) for name in specs),
            **sign_in_env(state, specs.values(), launch.peers)}
        auth = _start(launch, "auth", [sys.executable, "-m", "gotong.cli.main", "auth-server", "--host", launch.host,
                                       "--port", str(auth_port), "--state-dir", str(state.root)], auth_env, echo)
        _wait_ready(auth, f"{auth_url}/healthz", ready_timeout)
        urls: dict[str, str] = {}
        for spec in specs.values():
            port = launch.ports.service(spec)
            if port_open(launch.host, port):
                raise click.ClickException(f"port {port} for {spec.name} is taken; use --base-port")
            _start(launch, spec.name, [sys.executable, "-m", "gotong.cli.main", "serve", spec.name, "--host",
                                       launch.host, "--port", str(port)], launch.service_env(spec, auth_url), echo)
            urls[spec.name] = f"http://{launch.host}:{port}"
        for child in launch.children[1:]:
            _wait_ready(child, f"{urls[child.name]}/readyz", ready_timeout)
        state.write_run(_run_record(launch, urls, auth_url))
        if launch.demo:
            _load_demo(specs, launch, echo)
        _print_urls(echo, urls, auth_url, state, specs)
        supervisor = Supervisor(launch, echo, lambda: state.write_run(_run_record(launch, urls, auth_url)))
        while not stopping:
            supervisor.tick()
            time.sleep(0.3)
        echo("stopping ...")
    finally:
        stop_children(reversed(launch.children))
        if launch.kafka:
            launch.kafka.stop()
        if launch.postgres:
            launch.postgres.stop()
        state.clear_run()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    echo("stopped.")


@dataclass
class _Restarts:
    count: int = 0
    due: float | None = None  # when the pending restart happens
    since: float = field(default_factory=time.monotonic)  # when the current process started


class Supervisor:
    """Keeps the local system running: a child that exits is restarted with backoff (1 s, 2 s, 4 s ... 30 s;
    forgotten after a minute of running), and a broker that died is replaced by a new one on the same port."""

    HEALTHY_AFTER_S = 60.0
    MAX_DELAY_S = 30.0

    def __init__(self, launch: Launch, echo: Any, record: Any) -> None:
        self.launch = launch
        self.echo = echo
        self.record = record  # rewrites run.json (pids) after a restart
        self.restarts: dict[str, _Restarts] = {c.name: _Restarts() for c in launch.children}

    def tick(self) -> None:
        now = time.monotonic()
        kafka = self.launch.kafka
        if kafka is not None and not kafka.running:
            self.echo(click.style(f"the broker exited ({kafka.process.returncode if kafka.process else '?'}); "
                                  "starting a new one on the same port. It holds nothing: relays republish "
                                  "and consumers reread from the start.", fg="red"))
            kafka.start()
            asyncio.run(ensure_topics(self.launch.bootstrap, self.launch.topics, partitions=self.launch.partitions))
            self.record()
        for child in self.launch.children:
            r = self.restarts.setdefault(child.name, _Restarts())
            if child.running:
                if r.count and now - r.since > self.HEALTHY_AFTER_S:
                    r.count = 0
                continue
            if r.due is None:
                delay = min(2.0 ** r.count, self.MAX_DELAY_S)
                r.due = now + delay
                self.echo(click.style(f"{child.name} exited with {child.returncode}; restarting it in {delay:.0f}s "
                                      f"(restart {r.count + 1}). Log: {child.log_path}", fg="red"))
            elif now >= r.due:
                child.join_output(0.5)
                child.start(self.echo)
                r.count, r.due, r.since = r.count + 1, None, now
                self.echo(click.style(f"{child.name} restarted (pid {child.pid})", fg="yellow"))
                self.record()


def _run_record(launch: Launch, urls: dict[str, str], auth_url: str) -> dict[str, Any]:
    by_name = {c.name: c for c in launch.children}
    return {
        "launcher": process_identity(os.getpid()),
        "database_url": launch.database_url,
        "auth": {**process_identity(by_name["auth"].pid), "url": auth_url},
        "kafka": {**process_identity(launch.kafka.pid), "bootstrap": launch.bootstrap} if launch.kafka
        else {"bootstrap": launch.bootstrap},
        "services": {name: {**process_identity(by_name[name].pid), "url": url} for name, url in urls.items()},
    }


def _load_demo(specs: dict[str, ServiceSpec], launch: Launch, echo: Any) -> None:
    for spec in specs.values():
        if spec.demo_data is None:
            continue
        echo(f"loading demo data: {spec.name} ...")
        try:
            asyncio.run(_await(spec.demo_data(_settings(spec, launch))))
        except Exception as err:  # demo data is a convenience: report it, keep the system up
            echo(click.style(f"demo data for {spec.name} failed: {type(err).__name__}: {err}", fg="red"))


async def _await(awaitable: Any) -> None:
    await awaitable


def _print_urls(echo: Any, urls: dict[str, str], auth_url: str, state: StateDir,
                specs: dict[str, ServiceSpec]) -> None:
    echo("")
    echo(click.style("Gotong is up.", bold=True))
    for name, url in urls.items():
        echo(f"  {name:<18} {url}/docs")
    for name, url in urls.items():
        page = specs[name].public_page if name in specs else None
        if page is not None:
            echo(f"  {'public: ' + name:<18} {url}{page}")
    echo(f"  {'token endpoint':<18} {auth_url}/oauth2/token  (client credentials: {state.clients_file})")
    users_file = state.auth / "users.json"
    if any(s.sign_in for s in specs.values()) and users_file.exists():
        for name, url in urls.items():
            if specs[name].sign_in:
                echo(f"  {name:<18} {url}/  (sign in as a person)")
        for user in json.loads(users_file.read_text())["users"]:
            echo(f"    {user['username']:<12} {user['password']:<18} {', '.join(user['roles'])}")
    echo("  Ctrl-C stops everything.")
    echo("")
