"""`gotong topics`: create every service's topics (events and dead letters) with the configured partitions,
and show who the broker is and how each topic is laid out. Compose and Kubernetes run it once before the
services; a relay also creates its own topics if they are missing, but never with another partition count."""

from __future__ import annotations

import asyncio

import click

from gotong.messaging.topics import dlq_topic, events_topic, inspect_broker
from gotong.service import discover_services
from gotong.settings import KitSettings


@click.command("topics")
@click.option("--bootstrap", envvar="KAFKA_BOOTSTRAP_SERVERS", help="Kafka bootstrap servers.")
@click.option("--partitions", type=int, default=None, help="Default: KAFKA_PARTITIONS (6).")
@click.option("--replication-factor", type=int, default=None, help="Default: KAFKA_REPLICATION_FACTOR (1).")
def topics(bootstrap: str | None, partitions: int | None, replication_factor: int | None) -> None:
    """Create the missing `<service>.events` and `.dlq` topics; print each topic's partition count."""
    settings = KitSettings(**({"kafka_bootstrap_servers": bootstrap} if bootstrap else {}))  # type: ignore[arg-type]
    wanted = partitions or settings.kafka_partitions
    names = [t for s in discover_services() for t in (events_topic(s), dlq_topic(events_topic(s)))]
    info = asyncio.run(inspect_broker(settings.kafka_bootstrap_servers, names, wanted,
                                      replication_factor or settings.kafka_replication_factor))
    click.echo(f"broker cluster id: {info.cluster_id}")
    wrong = []
    for name in names:
        count = info.partitions.get(name)
        click.echo(f"  {name:<32} {count} partitions")
        if count != wanted:
            wrong.append(name)
    if wrong:
        raise click.ClickException(f"{', '.join(wrong)}: not {wanted} partitions (a stream's partition is its key "
                                   "modulo the count: change counts only with every consumer drained)")
