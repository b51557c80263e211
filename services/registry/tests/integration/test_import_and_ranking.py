"""Import from files (bad rows reported by line, resumable, never half-written), ranking runs and snapshots."""

import json
from datetime import date

import pytest

from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine
from gotong.eventstore.model import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.adapters.households import HouseholdReads
from registry.application import queries as q
from registry.application.commands import Deps, load, update_attributes
from registry.application.importer import import_file, write_csv, write_jsonl
from registry.application.projections import build_projectors
from registry.application.ranking import run_ranking
from registry.config import DEV_MASTER_SECRET
from registry.domain.model import Attributes
from registry.synthetic import Defects, Truth, households

META = EventMetadata(actor="test")


@pytest.fixture
async def store(database_url):
    """The registry's units of work on a fresh database (the import and ranking run through them)."""
    engine = create_engine(database_url, pool_size=2)
    yield UnitOfWorkFactory(PostgresEventStore(engine), projectors=build_projectors(
        KeyRing.from_text(DEV_MASTER_SECRET)))
    await engine.dispose()


def deps(**civil) -> Deps:
    return Deps(KeyRing.from_text(DEV_MASTER_SECRET), DukcapilSimulator(seed="t", **civil))


async def scalar(store, sql, *args):
    async with store.store.database.read() as db:
        return await db.fetchval(sql, *args)


async def test_csv_import_reports_each_bad_row_by_line_and_imports_the_rest(store, tmp_path):
    rows = list(households(60, seed=21))
    rows[3]["members"][0]["nik"] = rows[3]["members"][0]["nik"][:12] + "0000"
    rows[10]["village_code"] = "32.73.01.9999"
    rows[20]["members"][-1]["birth_date"] = "1999-13-01"
    path = tmp_path / "dtsen.csv"
    write_csv(iter(rows), path)
    lines = path.read_text().splitlines()
    report = await import_file(store, deps(), path, batch_size=16)
    assert report.imported == 57
    assert report.rejected == 3
    by_line = {r.line: r for r in report.rejects}
    # the line numbers point at the member's own row in the file
    bad_nik_line = next(i for i, text in enumerate(lines, start=1) if rows[3]["members"][0]["nik"] in text)
    assert by_line[bad_nik_line].field == "members.0.nik"
    assert "0000" in by_line[bad_nik_line].reason
    village_line = next(r.line for r in report.rejects if r.field == "village_code")
    assert rows[10]["kk"] in lines[village_line - 1]
    assert any(r.field == f"members.{len(rows[20]['members']) - 1}.birth_date" for r in report.rejects)
    assert await scalar(store, "SELECT count(*) FROM households") == 57
    assert await scalar(store, "SELECT count(DISTINCT stream_id) FROM events") == 57
    for r in report.rejects:
        assert rows[3]["members"][0]["nik"] not in r.reason


async def test_import_resumes_after_a_crash_without_doubles(store, tmp_path):
    path = tmp_path / "dtsen.jsonl"
    write_jsonl(households(50, seed=22), path)

    class Crash(Exception):
        pass

    calls = 0

    def crash_after_two_batches(done, total):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Crash

    with pytest.raises(Crash):
        await import_file(store, deps(), path, batch_size=10, progress=crash_after_two_batches)
    partial = await scalar(store, "SELECT count(*) FROM households")
    assert 10 <= partial < 50
    # every imported household is whole: events, key, read model and indexes agree
    assert await scalar(store, "SELECT count(DISTINCT stream_id) FROM events") == partial
    assert await scalar(store, "SELECT count(*) FROM household_keys") == partial
    assert await scalar(store, "SELECT count(DISTINCT household_id) FROM kk_index") == partial
    report = await import_file(store, deps(), path, batch_size=10)
    assert report.resumed_from_line > 1
    assert await scalar(store, "SELECT count(*) FROM households") == 50
    assert await scalar(store, "SELECT count(*) FROM review_queue") == 0  # no household met itself as duplicate
    again = await import_file(store, deps(), path)
    assert again.already_done
    assert await scalar(store, "SELECT count(*) FROM households") == 50


async def test_planted_defects_are_caught(store, tmp_path):
    truth = Truth()
    path = tmp_path / "defects.jsonl"
    write_jsonl(households(400, seed=23, defects=Defects(invalid_nik=0.03, duplicate_nik=0.03, dead_member=0.03),
                           truth=truth), path)
    report = await import_file(store, deps(deaths=dict(truth.deaths)), path, batch_size=64)
    assert report.rejected == len(truth.defects["invalid_nik"]) > 0
    flagged = await scalar(store, "SELECT count(*) FROM review_queue WHERE reasons::text LIKE '%duplicate_nik%'")
    assert flagged >= len(truth.defects["duplicate_nik"]) > 0
    dead = await scalar(store, "SELECT count(*) FROM households, jsonb_array_elements(members) m "
                               "WHERE (m->>'alive')::boolean = false")
    assert dead == len(truth.deaths)


