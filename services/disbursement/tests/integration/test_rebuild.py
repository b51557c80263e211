"""The read tables are projections: emptied and replayed from the event store (`gotong cycle rebuild`), they come
back equal — programs (a CSR one linked by an allocation) and drafts awaiting approval, cycles in every state,
payments paid, failed, returned and reissued, and reconciliation exceptions open and resolved."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from disbursement.adapters.projections import TABLES, projectors
from disbursement.bootstrap import REBUILT
from disbursement.entrypoints.cli import disbursement, rebuild_read_tables
from disbursement.fixtures import changed
from gotong.api.app import runtime
from gotong.application.rebuild import rebuild

#: The dispatcher's bookkeeping on a payment's row (when this attempt went to the channel), not its state: a
#: rebuild forgets it, so payments still awaiting the channel are sent again under the same reference id, which a
#: G2P channel pays once (see test_duplicate_instructions_and_callbacks_never_pay_twice).
DISPATCH = ("sent_at", "transaction_id", "status_checked_at")
KEYS = {"programs": "program_id", "program_drafts": "program_id", "cycles": "cycle_id", "payments": "payment_id",
        "reconciliation_exceptions": "exception_id"}


async def _snapshot(env: Any) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for table in TABLES:
        rows = await env.sql(f"SELECT * FROM {table} ORDER BY {KEYS[table]}")
        out[table] = [{k: v for k, v in dict(r).items() if k not in DISPATCH} for r in rows]
    return out


async def _run_cycles(env: Any) -> None:
    await env.households(*(changed(f"HH-{i:03d}", 1) for i in range(30)),
                         changed("HH-HELD", 1, verification="under_review"))
    env.configure_channel(failure_rate=0.2, return_rate=0.2, wrong_amount_rate=0.2, delay_s=0, seed=3)
    cid = await env.cycle(until="paying")
    await env.run_channel()
    env.configure_channel(delay_s=0)
    assert (await env.post(f"/v1/cycles/{cid}/reissue-failed")).json()["reissued"] > 0
    for returned in await env.sql("SELECT payment_id FROM payments WHERE status = 'returned' ORDER BY 1 LIMIT 1"):
        assert (await env.post(f"/v1/payments/{returned['payment_id']}/reissue")).status_code == 200
    await env.run_channel()
    for e in (await env.client.get(f"/v1/exceptions?cycle_id={cid}&status=open", headers=env.ops)).json()[:1]:
        r = await env.post(f"/v1/exceptions/{e['exception_id']}/resolve", body={"resolution": "cek rekening"})
        assert r.status_code == 200
    assert (await env.post(f"/v1/cycles/{cid}/close")).status_code == 200
    # Another program's cycle stays where an officer left it: reviewed, not yet approved.
    await env.cycle("PKH", until="reviewed")
    # Program drafts awaiting a second officer: a new program, and a new version of one (one more approved).
    draft = {"code": "BLT-UJI", "name": "BLT uji", "funding_source": "apbd", "budget": 1_000_000,
             "rule_version": "v1", "eligibility_summary": "desil 1-4",
             "rules": [{"kind": "desil_band", "id": "d", "description": "desil 1-4", "min": 1, "max": 4}],
             "benefit": {"kind": "flat", "amount": 300_000}}
    for body in (draft, {**draft, "code": "BLT-DD", "rule_version": "v9"}, {**draft, "code": "BLT-OK"}):
        assert (await env.post("/v1/programs", body=body)).status_code in (200, 201)
    assert (await env.post("/v1/programs/BLT-OK/approve", env.supervisor)).status_code == 200


async def test_rebuilding_the_read_tables_gives_them_back_equal(env):
    await _run_cycles(env)
    before = await _snapshot(env)
    assert {t: len(rows) > 0 for t, rows in before.items()} == dict.fromkeys(TABLES, True)
    assert "paid" in {r["status"] for r in before["payments"]}
    assert {r["attempt"] for r in before["payments"]} == {1, 2}
    assert "resolved" in {r["status"] for r in before["reconciliation_exceptions"]}
    assert {r["status"] for r in before["cycles"]} == {"closed", "reviewed"}
    assert {r["code"] for r in before["program_drafts"]} == {"BLT-UJI", "BLT-DD"}
    assert "BLT-OK" in {r["code"] for r in before["programs"]}
    await env.sql("UPDATE cycles SET status = 'mangled'")  # whatever happened to the tables, rebuild replaces it
    done = await rebuild(runtime(env.app).database, projectors, REBUILT)
    assert done.tables == TABLES
    assert done.aggregates["payment"] == len(before["payments"])
    assert done.aggregates["cycle"] == 2
    assert await _snapshot(env) == before
    # The rebuild does not touch what is not a projection of this service's events.
    assert len(await env.sql("SELECT 1 FROM households")) == 31
    assert len(await env.sql("SELECT 1 FROM entitlements")) > 0


async def test_the_cli_rebuilds_the_service_database(env, database_url, monkeypatch):
    await _run_cycles(env)
    before = await _snapshot(env)
    monkeypatch.setenv("DATABASE_URL", database_url)
    await env.sql("DELETE FROM payments")
    result = await _invoke(["rebuild"])
    assert result.exit_code == 0, result.output
    assert "rebuilt programs, program_drafts, cycles, payments, reconciliation_exceptions from" in result.output
    assert await _snapshot(env) == before
    assert (await rebuild_read_tables(database_url)).tables == TABLES


async def _invoke(args: list[str]) -> Any:
    import asyncio

    return await asyncio.to_thread(CliRunner().invoke, disbursement, args)
