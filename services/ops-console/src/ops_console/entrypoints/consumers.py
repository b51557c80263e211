"""Keeps the console's operational read model from the other services' published facts (registry,
disbursement, CSR ledger, enterprise, partnership). Positions are stored in the same transaction as the
read-model change, so a redelivery changes nothing."""

from __future__ import annotations

from typing import Any

from gotong_contracts import csr_ledger, disbursement, enterprise, partnership, registry
from gotong_contracts.base import parse_contract
from sqlalchemy.ext.asyncio import AsyncConnection

from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.messaging.consumer import Delivered, EventConsumer
from gotong.messaging.topics import events_topic
from ops_console.adapters.read_model import ReadModel
from ops_console.application.dashboard import record_facts

CONSUMER = "ops-console.dashboard"
CONTRACTS: dict[str, dict[str, Any]] = {
    events_topic("registry"): registry.EVENTS, events_topic("disbursement"): disbursement.EVENTS,
    events_topic("csr-ledger"): csr_ledger.EVENTS, events_topic("enterprise"): enterprise.EVENTS,
    events_topic("partnership"): partnership.EVENTS}
TOPICS = list(CONTRACTS)


async def on_events(conn: AsyncConnection, messages: list[Delivered]) -> None:
    """A batch of one partition's facts, in order, in one transaction with the consumer's positions."""
    facts = []
    for message in messages:
        e = message.event
        fact = parse_contract(e.event_type, e.schema_version, e.data, CONTRACTS.get(message.topic, {}))
        if fact is not None:
            facts.append(fact)
    if facts:
        await record_facts(ReadModel(await Sql.over(conn)), facts)


def dashboard_consumer(app: Any) -> EventConsumer:
    kit = runtime(app)
    return EventConsumer(kit.engine, name=CONSUMER, topics=TOPICS, batch_handler=on_events,
                         bootstrap=kit.settings.kafka_bootstrap_servers)
