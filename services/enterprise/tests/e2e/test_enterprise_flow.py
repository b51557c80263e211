"""The enterprise desk end to end over HTTP with a real database and broker: registration and review,
refused transitions as problem+json, reports with corrections and review, figures, household links and
graduation, CSR grants from csr-ledger events, the published events (no personal data), and the demo data."""

import asyncio
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from gotong_contracts.csr_ledger import AllocationDecided
from gotong_contracts.registry import HouseholdChanged, HouseholdErased, HouseholdsMerged

from enterprise.bootstrap import create_app
from enterprise.config import Settings
from gotong.api.app import runtime
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.kafka import read_topic
from gotong.testing.tokens import TokenIssuer

ISSUER = TokenIssuer()


def auth(sub: str, scopes: str = "enterprise:read enterprise:write") -> dict[str, str]:
    return ISSUER.headers(sub, scopes)


OPS = auth("ops-1")
OPS2 = auth("ops-2")
REVIEWER = auth("rev-1", "enterprise:read enterprise:review enterprise:verify")
REVIEWER2 = auth("rev-2", "enterprise:read enterprise:review")
SUPERVISOR = auth("sup-1", "enterprise:read enterprise:write enterprise:approve")

METRICS = {"earned_revenue": 420_000_000, "total_expenses": 480_000_000, "grants_received": 60_000_000,
           "employees": 24, "employees_vulnerable": 18, "beneficiaries_served": 1_200, "service_hours": 3_100}


@pytest.fixture
async def client(database_url, kafka_bootstrap):
    topics = ["enterprise.events", "csr-ledger.events", "registry.events"]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://enterprise") as c:
            c.app = app
            yield c


def body(nib="8120001234567", **over):
    return {"name": "Koperasi Bank Sampah Sejahtera", "nib": nib, "legal_form": "koperasi",
            "mission": "Mengolah sampah rumah tangga bersama ibu-ibu rumah tangga di Bandung", "sdgs": [8, 11, 12],
            "region_code": "32.73", "groups_served": ["poor_households"], "groups_employed": ["women"], **over}


async def registered(client, nib="8120001234567", **over) -> str:
    r = await client.post("/v1/enterprises", headers=OPS, json=body(nib, **over))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def active(client, nib="8120001234567", **over) -> str:
    eid = await registered(client, nib, **over)
    assert (await client.post(f"/v1/enterprises/{eid}/verify", headers=REVIEWER)).json()["status"] == "verified"
    assert (await client.post(f"/v1/enterprises/{eid}/activate", headers=REVIEWER)).json()["status"] == "active"
    return eid


