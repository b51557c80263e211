"""The read tables are projections: rebuilt from the event store they come out the same (demo data)."""

import asyncio

from click.testing import CliRunner
from sqlalchemy import select, text

from partnership.adapters.tables import agreements, milestones, partners, projects
from partnership.config import Settings
from partnership.demo import load_demo
from partnership.entrypoints.cli import partnership


async def _snapshot(engine):
    async with engine.connect() as conn:
        out = {}
        for table in (partners, agreements, projects):
            cols = [c for c in table.c if c.name not in ("registered_at", "created_at")]
            out[table.name] = sorted((await conn.execute(select(*cols))).all(), key=lambda r: r.id)
        out["milestones"] = sorted((await conn.execute(select(milestones))).all())
    return out


async def test_rebuilding_the_read_tables_gives_the_same_rows(database_url, engine):
    await load_demo(Settings(database_url=database_url))
    before = await _snapshot(engine)
    async with engine.begin() as conn:  # a projection bug wrote nonsense
        await conn.execute(text("UPDATE projects SET status = 'cancelled', helix_complete = NOT helix_complete"))
        await conn.execute(text("DELETE FROM milestones"))
    assert await _snapshot(engine) != before
    refused = CliRunner().invoke(partnership, ["rebuild"], env={"DATABASE_URL": database_url})
    assert refused.exit_code != 0
    # The CLI runs its own event loop: give it a thread of its own.
    done = await asyncio.to_thread(CliRunner().invoke, partnership, ["rebuild", "--yes"],
                                   env={"DATABASE_URL": database_url})
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "11 partners, 5 agreements, 3 projects rebuilt"
    assert await _snapshot(engine) == before
