"""Shared benchmark plumbing: servers (given or embedded), timing, and a result table with ratios."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import uuid4

from rich.console import Console
from rich.table import Table

from gotong.infra.embedded import EmbeddedKafka, EmbeddedPostgres

if TYPE_CHECKING:
    from gotong.service import ServiceSpec

console = Console()


@dataclass
class Servers:
    database_url: str
    kafka_bootstrap: str


@contextlib.contextmanager
def servers() -> Iterator[Servers]:
    """DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS if set, else embedded servers (fsync on, like production)."""
    stops = []
    db = os.environ.get("DATABASE_URL")
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    tmp = Path(tempfile.mkdtemp(prefix="gotong-bench-"))
    try:
        if not db:
            pg = EmbeddedPostgres(tmp / "pgdata", fsync=True).start()
            stops.append(pg.stop)
            db = pg.url
        if not kafka:
            broker = EmbeddedKafka(log_path=tmp / "tansu.log").start()
            stops.append(broker.stop)
            kafka = broker.bootstrap_servers
        yield Servers(db, kafka)
    finally:
        for stop in reversed(stops):
            stop()
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    unit: str = "events"

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")


@dataclass
class Report:
    title: str
    results: dict[str, Result] = field(default_factory=dict)
    ratios: list[tuple[str, str, str, float | None]] = field(default_factory=list)
    rates: list[tuple[str, str, float]] = field(default_factory=list)

    def add(self, result: Result) -> Result:
        self.results[result.name] = result
        console.print(f"  {result.name}: {result.rate:,.0f} {result.unit}/s "
                      f"({result.count:,} in {result.seconds:.2f}s)")
        return result

    def ratio(self, label: str, ours: str, theirs: str, goal: float | None = None) -> float:
        r = self.results[ours].rate / self.results[theirs].rate
        self.ratios.append((label, ours, theirs, goal))
        return r

    def goal(self, label: str, name: str, minimum: float) -> None:
        """An absolute goal for one result's rate (machine-dependent: the ratios are what survive load)."""
        self.rates.append((label, name, minimum))

    def print(self) -> None:
        table = Table(title=self.title)
        for col in ("measure", "count", "seconds", "rate/s"):
            table.add_column(col, justify="right" if col != "measure" else "left")
        for r in self.results.values():
            table.add_row(r.name, f"{r.count:,}", f"{r.seconds:.2f}", f"{r.rate:,.0f}")
        console.print(table)
        ratios = Table(title="ratios")
        for col in ("ratio", "value", "goal", "met"):
            ratios.add_column(col)
        for label, ours, theirs, goal in self.ratios:
            value = self.results[ours].rate / self.results[theirs].rate
            met = "" if goal is None else ("met" if value >= goal else "NOT met")
            ratios.add_row(label, f"{value:.2f}x", "" if goal is None else f">= {goal}x", met)
        for label, name, minimum in self.rates:
            rate = self.results[name].rate
            ratios.add_row(label, f"{rate:,.0f}/s", f">= {minimum:,.0f}/s", "met" if rate >= minimum else "NOT met")
        console.print(ratios)


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def _service_spec(name: str) -> ServiceSpec:
    """The one service a benchmark needs, loaded alone: another service that does not import must not stop it."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="gotong.services", name=name):
        spec: ServiceSpec = ep.load()
        return spec
    raise LookupError(f"no installed service named {name!r}")


@contextlib.asynccontextmanager
async def scratch_database(server_url: str, prefix: str, service: str | None = None) -> AsyncIterator[str]:
    """A new database named `<prefix>_<random>` on the server, migrated (the service's migrations, or the kit's
    tables alone), dropped at the end. Yields its URL."""
    from sqlalchemy.engine import make_url

    from gotong.db import drop_database
    from gotong.migrations import migrate, migrate_kit

    url = make_url(server_url).set(database=f"{prefix}_{uuid4().hex[:8]}").render_as_string(False)
    try:
        if service is None:
            await migrate_kit(url)
        else:
            await migrate(_service_spec(service), url)
        yield url
    finally:
        await drop_database(url)
