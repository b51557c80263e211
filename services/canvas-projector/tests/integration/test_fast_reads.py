"""Proofs, receipts and a receipt's names are answered in one statement without a transaction
(`entrypoints/api/fast_reads.py`): byte for byte what their documented routes answer, and anything out of the
ordinary (a bound, a receipt not yet under a checkpoint, a size past the log's) still answered by the route.
A province's page reads its regencies from one query over every province's: the same figures as its own."""

from urllib.parse import urlsplit

import httpx
import pytest

from canvas_projector.adapters.read_models import PaymentFigures
from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from canvas_projector.entrypoints.api.fast_reads import FastReads, _handler
from canvas_projector.entrypoints.api.portal.pages import province_regencies
from canvas_projector.entrypoints.state import projector_state
from gotong.api.app import runtime

from .seed_portal import payments, seed

SIZE = len(payments())


@pytest.fixture
async def app(database_url, kafka_bootstrap, tmp_path):
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        auth_required=False, tlog_signing_key_path=str(tmp_path / "k.pem"))
    app = create_app(settings, consumers=False)
    async with app.router.lifespan_context(app):
        await seed(app)
        async with runtime(app).database.transaction() as sql:
            assert (await transparency.sign_checkpoint(TransparencyLogTable(sql), projector_state(app).tlog)).size \
                == SIZE
        yield app


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://projector") as c:
        yield c


async def fast(app, url: str) -> bytes | None:
    """What the one-statement path answers for `url` (None: it leaves the request to the route)."""
    parts = urlsplit(url)
    handler = _handler(parts.path)
    assert handler is not None
    return await FastReads._answer(handler, {"type": "http", "method": "GET", "path": parts.path,
                                             "query_string": parts.query.encode(), "app": app})


@pytest.mark.parametrize("url", [
    f"/transparency/proof/inclusion?index=0&size={SIZE}",
    f"/transparency/proof/inclusion?index={SIZE - 1}&size={SIZE}",
    "/transparency/proof/inclusion?index=5&size=13",
    "/transparency/proof/inclusion?index=0&size=1",
    f"/transparency/proof/consistency?old=1&new={SIZE}",
    f"/transparency/proof/consistency?old=13&new={SIZE - 1}",
    f"/transparency/proof/consistency?old={SIZE}&new={SIZE}",
    "/transparency/receipts/pay-3",
    "/transparency/receipts/pay-41?status=paid&attempt=1",
    f"/transparency/receipts/pay-{SIZE}?status=returned",
    f"/verifikasi/konteks?region=32.73.01.2001&program=PKH&size={SIZE}",
    f"/verifikasi/konteks?region=33.74.01.2001&program=BPNT&size={SIZE}&lang=en",
    "/verifikasi/konteks?region=99.99&program=NOPE&size=7",
    "/verifikasi/konteks",
])
async def test_the_one_statement_answer_is_the_routes_byte_for_byte(app, client, url):
    # an argument the route ignores and the fast path does not know sends the request to the route
    routed = await client.get(url + ("&" if "?" in url else "?") + "via=route")
    assert routed.status_code == 200, routed.text
    assert await fast(app, url) == routed.content
    served = await client.get(url)
    assert served.status_code == 200
    assert served.content == routed.content
    assert served.headers["content-type"] == routed.headers["content-type"] == "application/json"
    assert served.headers["x-content-type-options"] == "nosniff", "the kit's headers on a fast answer too"


@pytest.mark.parametrize(("url", "status"), [
    (f"/transparency/proof/inclusion?index={SIZE}&size={SIZE}", 422),
    (f"/transparency/proof/inclusion?index=0&size={SIZE + 1}", 422),
    (f"/transparency/proof/consistency?old=3&new={SIZE + 1}", 422),
    ("/transparency/proof/consistency?old=5&new=4", 422),
    ("/transparency/receipts/pay-3?status=returned", 404),
    ("/transparency/receipts/pay-3?attempt=2", 404),
    ("/transparency/receipts/pay-3?status=lost", 422),
    ("/verifikasi/konteks?lang=fr", 422),
])
async def test_what_the_fast_path_cannot_answer_the_route_does(app, client, url, status):
    assert await fast(app, url) is None
    assert (await client.get(url)).status_code == status


async def test_a_province_page_cut_from_every_regency_has_the_provinces_own_figures(app, client):
    async with runtime(app).database.read() as sql:
        for province in ("32", "33", "35", "11"):
            own = await PaymentFigures(sql).province_by_regency(province)
            cut = await province_regencies(sql, province)
            assert sorted(cut) == sorted(own)
        assert {g[0] for g in await province_regencies(sql, "33")} == {"33.74"}
    page = await client.get("/wilayah/33")
    assert page.status_code == 200
    assert "Kota Semarang" in page.text
