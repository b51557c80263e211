"""Enterprise, partnership and registry facts reach the canvas and the portal: redelivery and older versions
change nothing, the sustainability indicators are computed by hand, pages show no personal data."""

from types import SimpleNamespace

import httpx
import pytest
from gotong_contracts import enterprise, partnership, registry

from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from canvas_projector.entrypoints.consumers.network import on_event
from gotong.api.app import runtime

AT = "2026-11-20T08:00:00Z"


@pytest.fixture
async def client(database_url, kafka_bootstrap, tmp_path):
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        auth_required=False, tlog_signing_key_path=str(tmp_path / "k.pem"))
    app = create_app(settings, consumers=False)  # no consumers: the handler is fed directly
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://projector") as c:
        c.app = app
        yield c


async def deliver(client, topic: str, fact) -> None:
    message = SimpleNamespace(topic=topic, event=SimpleNamespace(
        event_type=fact.event_type, schema_version=fact.schema_version, data=fact.model_dump(mode="json")))
    async with runtime(client.app).database.transaction() as sql:  # as the kit's consumer calls it
        await on_event(sql.connection, message)


def report(enterprise_id: str, period: str, version: int, revenue: int, expenses: int, grants: int, jobs: int,
           vulnerable: int) -> enterprise.ImpactReportAccepted:
    def m(name, value, unit="IDR"):
        return enterprise.ReportedMetric(code=enterprise.METRIC_CODES[name], name=name, value=value, unit=unit)
    return enterprise.ImpactReportAccepted(
        enterprise_id=enterprise_id, report_id=f"{enterprise_id}:{period}", period=period,
        period_start="2026-07-01", period_end="2026-09-30", version=version, supersedes_version=None,
        province_code="32", regency_code="32.73",
        metrics=[m("earned_revenue", revenue), m("total_expenses", expenses), m("grants_received", grants),
                 m("employees", jobs, "people"), m("employees_vulnerable", vulnerable, "people"),
                 m("beneficiaries_served", 100, "people")],
        derived=enterprise.DerivedFigures(self_sufficiency=None, grant_dependency=None, cost_per_beneficiary=None,
                                          revenue_growth=None), occurred_at=AT)


async def seed(client) -> None:
    for eid, name in (("e1", "Bank Sampah Sejahtera"), ("e2", None)):
        await deliver(client, "enterprise.events", enterprise.EnterpriseRegistered(
            enterprise_id=eid, name=name, legal_form="koperasi" if name else "pt_perorangan", sdgs=[8, 12],
            region_code="32.73", province_code="32", regency_code="32.73", groups_served=["women", "poor_households"],
            groups_employed=["women"], occurred_at=AT))
        await deliver(client, "enterprise.events", enterprise.EnterpriseStatusChanged(
            enterprise_id=eid, status="active", previous_status="verified", occurred_at=AT))
    await deliver(client, "enterprise.events", report("e1", "2026-Q3", 1, 50, 100, 10, 9, 1))
    await deliver(client, "enterprise.events", report("e1", "2026-Q3", 2, 80, 100, 20, 10, 6))  # a correction
    await deliver(client, "enterprise.events", report("e1", "2026-Q3", 1, 50, 100, 10, 9, 1))  # old, redelivered
    await deliver(client, "enterprise.events", report("e2", "2026-Q3", 1, 70, 100, 0, 5, 2))
    for i, strand in enumerate(("government", "campus", "industry", "industry")):
        await deliver(client, "partnership.events", partnership.PartnerRegistered(
            partner_id=f"p{i}", name=f"Mitra {i}", strand=strand, kind="x", region_code="35.78", province_code="35",
            occurred_at=AT))
    for version, complete in ((1, False), (3, True), (2, False)):
        await deliver(client, "partnership.events", partnership.ProjectChanged(
            project_id="tpst", version=version, change="x", title="TPST Surabaya", status="running",
            region_code="35.78", province_code="35", budget=1_000_000, sdgs=[11], agreement_ids=["a1"],
            partners=[], strands_present=["government", "campus", "industry"] if complete else ["government"],
            helix_complete=complete, helix_missing=[] if complete else ["campus", "industry"],
            committed_rupiah=900_000, delivered_rupiah=300_000 * version, milestones_done=1, milestones_due=1,
            milestones_overdue=0, as_of="2026-11-20", occurred_at=AT))
    for i in range(12):
        await deliver(client, "enterprise.events", enterprise.HouseholdGraduated(
            household_ref=f"h-{i}", enterprise_id="e1", region_code="32.73", province_code="32", regency_code="32.73",
            started_on="2026-10-01", occurred_at=AT))
    for i, verification in enumerate(["verified"] * 3 + ["flagged"]):
        await deliver(client, "registry.events", registry.HouseholdChanged(
            household_ref=f"h-{i}", household_version=2, change="registered", village_code="32.73.01.1001",
            district_code="32.73.01", regency_code="32.73", province_code="32", verification=verification,
            members=[], occurred_at=AT))
    await deliver(client, "registry.events", registry.HouseholdChanged(  # older version arrives late
        household_ref="h-0", household_version=1, change="registered", village_code="32.73.01.1001",
        district_code="32.73.01", regency_code="32.73", province_code="32", verification="pending", members=[],
        occurred_at=AT))
    await deliver(client, "registry.events", registry.HouseholdErased(household_ref="h-2", occurred_at=AT))


async def test_canvas_gets_every_approach_with_hand_computed_indicators(client):
    await seed(client)
    canvas = (await client.get("/canvas")).json()
    ind = canvas["indicators"]
    # latest accepted version per enterprise: e1 80/100 (v2), e2 70/100 -> 150/200
    assert ind["enterprise_self_sufficiency"] == 0.75
    assert ind["enterprise_jobs_vulnerable_share"] == round(8 / 15, 4)
    assert ind["graduations"] == 12
    assert ind["partners_per_strand"] == {"government": 1, "campus": 1, "industry": 2, "community": None}
    assert ind["helix_complete_share"] == 1.0
    assert ind["registry_verified_share"] == round(2 / 3, 4)  # h-2 erased; h-0 stays verified (v2 wins)
    approaches = {b: {i["approach"] for i in items} for b, items in canvas["blocks"].items()}
    assert "social-enterprise" in approaches["customer_segments"]
    assert "triple-helix" in approaches["key_partners"]
    assert "dtsen" in approaches["key_resources"]
    assert "social-enterprise" in approaches["revenue_streams"]
    revenue = next(i for i in canvas["blocks"]["revenue_streams"] if i["approach"] == "social-enterprise")
    assert revenue["evidence"]["amount"] == 150


async def test_enterprise_and_partnership_pages(client):
    await seed(client)
    page = await client.get("/usaha-sosial")
    assert page.status_code == 200
    assert "Bank Sampah Sejahtera" in page.text
    assert "0,80" in page.text  # e1's corrected report
    assert "PT PERORANGAN" in page.text  # a one-person company is shown by its form, not its owner's name
    assert "12" in page.text  # graduations, above the small-cell threshold
    assert "h-1" not in page.text
    english = await client.get("/usaha-sosial", params={"lang": "en"})
    assert "Self-sufficiency" in english.text
    assert "0.80" in english.text
    hx = await client.get("/kemitraan")
    assert "TPST Surabaya" in hx.text
    assert "lengkap" in hx.text
    assert "Rp\u00a0900.000" in hx.text  # delivered at the newest version (3 x 300,000)
