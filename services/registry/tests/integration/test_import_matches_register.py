"""The bulk import and `POST /v1/households` record the same thing for the same household: the same events with
the same data (apart from ids, member references, the source and the sealed bytes, whose plaintext is the same),
the same read row, blind indexes and reviews — verified, flagged and with deaths on record alike."""

from typing import Any

import httpx
import pytest

from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine, drop_database
from gotong.eventstore.model import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.topics import ensure_topics, events_topic
from gotong.testing.plugin import create_test_database
from gotong.testing.tokens import TokenIssuer
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing, unseal
from registry.application.commands import Deps
from registry.application.importer import import_file, write_jsonl
from registry.application.projections import build_projectors
from registry.config import DEV_MASTER_SECRET, Settings
from registry.entrypoints.api.app import create_app
from registry.synthetic import households

ISSUER = TokenIssuer()
OPS = ISSUER.headers("ops-1", "registry:read registry:register", client_id="ops-1")
KEYRING = KeyRing.from_text(DEV_MASTER_SECRET)


def civil() -> DukcapilSimulator:
    """Answers that depend on the NIK only, so both paths hear the same: some dead, some mismatched, some unknown."""
    return DukcapilSimulator(seed="same", death_rate=0.08, mismatch_rate=0.1, not_found_rate=0.05)


def rows() -> list[dict[str, Any]]:
    """Households that share no NIK or KK (a duplicate across them would be found in another order by each path)."""
    found, niks, kks = [], set(), set()
    for row in households(40, seed=31):
        these = {m["nik"] for m in row["members"]}
        if row["kk"] not in kks and not these & niks:
            found.append(row)
            niks |= these
            kks.add(row["kk"])
    return found


async def recorded(url: str) -> dict[str, dict[str, Any]]:
    """Per No. KK: the household's events, read row, index rows and review, with its own ids replaced by names
    (`H` the household, `m0`, `m1`, ... its members in registration order) and its sealed data opened."""
    engine = create_engine(url, pool_size=1)
    try:
        async with PostgresEventStore(engine).database.read() as db:
            out: dict[str, dict[str, Any]] = {}
            for h in await db.fetch("SELECT * FROM households ORDER BY household_id"):
                hid = h["household_id"]
                dek = KEYRING.unwrap(await db.fetchval(
                    "SELECT wrapped_dek FROM household_keys WHERE household_id = $1", hid))
                events = [dict(e) for e in await db.fetch(
                    "SELECT event_type, schema_version, data FROM events WHERE stream_id = $1 ORDER BY version", hid)]
                refs = [m["member_ref"] for m in _json(events[0]["data"])["members"]]
                names = {str(hid): "H", **{ref: f"m{i}" for i, ref in enumerate(refs)}}
                personal = unseal(dek, h["pii"], hid.bytes)
                for e in events:
                    data = _json(e["data"])
                    if "pii" in data:
                        data["pii"] = unseal(dek, data["pii"], hid.bytes)
                    data.pop("source", None)  # "ops" or "import": where it came from is the one true difference
                    e["data"] = data
                row = dict(h)
                for column in ("household_id", "registered_at", "updated_at"):
                    row.pop(column)
                row["pii"] = personal
                row["members"], row["attributes"] = _json(row["members"]), _json(row["attributes"])
                index = {
                    "kk": [dict(r) for r in await db.fetch(
                        "SELECT kk_hash FROM kk_index WHERE household_id = $1", hid)],
                    "person": sorted((dict(r) for r in await db.fetch(
                        "SELECT nik_hash, member_ref, active, name_check FROM person_index WHERE household_id = $1",
                        hid)), key=lambda r: names[r["member_ref"]]),
                    "name": sorted((dict(r) for r in await db.fetch(
                        "SELECT match_hash, name_hash, member_ref FROM name_index WHERE household_id = $1", hid)),
                        key=lambda r: names[r["member_ref"]]),
                }
                reviews = [{**dict(r), "reasons": _json(r["reasons"])} for r in await db.fetch(
                    "SELECT id, status, reasons FROM review_queue WHERE household_id = $1", hid)]
                out[personal["kk"]] = _renamed({"events": events, "row": row, "index": index, "reviews": reviews},
                                               names)
            return out
    finally:
        await engine.dispose()


def _json(value: Any) -> Any:
    import orjson

    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _renamed(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {names.get(k, k): _renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    if isinstance(value, str):
        return names.get(value, value)
    return value


@pytest.fixture
async def imported_url(test_infra):
    url = await create_test_database(test_infra.database_url, "registry")
    yield url
    await drop_database(url)


async def test_import_and_register_record_the_same_events_rows_indexes_and_reviews(
        database_url, imported_url, kafka_bootstrap, tmp_path):
    given = rows()
    # through the API, one by one
    await ensure_topics(kafka_bootstrap, [events_topic("registry")])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        consume_disbursement=False)
    app = create_app(settings, deps=Deps(KEYRING, civil()))
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry") as client:
            for i, row in enumerate(given):
                r = await client.post("/v1/households", json=row, headers={**OPS, "Idempotency-Key": f"k{i}"})
                assert r.status_code == 201, r.text
    # through the bulk import, in worker processes, in batches
    path = tmp_path / "same.jsonl"
    write_jsonl(iter(given), path)
    engine = create_engine(imported_url, pool_size=2)
    try:
        units = UnitOfWorkFactory(PostgresEventStore(engine), projectors=build_projectors(KEYRING))
        report = await import_file(units, Deps(KEYRING, civil()), path, batch_size=7, workers=2,
                                   meta=EventMetadata(actor="test"))
    finally:
        await engine.dispose()
    assert report.imported == len(given)
    assert report.rejected == 0

    registered, imported = await recorded(database_url), await recorded(imported_url)
    assert set(imported) == set(registered) == {row["kk"] for row in given}
    kinds = {e["event_type"] for h in registered.values() for e in h["events"]}
    assert {"HouseholdRegistered", "HouseholdVerified", "HouseholdFlagged", "MemberDied"} <= kinds
    for kk, expected in registered.items():
        assert imported[kk] == expected
