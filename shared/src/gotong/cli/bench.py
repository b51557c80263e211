"""`gotong bench ...`: benchmarks that print figures and ratios against raw PostgreSQL/Kafka and peers."""

from __future__ import annotations

import asyncio

import click


@click.group("bench")
def bench() -> None:
    """Measure throughput against raw PostgreSQL/Kafka and peer libraries (uses DATABASE_URL /
    KAFKA_BOOTSTRAP_SERVERS when set, else starts embedded servers)."""


@bench.command("kit")
@click.option("--single", default=2000, show_default=True, help="Single-event transactions.")
@click.option("--events", default=100_000, show_default=True, help="Events for batch append and relay.")
@click.option("--batch-size", default=10_000, show_default=True)
def kit(single: int, events: int, batch_size: int) -> None:
    """Event store appends and relay publishing vs raw asyncpg/COPY/aiokafka and the eventsourcing library."""
    from gotong.bench.kit import bench_kit

    asyncio.run(bench_kit(single=single, batch_events=events, batch_size=batch_size, relay_events=events))


@bench.command("limits")
@click.option("--requests", default=20_000, show_default=True)
@click.option("--concurrency", default=16, show_default=True)
@click.option("--addresses", default=100_000, show_default=True, help="distinct client addresses")
def limits(requests: int, concurrency: int, addresses: int) -> None:
    """The shared rate limit's cost per request vs a plain PostgreSQL counter upsert and a round trip."""
    from gotong.bench.limits import bench_limits

    asyncio.run(bench_limits(requests, concurrency, addresses))


def _add_service_benchmarks() -> None:
    """Services add `gotong bench <name>` through the entry point group `gotong.bench` (a click command)."""
    from importlib.metadata import entry_points

    for ep in entry_points(group="gotong.bench"):
        try:
            bench.add_command(ep.load(), ep.name)
        except Exception as err:  # a broken plugin must not take the other benchmarks down
            click.echo(f"bench {ep.name} unavailable: {err}", err=True)


_add_service_benchmarks()

if __name__ == "__main__":
    bench()
