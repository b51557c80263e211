"""The read tables are projections, nothing more: after registrations, a review through its whole lifecycle
(proposal, send back, rejection, reopening, a new proposal), changes, ranking runs (one approved, one rejected, one
still proposed), a merge, a split and an erasure, `gotong registry rebuild` empties `households`, the blind
indexes, `review_queue` and `ranking_proposals` and replays the event store into exactly the same rows."""

from typing import Any

from click.testing import CliRunner

from gotong.api.app import runtime
from registry.application.projections import TABLES, rebuild_read_tables
from registry.entrypoints.cli import registry
from registry.synthetic import households

from .conftest import APPROVER, ERASER, OPS, VERIFIER, rank
from .test_households import register

#: Written when the row was (re)written, not by any event: left out of the comparison.
WALL_CLOCK = {"households": ("registered_at", "updated_at")}
ORDER = {"households": "household_id", "kk_index": "household_id, kk_hash",
         "person_index": "household_id, member_ref", "name_index": "household_id, member_ref, match_hash",
         "review_queue": "id", "ranking_proposals": "proposed_at, run_id"}


async def snapshot(client) -> dict[str, list[dict[str, Any]]]:
    out = {}
    async with runtime(client.app).database.read() as sql:
        for table in TABLES:
            rows = await sql.fetch(f"SELECT * FROM {table} ORDER BY {ORDER[table]}")
            out[table] = [{k: v for k, v in dict(r).items() if k not in WALL_CLOCK.get(table, ())} for r in rows]
    return out


async def ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_rebuild_writes_the_same_read_tables(client):
    rows = list(households(6, seed=61))
    first = await register(client, rows[0])
    rows[1]["kk"] = rows[0]["kk"]
    flagged = await register(client, rows[1])
    assert flagged["verification"] == "flagged"
    others = [await register(client, row) for row in rows[2:]]
    review = next(r for r in (await ok(await client.get("/v1/reviews", headers=OPS)))["items"]
                  if r["household_ref"] == flagged["household_ref"])
    proposal = f"/v1/reviews/{review['id']}/proposal"
    approval = f"/v1/reviews/{review['id']}/approval"
    await ok(await client.post(proposal, headers=VERIFIER, json={"decision": "verified", "note": "cek dulu"}))
    await ok(await client.post(approval, headers=APPROVER, params={"approve": "false"}))
    await ok(await client.post(proposal, headers=VERIFIER, json={"decision": "rejected", "note": "KK ganda"}))
    await ok(await client.post(approval, headers=APPROVER))
    href = f"/v1/households/{flagged['household_ref']}"
    reopened = await ok(await client.post(f"{href}/review", headers=VERIFIER, json={"reason": "appeal"}))
    await ok(await client.post(f"/v1/reviews/{reopened['review']['id']}/proposal", headers=VERIFIER,
                               json={"decision": "verified", "note": "banding diterima"}))

    await rank(client)
    rejected = await ok(await client.post("/v1/rankings", headers=OPS), 202)
    await ok(await client.post(f"/v1/rankings/{rejected['run_id']}/reject", headers=APPROVER,
                               json={"reason": "diulang setelah koreksi"}))
    await ok(await client.post("/v1/rankings", headers=OPS), 202)
    a, b, c, d = others
    await ok(await client.put(f"/v1/households/{a['household_ref']}/attributes", headers=OPS,
                              json={"floor": "tanah", "income_band": 1}))
    child = next((m for m in b["members"] if m["relation"] != "kepala"), None)
    if child is not None:
        await ok(await client.post(f"/v1/households/{b['household_ref']}/members/{child['member_ref']}/death",
                                   headers=OPS, json={"died_on": "2026-03-01"}))
    await ok(await client.post(f"/v1/households/{first['household_ref']}/corrections", headers=OPS,
                               json={"reason": "alamat baru", "address": "Jl. Mawar 9"}))
    await ok(await client.post(f"/v1/households/{a['household_ref']}/merge", headers=OPS,
                               json={"absorbed": c["household_ref"]}))
    await ok(await client.post(f"/v1/households/{d['household_ref']}/erasure", headers=ERASER,
                               json={"ground": "subject_request", "reference": "470/12/DS/2026"}))

    before = await snapshot(client)
    assert len(before["households"]) == 6
    # the lifecycle's two reviews, and the one the correction opened (its KK is still the other's)
    assert [r["status"] for r in before["review_queue"]] == ["decided", "proposed", "open"]
    assert any(r["score"] is not None for r in before["households"])
    assert all(before[index] for index in ("kk_index", "person_index", "name_index"))
    assert [(r["status"], r["decided_by"]) for r in before["ranking_proposals"]] == [
        ("approved", "approver-1"), ("rejected", "approver-1"), ("proposed", None)]

    report = await rebuild_read_tables(runtime(client.app).database, runtime(client.app).projectors)
    assert report.aggregates == {"household": 6}
    assert set(report.tables) == set(TABLES)
    assert await snapshot(client) == before


def test_the_rebuild_command_is_part_of_the_registry_cli():
    result = CliRunner().invoke(registry, ["rebuild", "--help"])
    assert result.exit_code == 0, result.output
    assert "Rebuild the read tables" in result.output
