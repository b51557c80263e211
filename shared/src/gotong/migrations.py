"""Alembic run from code: each service's migrations folder, its own database, no alembic.ini.

A service's `migrations/env.py` is two lines (`run_migrations(metadata)`). Revisions are frozen: explicit ops
that import nothing from the live tables, so a revision creates the same schema today as the day it was
written. Each service's first revision calls `create_kit_tables(op)` (the kit's tables as they were then); a
later revision calls `upgrade_kit_since_first_release(op)`. `drift()` compares a migrated database with the
live tables: a change to a tables module without a revision shows up there (and in `gotong migrate --check`).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.engine import Connection
from sqlalchemy.types import UserDefinedType

from gotong.db import create_engine, ensure_database
from gotong.eventstore.tables import Xid8, kit_metadata

if TYPE_CHECKING:
    from gotong.service import ServiceSpec

# What autogenerate compares, for `drift()` and `alembic revision --autogenerate` alike. Server defaults are
# compared too: PostgreSQL evaluates both sides (`SELECT <database default> = <model default>`), so `'0'` and
# `0`, or `now()` and `CURRENT_TIMESTAMP`, are not reported; named check constraints are compared by name.
COMPARE_OPTIONS: dict[str, Any] = {
    "compare_type": True,
    "compare_server_default": True,
    "autogenerate_plugins": ["alembic.autogenerate.*", "alembic.ext.checkconstraint_byname"],
}
# Reflection knows no xid8 (events.tx_id): without this the type is not compared and SQLAlchemy warns.
ischema_names.setdefault("xid8", Xid8)


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


def migration_lock_key(service: str) -> int:
    """The advisory lock key `migrate()` holds for a service: a constant 64-bit number from its name."""
    digest = hashlib.blake2b(f"gotong.migrate:{service}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def migrate(spec: ServiceSpec, url: str, revision: str = "head") -> None:
    """Create the service's database if needed (`url` names it), then `alembic upgrade <revision>`.

    Every replica runs this on start. The upgrade runs in one transaction holding an advisory lock on the
    service's key, so concurrent runs serialise: the first migrates, the others wait and then find nothing to
    do. A transaction-level lock is released by the commit or the rollback, even if the connection is lost.
    """
    await ensure_database(url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": migration_lock_key(spec.name)})
            await conn.run_sync(
                lambda sync: command.upgrade(alembic_config(spec.migrations, url, sync), revision))
    finally:
        await engine.dispose()


async def drift(spec: ServiceSpec, url: str) -> list[Any]:
    """How the database at `url` differs from the kit's and the service's live tables (empty: none).

    The tables are those the service's env.py passes to `run_migrations`; each difference is one of
    autogenerate's diff tuples, e.g. `("add_column", None, "payments", Column(...))`.
    """
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: _env_drift(spec.migrations, url, sync))
    finally:
        await engine.dispose()


async def kit_drift(url: str) -> list[Any]:
    """`drift()` for a database holding only the kit's tables (built by `migrate_kit`)."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: compare_schema(sync, [kit_metadata]))
    finally:
        await engine.dispose()


def compare_schema(connection: Connection, target: Sequence[MetaData]) -> list[Any]:
    """Autogenerate's differences between the database and `target`, plus partial indexes whose WHERE differs
    (autogenerate compares an index's name, columns and uniqueness, not its predicate)."""
    context = MigrationContext.configure(connection, opts={"target_metadata": list(target), **COMPARE_OPTIONS})
    diffs = list(compare_metadata(context, list(target)))  # type: ignore[arg-type]  # a list of MetaData works
    return diffs + _index_predicate_drift(connection, target)