def problem(r, status, field=None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    p = r.json()
    if field:
        assert field in [e["field"] for e in p["errors"]], p
    return p


async def test_registration_refuses_bad_input_naming_the_field(client):
    cases = [({"nib": "12345"}, "nib"), ({"region_code": "32"}, "region_code"),
             ({"region_code": "99.99"}, "region_code"), ({"sdgs": [0, 18]}, "sdgs"),
             ({"legal_form": "firma"}, "body.legal_form"), ({"groups_served": ["aliens"]}, "body.groups_served.0")]
    for over, field in cases:
        problem(await client.post("/v1/enterprises", headers=OPS, json=body(**over)), 422, field)
    await registered(client)
    problem(await client.post("/v1/enterprises", headers=OPS, json=body(name="Another")), 409, "nib")


async def test_lifecycle_over_http_with_four_eyes_and_reasons_for_refusals(client):
    eid = await registered(client)
    own = problem(await client.post(f"/v1/enterprises/{eid}/verify", headers=auth("ops-1", "enterprise:verify")),
                  403)
    assert "four eyes" in own["detail"]
    problem(await client.post(f"/v1/enterprises/{eid}/verify", headers=OPS2), 403)  # no verify scope
    early = problem(await client.post(f"/v1/enterprises/{eid}/activate", headers=REVIEWER), 409, "status")
    assert early["detail"] == "cannot activate this enterprise: it must be verified by ops first"
    assert early["status_now"] == "registered"
    assert (await client.post(f"/v1/enterprises/{eid}/verify", headers=SUPERVISOR)).json()["status"] == "verified"
    problem(await client.post(f"/v1/enterprises/{eid}/verify", headers=REVIEWER), 409, "status")
    assert (await client.post(f"/v1/enterprises/{eid}/activate", headers=REVIEWER)).json()["status"] == "active"
    problem(await client.post(f"/v1/enterprises/{eid}/suspend", headers=REVIEWER, json={}), 422, "reason")
    s = await client.post(f"/v1/enterprises/{eid}/suspend", headers=REVIEWER,
                          json={"reason": "reports_overdue", "note": "two quarters missing"})
    assert (s.json()["status"], s.json()["suspension_reason"]) == ("suspended", "reports_overdue")
    problem(await client.post(f"/v1/enterprises/{eid}/activate", headers=REVIEWER), 409, "status")
    r = await client.post(f"/v1/enterprises/{eid}/reinstate", headers=REVIEWER2)
    assert [h["status"] for h in r.json()["history"]] == ["registered", "verified", "active", "suspended", "active"]
    problem(await client.post(f"/v1/enterprises/{eid}/reinstate", headers=REVIEWER), 409, "status")
    problem(await client.post(f"/v1/enterprises/{uuid4()}/verify", headers=REVIEWER), 404, "enterprise_id")


async def test_profile_update_moves_the_enterprise_in_the_lists(client):
    eid = await registered(client)
    problem(await client.patch(f"/v1/enterprises/{eid}", headers=OPS, json={"region_code": "32.99"}), 422,
            "region_code")
    problem(await client.patch(f"/v1/enterprises/{eid}", headers=OPS, json={"nib": "8120001234568"}), 422, "body.nib")
    problem(await client.patch(f"/v1/enterprises/{eid}", headers=REVIEWER2, json={"name": "X Y"}), 403)
    r = await client.patch(f"/v1/enterprises/{eid}", headers=OPS, json={
        "region_code": "32.04", "legal_form": "pt", "groups_employed": ["women", "disabled"]})
    assert (r.json()["regency_code"], r.json()["legal_form"], r.json()["version"]) == ("32.04", "pt", 2)
    again = await client.patch(f"/v1/enterprises/{eid}", headers=OPS, json={"region_code": "32.04"})
    assert again.json()["version"] == 2, "nothing changed, no event"
    listed = (await client.get("/v1/enterprises", headers=OPS, params={"region": "32.04"})).json()["items"]
    assert [(i["id"], i["groups_employed"]) for i in listed] == [(eid, ["disabled", "women"])]
    problem(await client.patch(f"/v1/enterprises/{uuid4()}", headers=OPS, json={"name": "X Y"}), 404)


async def test_status_commands_are_idempotent_by_key(client):
    eid = await registered(client)
    key = {"Idempotency-Key": "verify-once", **REVIEWER}
    first = await client.post(f"/v1/enterprises/{eid}/verify", headers=key)
    again = await client.post(f"/v1/enterprises/{eid}/verify", headers=key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["version"] == first.json()["version"] == 2


async def test_report_validation_names_each_field(client):
    eid = await active(client)
    bad = {**METRICS, "employees_vulnerable": 30, "earned_revenue": 1.5, "total_expenses": -1, "colour": 3}
    del bad["grants_received"]
    p = problem(await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS,
                                  json={"period": "2026-Q2", "metrics": bad}), 422)
    fields = {e["field"]: e["detail"] for e in p["errors"]}
    assert set(fields) == {"metrics.employees_vulnerable", "metrics.earned_revenue", "metrics.total_expenses",
                           "metrics.colour", "metrics.grants_received"}
    assert "1.5" not in str(p)
    assert "30" not in fields["metrics.employees_vulnerable"]
    problem(await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS,
                              json={"period": "2026-Q5", "metrics": METRICS}), 422, "period")
    problem(await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS,
                              json={"period": "2099-Q1", "metrics": METRICS}), 422, "period")
    problem(await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS,
                              json={"period": "2026-Q2", "currency": "USD", "metrics": METRICS}), 422, "currency")


