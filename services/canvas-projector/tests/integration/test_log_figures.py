"""Payment figures are remembered per position of the log (and of the register) — and only so long: a seal that
adds payments, a household learnt late, or a change to the register shows on the next request."""

import httpx
import pytest

from canvas_projector.adapters import log_figures
from canvas_projector.adapters.reached import Reached
from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from gotong.api.app import runtime
from gotong.eventstore.model import Position

from .seed_portal import payment, seed


@pytest.fixture
async def app(database_url, kafka_bootstrap, tmp_path):
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        auth_required=False, tlog_signing_key_path=str(tmp_path / "k.pem"))
    app = create_app(settings, consumers=False)
    async with app.router.lifespan_context(app):
        await seed(app)
        yield app


async def reach(app):
    async with runtime(app).database.read() as sql:
        platform, programs = await Reached(sql).reach()
    return platform, programs


async def test_a_seal_shows_on_the_next_request_and_nothing_else_recomputes(app):
    before, _ = await reach(app)
    assert before.households == 33
    assert (await reach(app))[0] == before  # remembered: the same answer
    async with runtime(app).database.transaction() as sql:
        log = TransparencyLogTable(sql)
        for n, hh in enumerate((900, 901)):
            r = payment(5000 + n, hh, "PKH", "32.73", 750_000, "2026-11-28T03:00:00Z")
            await transparency.stage(log, f"{r['payment_id']}:paid", Position(2, n + 1), r)
        await transparency.seal(log, Position(2, 10))
    after, programs = await reach(app)
    assert after.households == before.households + 2
    assert after.amount == before.amount + 1_500_000
    assert programs["PKH"].households == 22


async def test_a_household_learnt_after_its_leaf_counts(app):
    before, _ = await reach(app)
    async with runtime(app).database.transaction() as sql:
        log = TransparencyLogTable(sql)
        r = payment(6000, 950, "BPNT", "35.78", 200_000, "2026-11-28T03:00:00Z")
        del r["household_ref"]  # sealed without its household (not the projector's order)
        await transparency.stage(log, f"{r['payment_id']}:paid", Position(3, 1), r)
        await transparency.seal(log, Position(3, 10))
    async with runtime(app).database.transaction() as sql:
        await TransparencyLogTable(sql).remember_households({"pay-6000": "hh_00950"})
    async with runtime(app).database.read() as sql:
        rows = await sql.fetch("SELECT household_ref FROM tlog_figures f JOIN tlog_leaves l USING (idx) "
                               "WHERE l.payment_id = 'pay-6000'")
    assert [r["household_ref"] for r in rows] == ["hh_00950"]


async def test_a_change_to_the_register_shows_on_the_maps(app):
    async with runtime(app).database.read() as sql:
        before = await Reached(sql).registered_poorest("regency")
    async with runtime(app).database.transaction() as sql:
        await sql.execute("UPDATE proj_registry_households SET erased = 'true' WHERE household_ref = 'r-0'")
    async with runtime(app).database.read() as sql:
        after = await Reached(sql).registered_poorest("regency")
        _, at = await log_figures.position(sql, register=True)
    assert after["32.73"] == before["32.73"] - 1
    assert at[2] >= 1
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://projector") as client:
        page = await client.get("/peta?level=regency")
    assert page.status_code == 200
