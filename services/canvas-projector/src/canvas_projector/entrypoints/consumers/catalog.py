"""Keeps replicas of published facts the portal and open data need: programs (from `disbursement.events`) and
company CSR money (from `csr-ledger.events`). Keys make every write idempotent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gotong.contracts import csr_ledger, disbursement
from gotong.contracts.base import parse_contract
from gotong.eventstore.postgres import driver_connection
from gotong.messaging.consumer import Delivered, EventConsumer

CONSUMER = "canvas-projector.catalog"
TOPICS = ["disbursement.events", "csr-ledger.events"]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def on_event(conn: AsyncConnection, message: Delivered) -> None:
    e = message.event
    events: dict[str, Any] = disbursement.EVENTS if message.topic == "disbursement.events" else csr_ledger.EVENTS
    fact = parse_contract(e.event_type, e.schema_version, e.data, events)
    if fact is None:
        return
    d = await driver_connection(conn)
    flow = "INSERT INTO proj_csr_flows (flow_key, kind, company_id, amount, counterpart, occurred_at) " \
           "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (flow_key) DO NOTHING"
    match fact:
        case disbursement.ProgramDefined():
            await d.execute(
                "INSERT INTO proj_programs (program_id, code, name, funding_source, eligibility_summary, defined_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (program_id) DO UPDATE SET code = excluded.code, "
                "name = excluded.name, funding_source = excluded.funding_source, "
                "eligibility_summary = excluded.eligibility_summary",
                fact.program_id, fact.code, fact.name, fact.funding_source, fact.eligibility_summary,
                _at(fact.occurred_at))
        case csr_ledger.CompanyRegistered():
            await d.execute(
                "INSERT INTO proj_companies (company_id, name, sector, tjsl_mandatory, registered_at) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company_id) DO NOTHING",
                fact.company_id, fact.name, fact.sector, str(fact.tjsl_mandatory).lower(), _at(fact.occurred_at))
        case csr_ledger.PledgeMade():
            await d.execute(flow, f"pledge:{fact.pledge_id}", "pledge", fact.company_id, fact.amount,
                            f"{fact.year}", _at(fact.occurred_at))
        case csr_ledger.DepositReceived():
            await d.execute(flow, f"deposit:{fact.transfer_id}", "deposit", fact.company_id, fact.amount, None,
                            _at(fact.occurred_at))
        case csr_ledger.AllocationDecided() if fact.status == "approved":
            await d.execute(flow, f"allocation:{fact.allocation_id}", "allocation", fact.company_id, fact.amount,
                            fact.target_name, _at(fact.occurred_at))
        case csr_ledger.SpendingRecorded():
            sign = 1 if fact.status == "paid" else -1
            # one flow per ledger transfer: a reissued attempt, and each funder's part, count on their own
            key = f"spending:{fact.transfer_id}" if fact.transfer_id else f"spending:{fact.payment_id}:{fact.status}"
            await d.execute(flow, key, "spending", fact.company_id, sign * fact.amount, fact.program_id,
                            _at(fact.occurred_at))
        case _:
            return


def catalog_consumer(app: Any) -> EventConsumer:
    return EventConsumer(app.state.engine, name=CONSUMER, topics=TOPICS, handler=on_event,
                         bootstrap=app.state.settings.kafka_bootstrap_servers)
