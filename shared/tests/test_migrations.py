"""Every service's migrations: a fresh database, one built at revision 0001 and one the 2026.11 release left
all reach head with their rows intact and no drift from the live tables; concurrent runs take turns."""

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from gotong.db import asyncpg_dsn, create_engine, drop_database, ensure_database
from gotong.migrations import alembic_config, describe, drift, kit_drift, migrate, migrate_kit
from gotong.service import ServiceSpec, discover_services

SERVICES = discover_services()
RELEASE_2026_11 = Path(__file__).parent / "fixtures" / "release-2026.11"


@pytest.fixture
async def url(test_infra):
    url = make_url(test_infra.database_url).set(database=f"m_{uuid4().hex[:12]}").render_as_string(False)
    yield url
    await drop_database(url)


def head(spec: ServiceSpec, url: str) -> str:
    found = ScriptDirectory.from_config(alembic_config(spec.migrations, url)).get_current_head()
    assert found
    return found


async def sql(url: str, query: str, *args):
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def script(url: str, statements: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(statements)
    finally:
        await conn.close()


async def add_kit_rows(url: str) -> tuple[object, ...]:
    """An event in the store and a consumer's position: what no migration may lose."""
    stream, event = uuid4(), uuid4()
    await sql(url, "INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, "
                   "data, occurred_at) VALUES ($1, 'household', 1, $2, 'Registered', 1, $3, $4)",
              stream, event, json.dumps({"desil": 3}), datetime(2026, 11, 1, tzinfo=UTC))
    await sql(url, "INSERT INTO consumer_positions (consumer, topic, partition, kafka_offset, source_tx_id, "
                   "source_position) VALUES ('replica', 'registry.events', 2, 41, 900, 17)")
    return stream, event


async def assert_kit_rows(url: str, stream: object, event: object) -> None:
    events = await sql(url, "SELECT stream_id, event_id, data, tx_id::text::bigint > 0 AS has_tx FROM events")
    assert [(r["stream_id"], r["event_id"], json.loads(r["data"]), r["has_tx"]) for r in events] == [
        (stream, event, {"desil": 3}, True)]
    positions = await sql(url, "SELECT consumer, kafka_offset, source_tx_id, source_position, watermark_tx_id, "
                               "watermark_position FROM consumer_positions")
    assert [tuple(r) for r in positions] == [("replica", 41, 900, 17, 0, 0)]


async def assert_no_drift(spec: ServiceSpec, url: str) -> None:
    found = await drift(spec, url)
    assert not found, "\n".join(describe(d) for d in found)


def test_every_service_is_installed_on_its_own_port():
    assert {"registry", "disbursement", "csr-ledger", "enterprise", "partnership", "canvas-projector",
            "grievance"} <= set(SERVICES)
    assert len({s.port for s in SERVICES.values()}) == len(SERVICES)


#: The services that existed at schema release 2026.11 (a dump of each is a fixture); later ones start at 0001.
RELEASED_2026_11 = sorted(p.stem for p in RELEASE_2026_11.glob("*.sql"))


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_a_fresh_database_migrates_to_head_twice_without_harm_and_matches_the_tables(name, url):
    spec = SERVICES[name]
    await migrate(spec, url)
    await migrate(spec, url)
    assert [r[0] for r in await sql(url, "SELECT version_num FROM alembic_version")] == [head(spec, url)]
    await assert_no_drift(spec, url)


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_a_database_built_at_revision_0001_keeps_its_rows_on_the_way_to_head(name, url):
    spec = SERVICES[name]
    await migrate(spec, url, "0001")
    rows = await add_kit_rows(url)
    await migrate(spec, url)
    await assert_kit_rows(url, *rows)
    await assert_no_drift(spec, url)


@pytest.mark.parametrize("name", RELEASED_2026_11)
async def test_the_2026_11_release_database_keeps_its_rows_on_the_way_to_head(name, url):
    """The schema release 2026.11 (9f72ee3) built with `create_all` of its tables, dumped by pg_dump."""
    spec = SERVICES[name]
    await ensure_database(url)
    await script(url, (RELEASE_2026_11 / f"{name}.sql").read_text())  # its own connection: it empties search_path
    rows = await add_kit_rows(url)
    await migrate(spec, url)
    await assert_kit_rows(url, *rows)
    assert [r[0] for r in await sql(url, "SELECT version_num FROM alembic_version")] == [head(spec, url)]
    await assert_no_drift(spec, url)


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_down_to_revision_0001_and_up_again_matches_the_tables(name, url):
    spec = SERVICES[name]
    await migrate(spec, url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(spec.migrations, url, sync), "0001"))
    finally:
        await engine.dispose()
    tables = {r[0] for r in await sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"alembic_version", "events", "snapshots", "relay_checkpoints", "consumer_positions",
                      "idempotency_keys", "dead_letters"}
    await migrate(spec, url)
    await assert_no_drift(spec, url)