async def test_reports_corrections_review_and_figures(client):
    eid = await active(client)
    first = await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS, json={
        "period": "2026-Q1", "metrics": {**METRICS, "earned_revenue": 400_000_000}})
    assert first.status_code == 201, first.text
    own = problem(await client.post(f"/v1/enterprises/{eid}/reports/2026-Q1/versions/1/accept",
                                    headers=auth("ops-1", "enterprise:review")), 403)
    assert "four eyes" in own["detail"]
    ok = await client.post(f"/v1/enterprises/{eid}/reports/2026-Q1/versions/1/accept", headers=REVIEWER)
    assert ok.json()["versions"][0]["derived"]["self_sufficiency"] == "0.8333"  # 400 / 480
    problem(await client.post(f"/v1/enterprises/{eid}/reports/2026-Q1/versions/1/accept", headers=REVIEWER2),
            409, "version")
    # Q2: submitted, returned, resubmitted, accepted.
    await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS, json={"period": "2026-Q2", "metrics": METRICS})
    problem(await client.post(f"/v1/enterprises/{eid}/reports/2026-Q2/versions/1/return", headers=REVIEWER,
                              json={"reason": ""}), 422, "body.reason")
    ret = await client.post(f"/v1/enterprises/{eid}/reports/2026-Q2/versions/1/return", headers=REVIEWER,
                            json={"reason": "service hours missing the Cimahi branch"})
    assert ret.json()["versions"][0]["status"] == "returned"
    problem(await client.post(f"/v1/enterprises/{eid}/reports/2026-Q2/versions/1/accept", headers=REVIEWER),
            409, "version")
    await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS, json={"period": "2026-Q2", "metrics": METRICS})
    await client.post(f"/v1/enterprises/{eid}/reports/2026-Q2/versions/2/accept", headers=REVIEWER)
    # A correction of Q1 (more revenue) supersedes the accepted version only once it is accepted itself.
    await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS, json={
        "period": "2026-Q1", "metrics": {**METRICS, "earned_revenue": 360_000_000}})
    figures = (await client.get(f"/v1/enterprises/{eid}/figures", headers=OPS)).json()
    assert figures["metrics"]["2026-Q1"]["earned_revenue"] == 400_000_000, "v2 awaits review: v1 still counts"
    await client.post(f"/v1/enterprises/{eid}/reports/2026-Q1/versions/2/accept", headers=REVIEWER2)
    history = (await client.get(f"/v1/enterprises/{eid}/reports/2026-Q1", headers=OPS)).json()
    assert [(v["version"], v["status"]) for v in history["versions"]] == [(1, "superseded"), (2, "accepted")]
    figures = (await client.get(f"/v1/enterprises/{eid}/figures", headers=OPS)).json()
    points = figures["quarterly"]["points"]
    # Q1: 360/480 = 0.75; grants 60/(360+60) = 0.142857 -> 0.1429; 480,000,000 / 1,200 = 400,000.
    # Q2: 420/480 = 0.875; growth (420-360)/360 = 0.16667 -> 0.1667; change 0.125.
    assert [(p["period"], p["self_sufficiency"], p["grant_dependency"], p["cost_per_beneficiary"],
             p["revenue_growth"], p["self_sufficiency_change"]) for p in points] == [
        ("2026-Q1", "0.7500", "0.1429", 400_000, None, None),
        ("2026-Q2", "0.8750", "0.1250", 400_000, "0.1667", "0.1250")]
    assert figures["quarterly"]["self_sufficiency_direction"] == "improving"
    problem(await client.get(f"/v1/enterprises/{eid}/reports/2025-Q4", headers=OPS), 404, "period")
    problem(await client.get(f"/v1/enterprises/{eid}/reports/2026-Q5", headers=OPS), 422, "period")
    problem(await client.post(f"/v1/enterprises/{eid}/reports/2026-Q1/versions/0/accept", headers=REVIEWER), 422,
            "path.version")
    problem(await client.post(f"/v1/enterprises/{eid}/reports/2026-Q1/versions/9/accept", headers=REVIEWER), 404,
            "version")


async def test_reports_refused_unless_verified_or_active(client):
    eid = await registered(client)
    p = problem(await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS,
                                  json={"period": "2026-Q1", "metrics": METRICS}), 409, "status")
    assert "verified first" in p["detail"]


