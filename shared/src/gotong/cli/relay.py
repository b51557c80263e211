"""`gotong relay`: run one service's outbox relay as its own process (services also run it in-process)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import click

from gotong.db import create_engine
from gotong.messaging.relay import OutboxRelay
from gotong.settings import KitSettings


async def _run(settings: KitSettings, batch_size: int) -> None:
    engine = create_engine(settings.service_database_url, pool_size=2)
    relay = OutboxRelay(engine, service=settings.service_name, bootstrap=settings.kafka_bootstrap_servers,
                        batch_size=batch_size, idempotent=settings.kafka_idempotent_producer,
                        partitions=settings.kafka_partitions, replication_factor=settings.kafka_replication_factor)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await relay.run(stop)
    finally:
        await engine.dispose()


@click.command("relay")
@click.option("--service", "service_name", required=True, help="Service whose events table to publish.")
@click.option("--database-url", envvar="DATABASE_URL", help="Server URL, or the service database's URL.")
@click.option("--bootstrap", envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers.")
@click.option("--batch-size", default=1000, show_default=True)
def relay(service_name: str, database_url: str | None, bootstrap: str | None, batch_size: int) -> None:
    """Publish the service's committed events to `<service>.events` until stopped (Ctrl-C)."""
    overrides: dict[str, object] = {"service_name": service_name}
    if database_url:
        overrides["database_url"] = database_url
    if bootstrap:
        overrides["kafka_bootstrap_servers"] = bootstrap
    settings = KitSettings(**overrides)  # type: ignore[arg-type]
    asyncio.run(_run(settings, batch_size))


if __name__ == "__main__":
    relay()
