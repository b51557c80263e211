"""The demo cases load once, and the read tables are projections: emptied and rebuilt from the event store
(`gotong grievance rebuild`) they come out the same, row for row; the case keys are kept."""

import asyncio
from collections import Counter

from click.testing import CliRunner
from sqlalchemy import select, text

from grievance.adapters.tables import case_keys, cases, follow_ups
from grievance.config import Settings
from grievance.demo import load_demo
from grievance.entrypoints.cli import grievance


async def _snapshot(engine):
    async with engine.connect() as conn:
        return {t.name: sorted((tuple(r) for r in (await conn.execute(select(t))).all()), key=repr)
                for t in (cases, follow_ups, case_keys)}


async def test_the_demo_loads_once_and_a_rebuild_gives_the_same_rows(database_url, engine):
    await load_demo(Settings(database_url=database_url))
    await load_demo(Settings(database_url=database_url))
    before = await _snapshot(engine)
    seen = Counter((r[2], r[4], r[6]) for r in before["cases"])  # kind, channel, status
    assert seen[("data_correction", "officer", "closed")] == 1, seen
    assert seen[("payment_complaint", "officer", "investigating")] == 1, seen
    assert seen[("usul", "officer", "investigating")] == 2, "the showcase usul awaiting a checker, and one open"
    assert len(before["cases"]) == len(before["case_keys"]) == 4 + 24, "the showcase and a month behind it"
    decided = [r for r in before["cases"] if r[6] == "decided"]
    assert len(decided) >= 10, "enough decided cases for the portal to publish its figures"
    async with engine.begin() as conn:  # a projection bug wrote nonsense
        await conn.execute(text("UPDATE cases SET status = 'closed', officer = 'x'"))
    assert await _snapshot(engine) != before
    done = await asyncio.to_thread(CliRunner().invoke, grievance, ["rebuild", "--yes"],
                                   env={"DATABASE_URL": database_url})
    assert done.exit_code == 0, done.output
    assert "28 grievance_cases" in done.output
    assert await _snapshot(engine) == before