async def test_imported_household_replays_through_the_aggregate(store, tmp_path):
    path = tmp_path / "one.jsonl"
    write_jsonl(households(3, seed=24), path)
    await import_file(store, deps(), path)
    hid = await scalar(store, "SELECT household_id FROM households LIMIT 1")
    async with store.begin(META) as uow:
        h = await load(uow, hid)
        view = await q.household(uow.adapter(HouseholdReads), hid)
    assert h.version == view["version"]
    assert [m.member_ref for m in h.members.values()] == [m["member_ref"] for m in view["members"]]


async def test_ranking_emits_only_changes_and_keeps_quarterly_snapshots(store, tmp_path):
    path = tmp_path / "rank.jsonl"
    write_jsonl(households(200, seed=25), path)
    await import_file(store, deps(), path)
    async with store.begin(META) as uow:
        first = await run_ranking(uow, on=date(2026, 8, 15))
    assert first.snapshot == "2026-Q3"
    assert first.households == first.changed == 200
    counts = await scalar(store, "SELECT json_agg(c ORDER BY d) FROM (SELECT desil d, count(*) c FROM households "
                                 "GROUP BY desil) x")
    assert (json.loads(counts) if isinstance(counts, str) else counts) == [20] * 10
    poorest = await scalar(store, "SELECT household_id FROM households WHERE desil = 1 ORDER BY score LIMIT 1")
    async with store.begin(META) as uow:
        await update_attributes(uow, deps(), poorest, Attributes(
            floor="keramik", wall="tembok", roof="beton", floor_area_m2=400, water="kemasan", lighting="pln_1300_plus",
            cooking_fuel="listrik", sanitation="sendiri", assets=["mobil", "ac", "laptop", "lahan", "emas"],
            livestock=10, income_band=5, expenditure_band=5))
    async with store.begin(META) as uow:
        second = await run_ranking(uow, on=date(2026, 11, 2))
    assert second.snapshot == "2026-Q4"
    assert 1 <= second.changed < 200  # only the households whose desil moved get an event
    ranked_events = await scalar(store, "SELECT count(*) FROM events WHERE event_type = 'HouseholdRanked'")
    assert ranked_events == 200 + second.changed
    async with store.store.database.read() as db:
        reads = HouseholdReads(db)
        then = await q.desil_as_of(reads, poorest, date(2026, 9, 30))
        now = await q.desil_as_of(reads, poorest, date(2026, 11, 30))
        with pytest.raises(Exception, match="no ranking"):
            await q.desil_as_of(reads, poorest, date(2026, 1, 1))
    assert (then["desil"], then["snapshot"], then["rule_version"]) == (1, "2026-Q3", "pmt-2026.1")
    assert now["desil"] == 10
    assert now["snapshot"] == "2026-Q4"
    async with store.begin(META) as uow:
        rerun = await run_ranking(uow, on=date(2026, 11, 3))
    assert rerun.changed == 0


async def test_imported_and_ranked_households_rebuild_to_the_same_read_tables(store, tmp_path):
    """The bulk paths write what the projectors would: after an import (with flagged households), two rankings
    and a change in between, a rebuild writes the same households, indexes and review queue."""
    from registry.application.projections import TABLES, rebuild_read_tables

    truth = Truth()
    path = tmp_path / "rebuild.jsonl"
    write_jsonl(households(120, seed=26, defects=Defects(duplicate_nik=0.05, dead_member=0.03), truth=truth), path)
    await import_file(store, deps(deaths=dict(truth.deaths)), path, batch_size=32)
    async with store.begin(META) as uow:
        await run_ranking(uow, on=date(2026, 8, 15))
    changed = await scalar(store, "SELECT household_id FROM households WHERE status = 'active' ORDER BY household_id "
                                  "LIMIT 1")
    async with store.begin(META) as uow:
        await update_attributes(uow, deps(), changed, Attributes(floor="keramik", income_band=5, expenditure_band=5,
                                                                  assets=["mobil", "ac", "lahan"]))
    async with store.begin(META) as uow:
        await run_ranking(uow, on=date(2026, 11, 2))

    async def snapshot() -> dict[str, list[dict]]:
        async with store.store.database.read() as db:
            return {t: [{k: v for k, v in dict(r).items() if k not in ("registered_at", "updated_at")}
                        for r in await db.fetch(f"SELECT * FROM {t}")] for t in TABLES}

    def ordered(tables: dict[str, list[dict]]) -> dict[str, list[str]]:
        return {t: sorted(repr(sorted(r.items())) for r in rows) for t, rows in tables.items()}

    before = await snapshot()
    assert before["review_queue"], "the planted duplicates opened reviews"
    assert all(r["score"] is not None for r in before["households"])
    await rebuild_read_tables(store.store.database, store.projectors)
    assert ordered(await snapshot()) == ordered(before)
