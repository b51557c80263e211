"""Alembic run from code: each service's migrations folder, its own database, no alembic.ini.

A service's `migrations/env.py` is two lines (`run_migrations(metadata)`); its first revision calls
`create_kit_tables(op)` so every service database holds the kit's event store, relay and consumer tables.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from gotong.db import create_engine, ensure_database
from gotong.eventstore.tables import kit_metadata

if TYPE_CHECKING:
    from gotong.service import ServiceSpec


def alembic_config(migrations: Path, url: str, connection: Connection | None = None) -> Config:
    """An Alembic config for one service's script folder; `url` (or an open connection) travels in attributes."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(migrations / "versions"))
    cfg.attributes["url"] = url
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


async def migrate(spec: ServiceSpec, url: str, revision: str = "head") -> None:
    """Create the service's database if needed (`url` names it), then `alembic upgrade <revision>`."""
    await ensure_database(url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(
                lambda sync: command.upgrade(alembic_config(spec.migrations, url, sync), revision))
    finally:
        await engine.dispose()


def make_revision(spec: ServiceSpec, url: str, message: str) -> None:
    """Write a new, empty revision file into the service's versions folder (fill in upgrade/downgrade)."""
    command.revision(alembic_config(spec.migrations, url), message=message)


# --- used by each service's migrations/env.py -------------------------------------------------------------

def run_migrations(service_metadata: MetaData | Sequence[MetaData] = ()) -> None:
    """Body of a service's env.py: migrate with the connection `migrate()` shares, or open an async engine."""
    from alembic import context

    metadatas = [service_metadata] if isinstance(service_metadata, MetaData) else list(service_metadata)
    target = [kit_metadata, *metadatas]
    config = context.config
    if context.is_offline_mode():
        context.configure(url=config.attributes["url"], target_metadata=target, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    shared: Connection | None = config.attributes.get("connection")
    if shared is not None:
        _run_on(shared, target)
        return
    asyncio.run(_run_async(config.attributes["url"], target))


def _run_on(connection: Connection, target: list[MetaData]) -> None:
    from alembic import context

    context.configure(connection=connection, target_metadata=target, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, target: list[MetaData]) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run_on, target)
    finally:
        await engine.dispose()


# --- used by each service's first revision ----------------------------------------------------------------

def create_kit_tables(op: Any) -> None:
    """Create exactly the kit's tables (events, snapshots, relay checkpoints, consumer positions, ...)."""
    kit_metadata.create_all(op.get_bind())


def drop_kit_tables(op: Any) -> None:
    kit_metadata.drop_all(op.get_bind())
