"""The read tables are projections: emptied and rebuilt from the event store (`gotong enterprise rebuild`) they
come out the same, row for row; the replicas of other services' events are left as they are."""

import asyncio

from click.testing import CliRunner
from sqlalchemy import select, text

from enterprise.adapters.tables import csr_grants, enterprises, household_links, impact_reports, registry_households
from enterprise.config import Settings
from enterprise.demo import load_demo
from enterprise.entrypoints.cli import enterprise


async def _snapshot(engine):
    async with engine.connect() as conn:
        out = {}
        for table in (enterprises, impact_reports, household_links, csr_grants, registry_households):
            out[table.name] = sorted((tuple(r) for r in (await conn.execute(select(table))).all()), key=repr)
    return out


async def test_rebuilding_the_read_tables_gives_the_same_rows(database_url, engine):
    await load_demo(Settings(database_url=database_url))  # registrations, reviews, reports, links: the commands
    async with engine.begin() as conn:  # what the consumers replicated from other services
        await conn.execute(text(
            "INSERT INTO registry_households (household_ref, household_version, desil, status) "
            "VALUES ('hh_replica1', 3, 2, 'registered')"))
        await conn.execute(text(
            "INSERT INTO csr_grants (allocation_id, company_id, target_id, target_name, amount, status, sdgs, "
            "decided_at) VALUES ('a-1', 'c-1', '8120201000001', 'Koperasi', 5000000, 'approved', '{8}', now())"))
    before = await _snapshot(engine)
    assert len(before["enterprises"]) == 12
    assert before["impact_reports"]
    assert before["household_links"]
    async with engine.begin() as conn:  # a projection bug wrote nonsense
        await conn.execute(text("UPDATE enterprises SET status = 'suspended', name = 'x'"))
        await conn.execute(text("DELETE FROM household_links"))
        await conn.execute(text("UPDATE impact_reports SET status = 'returned'"))
    assert await _snapshot(engine) != before
    refused = CliRunner().invoke(enterprise, ["rebuild"], env={"DATABASE_URL": database_url})
    assert refused.exit_code != 0
    # The CLI runs its own event loop: give it a thread of its own.
    done = await asyncio.to_thread(CliRunner().invoke, enterprise, ["rebuild", "--yes"],
                                   env={"DATABASE_URL": database_url})
    assert done.exit_code == 0, done.output
    assert "12 enterprises" in done.output
    assert await _snapshot(engine) == before
