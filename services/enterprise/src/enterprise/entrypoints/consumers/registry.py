"""Consumes `registry.events`: a small replica of household references (region, desil, erased or merged), so a
link to an erased or merged household is refused and graduations can be counted by desil. Only the
pseudonymous reference and non-personal facts are kept; members are not."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gotong.contracts.base import parse_contract
from gotong.contracts.registry import EVENTS, HouseholdChanged, HouseholdErased, HouseholdRanked, HouseholdsMerged
from gotong.eventstore.postgres import driver_connection
from gotong.messaging.consumer import Delivered, EventConsumer


async def on_registry_event(conn: AsyncConnection, message: Delivered) -> None:
    event = message.event
    parsed = parse_contract(event.event_type, event.schema_version, event.data, EVENTS)
    driver = await driver_connection(conn)
    if isinstance(parsed, HouseholdChanged):
        # Event-carried state: keep the newest household_version only.
        await driver.execute(
            """
            INSERT INTO registry_households (household_ref, household_version, province_code, regency_code, desil,
                                             status)
            VALUES ($1, $2, $3, $4, $5, 'registered')
            ON CONFLICT (household_ref) DO UPDATE SET household_version = excluded.household_version,
                province_code = excluded.province_code, regency_code = excluded.regency_code,
                desil = coalesce(excluded.desil, registry_households.desil)
            WHERE registry_households.household_version < excluded.household_version
              AND registry_households.status = 'registered'
            """, parsed.household_ref, parsed.household_version, parsed.province_code, parsed.regency_code,
            parsed.desil)
    elif isinstance(parsed, HouseholdRanked):
        await driver.execute(
            "INSERT INTO registry_households (household_ref, household_version, province_code, regency_code, desil, "
            "status) VALUES ($1, 0, $2, $3, $4, 'registered') "
            "ON CONFLICT (household_ref) DO UPDATE SET desil = excluded.desil",
            parsed.household_ref, parsed.province_code, parsed.regency_code, parsed.desil)
    elif isinstance(parsed, HouseholdErased):
        await _mark(driver, [parsed.household_ref], "erased", None)
    elif isinstance(parsed, HouseholdsMerged):
        await _mark(driver, parsed.merged_refs, "merged", parsed.surviving_ref)


async def _mark(driver: Any, refs: list[str], status: str, merged_into: str | None) -> None:
    await driver.executemany(
        "INSERT INTO registry_households (household_ref, household_version, status, merged_into) "
        "VALUES ($1, 0, $2, $3) ON CONFLICT (household_ref) DO UPDATE SET status = excluded.status, "
        "merged_into = excluded.merged_into, desil = NULL", [(r, status, merged_into) for r in refs])


def registry_consumer(app: Any) -> EventConsumer:
    settings = app.state.settings
    return EventConsumer(app.state.engine, name="enterprise.registry", topics=["registry.events"],
                         handler=on_registry_event, bootstrap=settings.kafka_bootstrap_servers)