async def test_household_links_graduation_and_listing(client):
    eid = await active(client)
    nik = problem(await client.post(f"/v1/enterprises/{eid}/households", headers=OPS, json={
        "household_ref": "3273014506890001", "relation": "employee", "started_on": "2026-03-01"}), 422,
        "household_ref")
    assert "3273014506890001" not in str(nik)
    for i in range(3):
        r = await client.post(f"/v1/enterprises/{eid}/households", headers=OPS, json={
            "household_ref": f"hh_{i:04x}a9", "relation": "employee", "groups": ["women"], "started_on": "2026-03-01"})
        assert r.json()["graduation_signal"] is True
    client_link = await client.post(f"/v1/enterprises/{eid}/households", headers=OPS, json={
        "household_ref": "hh_0000a9", "relation": "client", "started_on": "2026-04-01"})
    assert client_link.json()["graduation_signal"] is False
    problem(await client.post(f"/v1/enterprises/{eid}/households", headers=OPS, json={
        "household_ref": "hh_0001a9", "relation": "employee", "started_on": "2026-03-01"}), 409, "household_ref")
    ended = await client.post(f"/v1/enterprises/{eid}/households/hh_0001a9/end", headers=OPS,
                              json={"relation": "employee", "ended_on": "2026-09-30"})
    assert ended.status_code == 200, ended.text
    problem(await client.post(f"/v1/enterprises/{eid}/households/hh_0001a9/end", headers=OPS,
                              json={"relation": "employee", "ended_on": "2026-10-30"}), 409, "household_ref")
    page1 = await client.get(f"/v1/enterprises/{eid}/households", headers=OPS, params={"limit": 2})
    page2 = await client.get(f"/v1/enterprises/{eid}/households", headers=OPS,
                             params={"limit": 2, "cursor": page1.json()["next_cursor"]})
    refs = [(i["household_ref"], i["relation"]) for i in page1.json()["items"] + page2.json()["items"]]
    assert refs == [("hh_0000a9", "client"), ("hh_0000a9", "employee"), ("hh_0001a9", "employee"),
                    ("hh_0002a9", "employee")]
    assert 'rel="next"' in page1.headers["link"]
    show = (await client.get(f"/v1/enterprises/{eid}", headers=OPS)).json()
    assert show["households"] == {"employee": {"current": 2, "ever": 3}, "client": {"current": 1, "ever": 1}}
    summary = (await client.get("/v1/enterprises/summary", headers=OPS)).json()
    assert summary["households_graduated"] == 3


async def test_list_filters_and_pages(client):
    await active(client, "8120000000001", name="Batik Difabel Sragen", legal_form="koperasi", region_code="33.14")
    await registered(client, "8120000000002", name="Desa Digital Nusantara", legal_form="pt", region_code="35.07")
    await registered(client, "8120000000003", name="Bank Sampah Bandung", legal_form="cv", region_code="32.73")
    await registered(client, "8120000000004", name="Anak Muda Kopi", legal_form="pt_perorangan",
                     region_code="32.04")
    names = [i["name"] for i in (await client.get("/v1/enterprises", headers=OPS)).json()["items"]]
    assert names == ["Anak Muda Kopi", "Bank Sampah Bandung", "Batik Difabel Sragen", "Desa Digital Nusantara"]
    west_java = (await client.get("/v1/enterprises", headers=OPS, params={"region": "32"})).json()["items"]
    assert [i["name"] for i in west_java] == ["Anak Muda Kopi", "Bank Sampah Bandung"]
    assert west_java[1]["region_name"] == "Kota Bandung"
    act = (await client.get("/v1/enterprises", headers=OPS, params={"status": "active"})).json()["items"]
    assert [i["name"] for i in act] == ["Batik Difabel Sragen"]
    pt = (await client.get("/v1/enterprises", headers=OPS, params={"legal_form": "pt"})).json()["items"]
    assert [i["name"] for i in pt] == ["Desa Digital Nusantara"]
    first = (await client.get("/v1/enterprises", headers=OPS, params={"limit": 3})).json()
    rest = (await client.get("/v1/enterprises", headers=OPS, params={"limit": 3,
                                                                     "cursor": first["next_cursor"]})).json()
    assert [i["name"] for i in rest["items"]] == ["Desa Digital Nusantara"]
    assert rest["next_cursor"] is None
    named = (await client.get("/v1/enterprises", headers=OPS, params={"name": "sampah"})).json()["items"]
    assert [i["name"] for i in named] == ["Bank Sampah Bandung"]
    assert (await client.get("/v1/enterprises", headers=OPS, params={"name": "%_"})).json()["items"] == []
    problem(await client.get("/v1/enterprises", headers=OPS, params={"status": "closed"}), 422, "query.status")
    problem(await client.get("/v1/enterprises", headers=OPS, params={"cursor": "!!"}), 422, "cursor")
    problem(await client.get("/v1/enterprises", headers=auth("x", "registry:read")), 403)
    problem(await client.get("/v1/enterprises"), 401)