def _index_predicate_drift(connection: Connection, target: Sequence[MetaData]) -> list[Any]:
    rows = connection.execute(sa.text(
        "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema()")).all()
    in_database: dict[str, str | None] = {row[0]: row[1] for row in rows}
    found: list[Any] = []
    for md in target:
        for table in md.tables.values():
            for index in table.indexes:
                if index.name not in in_database:
                    continue  # a missing index is autogenerate's to report
                where = index.dialect_options["postgresql"]["where"]
                model = where if where is None or isinstance(where, str) else str(
                    where.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
                database = in_database[index.name]
                if _predicate(model) != _predicate(database):
                    found.append(("modify_index_where", table.name, index.name, database, model))
    return found


def _predicate(sql: str | None) -> str | None:
    """A predicate as PostgreSQL deparses it and as a model writes it, made comparable: no casts PostgreSQL
    adds to literals (`'open'::text`), no parentheses, no spaces, one case."""
    if sql is None:
        return None
    return re.sub(r"::[a-z_]+|[()\s]", "", sql.lower())


def _env_drift(migrations: Path, url: str, connection: Connection) -> list[Any]:
    cfg = alembic_config(migrations, url, connection)
    script = ScriptDirectory.from_config(cfg)
    current = set(MigrationContext.configure(connection).get_current_heads())
    found: list[Any] = []
    if current != set(script.get_heads()):
        found.append(("not_at_head", sorted(current), sorted(script.get_heads())))
    cfg.attributes["drift"] = found
    with EnvironmentContext(cfg, script):
        script.run_env()
    return found


def describe(diff: Any) -> str:
    """One line for a `drift()` difference, e.g. `add_column consumer_positions.watermark_tx_id`."""
    if isinstance(diff, list):  # autogenerate groups the changes to one column
        return "; ".join(describe(d) for d in diff)
    kind, *rest = diff
    if kind in ("add_table", "remove_table"):
        return f"{kind} {rest[0].name}"
    if kind in ("add_column", "remove_column"):
        return f"{kind} {rest[1]}.{rest[2].name}"
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        return f"{kind} {rest[0].name or '(unnamed)'} on {rest[0].table.name}"
    if kind == "modify_index_where":
        return f"{kind} {rest[0]}.{rest[1]}: database {rest[2]!r}, tables {rest[3]!r}"
    if kind.startswith("modify_"):
        return f"{kind} {rest[1]}.{rest[2]}: database {_shown(rest[4])}, tables {_shown(rest[5])}"
    if kind == "not_at_head":
        return f"{kind}: database at {rest[0] or 'no revision'}, head {rest[1]}"
    return " ".join(str(part) for part in diff)


def _shown(value: Any) -> str:
    arg = getattr(value, "arg", value)  # a server default's clause
    return repr(getattr(arg, "text", arg))


async def migrate_kit(url: str) -> None:
    """A database with only the kit's tables, built by the kit's frozen ops (no Alembic version table)."""
    await ensure_database(url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_kit_upgrade)
    finally:
        await engine.dispose()


def _kit_upgrade(connection: Connection) -> None:
    op = Operations(MigrationContext.configure(connection))
    create_kit_tables(op)
    upgrade_kit_since_first_release(op)


def make_revision(spec: ServiceSpec, url: str, message: str) -> None:
    """Write a new, empty revision file into the service's versions folder (fill in upgrade/downgrade)."""
    command.revision(alembic_config(spec.migrations, url), message=message)


# --- used by each service's migrations/env.py -------------------------------------------------------------

def run_migrations(service_metadata: MetaData | Sequence[MetaData] = ()) -> None:
    """Body of a service's env.py: migrate with the connection `migrate()` shares, or open an async engine.

    The metadata is what autogenerate and `drift()` compare a database with; the revisions never read it.
    """
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
    found: list[Any] | None = config.attributes.get("drift")
    if shared is not None and found is not None:
        found.extend(compare_schema(shared, target))
        return
    if shared is not None:
        _run_on(shared, target)
        return
    asyncio.run(_run_async(config.attributes["url"], target))


def _run_on(connection: Connection, target: list[MetaData]) -> None:
    from alembic import context

    context.configure(connection=connection, target_metadata=target, **COMPARE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, target: list[MetaData]) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_run_on, target)
    finally:
        await engine.dispose()


# --- the kit's tables, frozen: used by each service's revisions -------------------------------------------

class _Xid8(UserDefinedType[int]):
    """PostgreSQL's 64-bit transaction id (a frozen copy: revisions never import the live tables)."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "xid8"


def create_kit_tables(op: Any) -> None:
    """The kit's tables as every service's revision 0001 created them (events, snapshots, relay checkpoints,
    consumer positions, idempotency keys, dead letters). Never edit: add to `upgrade_kit_since_...` instead."""
    op.create_table(
        "consumer_positions",
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("kafka_offset", sa.BigInteger(), nullable=False),
        sa.Column("source_tx_id", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("source_position", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "topic", "partition"),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("consumer", sa.Text(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("kafka_offset", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consumer", "topic", "partition", "kafka_offset", name="dead_letters_once"),
    )
    op.create_table(
        "events",
        sa.Column("position", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("tx_id", _Xid8(), server_default=sa.text("pg_current_xact_id()"), nullable=False),
        sa.Column("stream_id", sa.UUID(), nullable=False),
        sa.Column("stream_type", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.UUID(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("schema_version", sa.SmallInteger(), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("correlation_id", sa.UUID(), nullable=True),
        sa.Column("causation_id", sa.UUID(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("traceparent", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("stream_id", "version", name="events_pkey"),
        sa.UniqueConstraint("event_id", name="events_event_id_key"),
    )
    op.create_index("events_global_order", "events", ["tx_id", "position"])
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_headers", postgresql.JSONB(), nullable=True),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key"),
    )
    op.create_table(
        "relay_checkpoints",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("tx_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("broker_epoch", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "snapshots",
        sa.Column("stream_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("schema_version", sa.SmallInteger(), nullable=False),
        sa.Column("state", postgresql.JSONB(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("stream_id"),
    )


def drop_kit_tables(op: Any) -> None:
    for table in ("snapshots", "relay_checkpoints", "idempotency_keys", "events", "dead_letters",
                  "consumer_positions"):
        op.drop_table(table)


def upgrade_kit_since_first_release(op: Any) -> None:
    """What the kit's tables gained after revision 0001: relay watermarks (e8468b8) and the broker epoch a
    consumer's Kafka offsets count on.

    Idempotent: a database that an older release built with `create_all` may have some of it already.
    """
    op.execute("ALTER TABLE consumer_positions "
               "ADD COLUMN IF NOT EXISTS watermark_tx_id bigint NOT NULL DEFAULT 0, "
               "ADD COLUMN IF NOT EXISTS watermark_position bigint NOT NULL DEFAULT 0, "
               "ADD COLUMN IF NOT EXISTS broker_epoch text")


def downgrade_kit_since_first_release(op: Any) -> None:
    op.execute("ALTER TABLE consumer_positions DROP COLUMN IF EXISTS broker_epoch, "
               "DROP COLUMN IF EXISTS watermark_tx_id, DROP COLUMN IF EXISTS watermark_position")