MIGRATE = "import asyncio, sys; from gotong.migrations import migrate; from gotong.service import discover_services; " \
          "asyncio.run(migrate(discover_services()[sys.argv[1]], sys.argv[2]))"


async def test_concurrent_migrations_of_a_fresh_database_take_turns(url):
    """Every replica runs `gotong migrate` on start: processes racing on a fresh database take turns on the
    advisory lock (without it, one of them fails creating a table the other created)."""
    spec = SERVICES["disbursement"]
    runs = [await asyncio.create_subprocess_exec(sys.executable, "-c", MIGRATE, spec.name, url,
                                                 stderr=asyncio.subprocess.PIPE) for _ in range(3)]
    results = await asyncio.gather(*(run.communicate() for run in runs))
    assert [run.returncode for run in runs] == [0, 0, 0], [err.decode()[-2000:] for _, err in results]
    assert [r[0] for r in await sql(url, "SELECT version_num FROM alembic_version")] == [head(spec, url)]
    await assert_no_drift(spec, url)


async def test_a_change_without_a_revision_is_drift(url):
    spec = SERVICES["disbursement"]
    await migrate(spec, url, "0002")  # the tables as first released: reference_id, no present_until, ...
    found = {describe(d) for d in await drift(spec, url)}
    assert {f"not_at_head: database at ['0002'], head ['{head(spec, url)}']", "remove_column payments.reference_id",
            "add_column households.present_until", "add_column consumer_positions.watermark_tx_id",
            "add_index households_merged_into on households"} <= found
    await migrate(spec, url)
    await script(url, "DROP INDEX households_merged_into; CREATE INDEX households_merged_into ON households "
                   "(merged_into); ALTER TABLE cycles ALTER COLUMN held TYPE bigint")
    found = {describe(d) for d in await drift(spec, url)}
    assert found == {"modify_index_where households.households_merged_into: database None, "
                     "tables 'merged_into IS NOT NULL'",
                     "modify_type cycles.held: database BIGINT(), tables Integer()"}, found


async def test_old_payments_without_a_reference_take_current_inserts_after_the_upgrade(url):
    spec = SERVICES["disbursement"]
    await migrate(spec, url, "0002")
    old = uuid4()
    await sql(url, "INSERT INTO payments (payment_id, cycle_id, program_id, household_ref, amount, status, "
                   "reference_id, village_code, regency_code, province_code) "
                   "VALUES ($1, $2, $2, 'hh-1', 750000, 'paid', $3, '32.73.01.1001', '32.73', '32')",
              old, uuid4(), f"{old}.1")
    await migrate(spec, url)
    new = uuid4()
    await sql(url, "INSERT INTO payments (payment_id, cycle_id, program_id, household_ref, amount, status, "
                   "village_code, regency_code, province_code) "
                   "VALUES ($1, $2, $2, 'hh-2', 750000, 'instructed', '32.73.01.1001', '32.73', '32')",
              new, uuid4())
    assert {r[0] for r in await sql(url, "SELECT payment_id FROM payments")} == {old, new}


async def test_records_staged_under_the_old_shape_are_sealed_as_the_old_sealer_would_have(url):
    spec = SERVICES["canvas-projector"]
    await migrate(spec, url, "0004")  # tlog_staged.record was JSONB then
    record = {"payment_id": "p-1", "amount": 750_000, "status": "paid", "province": "Jawa Barat"}
    await sql(url, "INSERT INTO tlog_staged (record_key, source_tx_id, source_position, record) "
                   "VALUES ('p-1:paid', 5, 9, $1)", json.dumps(record))
    await migrate(spec, url)
    rows = await sql(url, "SELECT record_key, source_tx_id, source_position, payment_id, leaf FROM tlog_staged")
    assert [tuple(r) for r in rows] == [("p-1:paid", 5, 9, "p-1", json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())]
    await assert_no_drift(spec, url)


async def test_the_kit_alone_built_by_its_frozen_ops_matches_the_kit_tables(url):
    await migrate_kit(url)
    assert await kit_drift(url) == []