async def test_csr_grants_arrive_from_the_ledger_and_count_once(client, kafka_bootstrap):
    eid = await active(client, "8120005550001")

    def allocation(aid, target, status, kind="enterprise"):
        return AllocationDecided(allocation_id=aid, company_id="c-1", target_kind=kind, target_id=target,
                                 target_name="Bank Sampah", amount=250_000_000, sdgs=[12], region="32",
                                 status=status, occurred_at="2026-10-01T08:00:00+00:00")

    sent = [allocation("a-1", eid, "pending_approval"), allocation("a-1", eid, "approved"),
            allocation("a-1", eid, "approved"), allocation("a-2", "8120005550001", "approved"),
            allocation("a-3", "tpst-surabaya", "approved", kind="project")]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    for a in sent:
        headers = [("ce_specversion", b"1.0"), ("ce_id", str(uuid4()).encode()), ("ce_source", b"/gotong/csr-ledger"),
                   ("ce_type", b"id.gotong.csr-ledger.AllocationDecided.v1"), ("content-type", b"application/json"),
                   ("ce_subject", a.allocation_id.encode())]
        await producer.send_and_wait("csr-ledger.events", a.model_dump_json().encode(), key=a.allocation_id.encode(),
                                     headers=headers)
    await producer.stop()
    # other tests publish on the same topic, so wait for our own last event's effect, not for a count
    await until(client, "SELECT (count(*) = 2)::int FROM csr_grants WHERE status = 'approved' "
                        "AND allocation_id IN ('a-1', 'a-2')")
    show = (await client.get(f"/v1/enterprises/{eid}", headers=OPS)).json()
    assert sorted((g["allocation_id"], g["status"]) for g in show["csr_grants"]) == [("a-1", "approved"),
                                                                                   ("a-2", "approved")]
    figures = (await client.get(f"/v1/enterprises/{eid}/figures", headers=OPS)).json()
    assert figures["csr_grants_approved"] == 500_000_000


async def until(client, sql: str, seconds: float = 60.0) -> None:
    """Wait until `sql` counts a row (a loaded CI machine joins the consumer group slowly)."""
    for _ in range(int(seconds / 0.2)):
        async with client.app.state.engine.connect() as conn:
            if (await conn.exec_driver_sql(sql)).scalar_one():
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {sql}")


async def send(bootstrap, topic, service, events):
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    for e in events:
        headers = [("ce_specversion", b"1.0"), ("ce_id", str(uuid4()).encode()),
                   ("ce_source", f"/gotong/{service}".encode()),
                   ("ce_type", f"id.gotong.{service}.{e.event_type}.v1".encode()),
                   ("content-type", b"application/json"), ("ce_subject", str(uuid4()).encode())]
        await producer.send_and_wait(topic, e.model_dump_json().encode(), key=b"k", headers=headers)
    await producer.stop()


async def test_registry_replica_refuses_erased_and_merged_households_and_counts_poor_graduates(client,
                                                                                             kafka_bootstrap):
    eid = await active(client, "8120006660001")

    def changed(ref, version, desil):
        return HouseholdChanged(household_ref=ref, household_version=version, change="registered",
                                village_code="32.73.01.1001", district_code="32.73.01", regency_code="32.73",
                                province_code="32", verification="verified", members=[], desil=desil,
                                occurred_at="2026-10-01T08:00:00+00:00")

    sent = [changed("hh_poor01", 1, 2), changed("hh_poor01", 3, 3), changed("hh_poor01", 2, 9),  # newest wins
            changed("hh_rich01", 1, 8), changed("hh_gone01", 1, 1), changed("hh_old01", 1, 2),
            HouseholdErased(household_ref="hh_gone01", occurred_at="2026-10-02T08:00:00+00:00"),
            HouseholdsMerged(surviving_ref="hh_poor01", merged_refs=["hh_old01"],
                             occurred_at="2026-10-02T08:00:00+00:00")]
    await send(kafka_bootstrap, "registry.events", "registry", sent)
    await until(client, "SELECT (count(*) = 3)::int FROM registry_households WHERE "
                        "(household_ref = 'hh_old01' AND status = 'merged') OR "
                        "(household_ref = 'hh_gone01' AND status = 'erased') OR "
                        "(household_ref = 'hh_poor01' AND household_version = 3)")
    link = {"relation": "employee", "groups": ["poor_households"], "started_on": "2026-05-01"}
    erased = problem(await client.post(f"/v1/enterprises/{eid}/households", headers=OPS,
                                       json={**link, "household_ref": "hh_gone01"}), 409, "household_ref")
    assert "UU PDP" in erased["detail"]
    merged = problem(await client.post(f"/v1/enterprises/{eid}/households", headers=OPS,
                                       json={**link, "household_ref": "hh_old01"}), 409, "household_ref")
    assert merged["surviving_ref"] == "hh_poor01"
    for ref, status in [("hh_poor01", "registered"), ("hh_rich01", "registered"), ("hh_new001", "unknown")]:
        r = await client.post(f"/v1/enterprises/{eid}/households", headers=OPS, json={**link, "household_ref": ref})
        assert r.json()["registry_status"] == status, r.text
    items = (await client.get(f"/v1/enterprises/{eid}/households", headers=OPS)).json()["items"]
    assert [(i["household_ref"], i["registry_status"], i["desil"]) for i in items] == [
        ("hh_new001", "unknown", None), ("hh_poor01", "registered", 3), ("hh_rich01", "registered", 8)]
    summary = (await client.get("/v1/enterprises/summary", headers=OPS)).json()
    assert (summary["households_graduated"], summary["households_graduated_desil_1_4"]) == (3, 1)


