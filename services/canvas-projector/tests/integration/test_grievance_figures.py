"""Grievance facts reach the accountability page and the canvas: the same figures in both, small cells pooled,
redelivery changes nothing, nothing personal (the contract carries none) and numbers written by language."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from gotong_contracts import grievance

from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from canvas_projector.entrypoints.consumers.grievance import on_event
from gotong.api.app import runtime

START = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


@pytest.fixture
async def client(database_url, kafka_bootstrap, tmp_path):
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        auth_required=False, tlog_signing_key_path=str(tmp_path / "k.pem"),
                        grievance_url="http://grievance.test")
    app = create_app(settings, consumers=False)  # the handler is fed directly
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://projector") as c:
        c.app = app
        yield c


async def deliver(client, fact) -> None:
    message = SimpleNamespace(topic="grievance.events", event=SimpleNamespace(
        event_type=fact.event_type, schema_version=fact.schema_version, data=fact.model_dump(mode="json")))
    async with runtime(client.app).database.transaction() as sql:
        await on_event(sql.connection, message)


async def seed(client) -> list:
    """12 sanggah in Jawa Barat (32), decided after 2..13 days, the first 3 upheld; 2 payment complaints in Jawa
    Timur (35), one breached; an appeal overturns case 3 to rejected."""
    facts = []
    for i in range(14):
        kind, region = ("sanggah", "32.73.01.1001") if i < 12 else ("payment_complaint", "35.07.02.2003")
        received = START + timedelta(hours=i)
        facts.append(grievance.CaseReceived(case_id=f"c{i}", kind=kind, category="inclusion", channel="public",
                                            region_code=region, due_at=iso(received + timedelta(days=14)),
                                            occurred_at=iso(received)))
        if i < 12:
            facts.append(grievance.CaseDecided(case_id=f"c{i}", outcome="upheld" if i < 3 else "rejected",
                                               reason_code="verified_in_field", appeal=False,
                                               occurred_at=iso(received + timedelta(days=i + 2))))
    facts.append(grievance.SlaBreached(case_id="c12", due_at=iso(START + timedelta(days=14, hours=12)),
                                       occurred_at=iso(START + timedelta(days=14, hours=12))))
    facts.append(grievance.CaseDecided(case_id="c2", outcome="rejected", reason_code="not_verified", appeal=True,
                                       occurred_at=iso(START + timedelta(days=30))))
    for fact in facts:
        await deliver(client, fact)
    return facts


async def test_the_page_and_the_canvas_show_the_same_figures(client):
    facts = await seed(client)
    for fact in facts[:5]:  # redelivered: nothing changes
        await deliver(client, fact)
    page = await client.get("/pengaduan-publik")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<dd id="median">7,5 hari</dd>' in html, "median of 2..13 days"
    assert '<dd id="upheld">16,7%</dd>' in html, "2 of 12 upheld (the appeal overturned one)"
    assert '<dd id="breach">7,1%</dd>' in html, "1 of 14 cases due breached"
    assert "Jawa Barat" not in html, "12 cases in one province, 2 in another: all pooled, nothing subtractable"
    assert "Lainnya" in html
    assert "http://grievance.test/pengaduan?lang=id" in html
    en = (await client.get("/pengaduan-publik?lang=en")).text
    assert '<dd id="median">7.5 days</dd>' in en
    canvas = (await client.get("/canvas")).json()
    items = {i["key"]: i for i in canvas["blocks"]["customer_relationships"]}
    assert "14 pengaduan, 12 sudah diputuskan (median 7,5 hari; 16,7% dibenarkan)" in items["grievances"]["label"]
    assert items["grievances"]["evidence"]["source"] == "grievance.events"


async def test_fewer_than_ten_cases_publish_no_figure(client):
    for i in range(4):
        await deliver(client, grievance.CaseReceived(
            case_id=f"s{i}", kind="sanggah", category="desil", channel="public", region_code="32.73",
            due_at=iso(START + timedelta(days=14)), occurred_at=iso(START)))
        await deliver(client, grievance.CaseDecided(case_id=f"s{i}", outcome="upheld", reason_code="x",
                                                    appeal=False, occurred_at=iso(START + timedelta(days=1))))
    html = (await client.get("/pengaduan-publik")).text
    assert '<dd id="median">\u2014</dd>' in html
    assert '<dd id="upheld">\u2014</dd>' in html
    assert "&lt; 10" in html or "< 10" in html
    canvas = (await client.get("/canvas?lang=en")).json()
    label = next(i["label"] for i in canvas["blocks"]["customer_relationships"] if i["key"] == "grievances")
    assert label.startswith("Warga dapat menyanggah"), "the JSON label is the Indonesian text"
    assert "< 10 pengaduan" in label