async def test_published_events_are_the_contract_and_carry_no_personal_data(client, kafka_bootstrap):
    from gotong_contracts.enterprise import EVENTS

    from gotong.messaging.cloudevents import decode
    from gotong.messaging.relay import OutboxRelay

    eid = await active(client, "8120007770001")
    solo = await registered(client, "8120007770002", name="PT Siti Rahayu Makmur", legal_form="pt_perorangan")
    await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS, json={"period": "2026-Q1", "metrics": METRICS,
                                                                            "note": "Ibu Siti Rahayu, ketua"})
    await client.post(f"/v1/enterprises/{eid}/reports/2026-Q1/versions/1/accept", headers=REVIEWER)
    await client.post(f"/v1/enterprises/{eid}/households", headers=OPS, json={
        "household_ref": "hh_77aa01", "relation": "employee", "groups": ["disabled"], "started_on": "2026-02-01"})
    await client.post(f"/v1/enterprises/{eid}/households", headers=OPS, json={
        "household_ref": "hh_77aa02", "relation": "client", "started_on": "2026-02-01"})
    await client.post(f"/v1/enterprises/{eid}/suspend", headers=REVIEWER,
                      json={"reason": "misreporting", "note": "laporan Bapak Budi Santoso tidak cocok"})
    relay = OutboxRelay(client.app.state.engine, service="enterprise", bootstrap=kafka_bootstrap,
                        mapper=runtime(client.app).contract_mapper)
    await relay.drain()
    await relay.close()
    records = await read_topic(kafka_bootstrap, "enterprise.events")
    events = [e for e in (decode(r.value, r.headers) for r in records) if e.service != "kit"]
    mine = [e for e in events if e.data.get("enterprise_id") in (eid, solo)]
    assert sorted(e.event_type for e in mine) == [
        "EnterpriseRegistered", "EnterpriseRegistered", "EnterpriseStatusChanged", "EnterpriseStatusChanged",
        "EnterpriseStatusChanged", "HouseholdGraduated", "ImpactReportAccepted"]
    for e in mine:
        EVENTS[e.event_type].model_validate(e.data)
        text = str(e.data)
        for secret in ("Siti", "Rahayu", "Budi", "Santoso", "8120007770001", "ketua", "rev-1", "ops-1",
                       "hh_77aa02", "mission", "nib"):
            assert secret not in text, (e.event_type, secret)
    accepted = next(e for e in mine if e.event_type == "ImpactReportAccepted")
    codes = {m["name"]: m["code"] for m in accepted.data["metrics"]}
    assert (codes["beneficiaries_served"], codes["total_expenses"]) == ("PI4060", "FP2321")
    assert accepted.data["derived"]["self_sufficiency"] == "0.8750"
    graduated = next(e for e in mine if e.event_type == "HouseholdGraduated")
    assert (graduated.data["household_ref"], graduated.data["regency_code"]) == ("hh_77aa01", "32.73")


async def test_demo_data_loads_once(database_url):
    from enterprise.demo import ENTERPRISES, load_demo
    from gotong.db import create_engine

    settings = Settings(database_url=database_url)
    await load_demo(settings)
    await load_demo(settings)  # a second `gotong up` adds nothing
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            driver = await conn.get_raw_connection()
            rows = await driver.driver_connection.fetch("SELECT status, count(*) AS n FROM enterprises GROUP BY 1")
            accepted = await driver.driver_connection.fetchval(
                "SELECT count(*) FROM impact_reports WHERE status = 'accepted'")
        counts = {r["status"]: r["n"] for r in rows}
        assert sum(counts.values()) == len(ENTERPRISES) >= 12
        assert counts["active"] >= 9
        assert (counts.get("suspended"), counts.get("registered")) == (1, 1)
        assert accepted >= 30
    finally:
        await engine.dispose()
