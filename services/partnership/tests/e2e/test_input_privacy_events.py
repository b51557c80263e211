"""Bad input is a problem+json naming the field; contact persons never leave the service; what goes out on
`partnership.events` is the contract (internal events stay in); lists page with cursors; commands are
idempotent by key; the periodic check flags overdue milestones by itself."""

import pytest
from gotong_contracts.partnership import EVENTS
from sqlalchemy import text

from gotong.api.app import runtime
from gotong.messaging.cloudevents import decode
from gotong.messaging.relay import OutboxRelay
from gotong.testing.kafka import read_topic
from gotong.testing.wait import eventually

CONTACT = {"name": "Siti Rahmawati", "position": "Kepala Bagian Kerja Sama", "email": "siti.r@example.go.id",
           "phone": "+62 812 3456 7890"}


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"strand": "campus", "kind": "university", "region_code": "35.78"}, 422, "body.name"),
    ({"name": "ITS", "strand": "academia", "kind": "university", "region_code": "35.78"}, 422, "body.strand"),
    ({"name": "ITS", "strand": "campus", "kind": "company", "region_code": "35.78"}, 422, "kind"),
    ({"name": "ITS", "strand": "campus", "kind": "university", "region_code": "35-78"}, 422, "region_code"),
    ({"name": "ITS", "strand": "campus", "kind": "university", "region_code": "35.99"}, 422, "region_code"),
    ({"name": "PT A", "strand": "industry", "kind": "company", "region_code": "35", "nib": "12"}, 422, "body.nib"),
    ({"name": "ITS", "strand": "campus", "kind": "university", "region_code": "35", "contact": {"name": "S",
      "email": "not-an-email"}}, 422, "body.contact.name"),
])
async def test_bad_partner_input_names_the_field(api, body, status, field):
    r = await api.post("/v1/partners", body, expect=status)
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == field


async def test_bad_agreement_and_project_input_names_the_field(api, helix):
    gov = helix["gov"]
    milestone = (await api.post(f"/v1/projects/{helix['project']}/milestones",
                                {"title": "Desain", "due_on": api.day(9)}, expect=201)).json()["id"]
    cases = [
        ("/v1/agreements", {"kind": "mou", "title": "MoU", "purpose": "x" * 3, "starts_on": api.day(10),
                            "ends_on": api.day(0), "parties": []}, 422, "ends_on"),
        ("/v1/agreements", {"kind": "mou", "title": "MoU", "purpose": "xyz", "starts_on": api.day(0),
                            "ends_on": api.day(9), "parties": [{"partner_id": "0190a2b4-7c1d-7000-8000-000000000000",
                                                                "role": "regulator"}]}, 422, "parties.0.partner_id"),
        ("/v1/agreements", {"kind": "mou", "title": "MoU", "purpose": "xyz", "starts_on": api.day(0),
                            "ends_on": api.day(9), "documents": [{"sha256": "z" * 64, "title": "scan"}]},
         422, "documents.0.sha256"),
        ("/v1/agreements", {"kind": "memo", "title": "MoU", "purpose": "xyz", "starts_on": api.day(0),
                            "ends_on": api.day(9)}, 422, "body.kind"),
        (f"/v1/agreements/{helix['mou']}/documents", {"sha256": "abc", "title": "Addendum"}, 422, "body.sha256"),
        ("/v1/agreements", {"kind": "pks", "title": "PKS", "purpose": "xyz", "starts_on": api.day(0),
                            "ends_on": api.day(9), "parent_agreement_id": helix["project"]}, 422,
         "parent_agreement_id"),
        ("/v1/projects", {"title": "Proyek", "goals": ["g1"], "region_code": "35.78", "budget": 1.5,
                          "starts_on": api.day(0)}, 422, "body.budget"),
        ("/v1/projects", {"title": "Proyek", "goals": ["g1"], "region_code": "35.78", "budget": "1000",
                          "starts_on": api.day(0)}, 422, "body.budget"),
        ("/v1/projects", {"title": "Proyek", "goals": ["g1"], "region_code": "35.78", "budget": 10**16,
                          "starts_on": api.day(0)}, 422, "body.budget"),
        (f"/v1/projects/{helix['project']}/kpis", {"code": "olah", "name": "Olah", "unit": "ton", "target": "Infinity"},
         422, "body.target"),
        ("/v1/projects", {"title": "Proyek", "goals": [], "region_code": "35.78", "budget": 1,
                          "starts_on": api.day(0)}, 422, "body.goals"),
        ("/v1/projects", {"title": "Proyek", "goals": ["gg"], "region_code": "99", "budget": 1,
                          "starts_on": api.day(0)}, 422, "region_code"),
        ("/v1/projects", {"title": "Proyek", "goals": ["gg"], "region_code": "35", "budget": 1,
                          "starts_on": api.day(0), "agreement_ids": [gov]}, 422, "agreement_ids.0"),
        (f"/v1/projects/{helix['project']}/contributions", {"partner_id": gov, "kind": "money",
                                                            "description": "APBD", "value_rupiah": -5},
         422, "body.value_rupiah"),
        (f"/v1/projects/{helix['project']}/milestones/{milestone}/complete", {"evidence": {}}, 422, "evidence"),
        (f"/v1/projects/{helix['project']}/milestones/none/complete", {"evidence": {"url": "https://x.id/a"}},
         404, "milestone_id"),
    ]
    for path, body, status, field in cases:
        r = await api.post(path, body)
        assert r.status_code == status, (path, body, r.text)
        assert r.json()["errors"][0]["field"] == field, (path, body, r.text)
    missing = await api.client.get("/v1/projects/0190a2b4-7c1d-7000-8000-000000000000", headers=api.OPS)
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (404, "project_id")
    for path, field in [("/v1/agreements/0190a2b4-7c1d-7000-8000-000000000000/terminate", "agreement_id"),
                        (f"/v1/agreements/{helix['project']}/terminate", "agreement_id"),
                        (f"/v1/projects/{helix['mou']}/cancel", "project_id"),
                        ("/v1/partners/0190a2b4-7c1d-7000-8000-000000000000/deactivate", "partner_id"),
                        ("/v1/projects/0190a2b4-7c1d-7000-8000-000000000000/cancel", "project_id")]:
        r = await api.post(path, {"reason": "tidak ada"}, headers=api.SUP)
        assert (r.status_code, r.json()["errors"][0]["field"]) == (404, field), r.text
    dup = await api.post("/v1/partners", {"name": "pemerintah  kota SURABAYA", "strand": "government",
                                          "kind": "pemkot", "region_code": "35.78"}, expect=409)
    assert dup.json()["errors"][0]["field"] == "name"


async def test_contact_person_is_private_and_erasable(api, client):
    pid = await api.partner("Dinas Lingkungan Hidup Kota Surabaya", "government", "opd", contact=CONTACT)
    for_writer = await api.get(f"/v1/partners/{pid}")
    assert for_writer["contact"]["name"] == "Siti Rahmawati"
    reader = await client.get(f"/v1/partners/{pid}", headers=api.READER)
    assert "contact" not in reader.json()
    assert "Siti" not in reader.text
    async with client.app.state.engine.connect() as conn:
        in_events = (await conn.execute(text("SELECT count(*) FROM events WHERE data::text ILIKE '%siti%' "
                                             "OR data::text LIKE '%812%'"))).scalar_one()
    assert in_events == 0, "contact persons never enter the event store (events are forever)"
    erased = await client.delete(f"/v1/partners/{pid}/contact", headers=api.OPS)
    assert erased.status_code == 204
    assert (await api.get(f"/v1/partners/{pid}"))["contact"] is None
    forbidden = await client.put(f"/v1/partners/{pid}/contact", json=CONTACT, headers=api.READER)
    assert forbidden.status_code == 403


async def test_published_events_are_the_contract_and_carry_no_personal_data(api, helix, client, kafka_bootstrap):
    await client.put(f"/v1/partners/{helix['industry']}/contact", json=CONTACT, headers=api.OPS)
    relay = OutboxRelay(client.app.state.engine, service="partnership", bootstrap=kafka_bootstrap,
                        mapper=runtime(client.app).contract_mapper)
    await relay.drain()
    await relay.close()
    records = await read_topic(kafka_bootstrap, "partnership.events", timeout_ms=300)
    events = [e for e in (decode(r.value, r.headers) for r in records) if e.service != "kit"]
    assert all(e.event_type in EVENTS for e in events), "the aggregates' own events stay internal"
    ours = {helix["gov"], helix["campus"], helix["industry"], helix["mou"], helix["project"]}
    mine = [e for e in events if ours & {e.data.get("partner_id"), e.data.get("agreement_id"),
                                         e.data.get("project_id")}]
    assert sorted(e.event_type for e in mine) == ["AgreementStatusChanged"] * 3 + ["PartnerRegistered"] * 3 + [
        "ProjectChanged"]
    for e in mine:
        EVENTS[e.event_type].model_validate(e.data)
        assert "Siti" not in str(e.data)
        assert "8120202345601" not in str(e.data), "the NIB stays in the service"
    statuses = [e.data["status"] for e in mine if e.event_type == "AgreementStatusChanged"]
    assert statuses == ["draft", "signed", "active"]
    (project,) = [e.data for e in mine if e.event_type == "ProjectChanged"]
    assert (project["helix_complete"], project["strands_present"], project["region_code"]) == (
        True, ["government", "campus", "industry"], "35.78")
    assert {p["strand"] for p in project["partners"]} == {"government", "campus", "industry"}


async def test_lists_page_with_cursors_and_filters(api):
    for i, name in enumerate(["Universitas Airlangga", "Universitas Brawijaya", "Universitas Jember"]):
        await api.partner(name, "campus", "university", ["35.78", "35.73", "35.09"][i])
    await api.partner("PT Semen Gresik", "industry", "bumn", "35.25")
    first = await api.get("/v1/partners", strand="campus", limit=2)
    assert len(first["items"]) == 2
    second = await api.get("/v1/partners", strand="campus", limit=2, cursor=first["next_cursor"])
    assert [p["name"] for p in first["items"] + second["items"]] == ["Universitas Airlangga",
                                                                     "Universitas Brawijaya", "Universitas Jember"]
    assert second["next_cursor"] is None
    assert [p["name"] for p in (await api.get("/v1/partners", region="35.09"))["items"]] == ["Universitas Jember"]
    assert [p["region_name"] for p in (await api.get("/v1/partners", q="semen"))["items"]] == ["Kabupaten Gresik"]
    bad = await api.client.get("/v1/partners", params={"cursor": "bm90LWEtdXVpZA"}, headers=api.OPS)
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "cursor")
    assert (await api.client.get("/v1/partners", params={"limit": 0}, headers=api.OPS)).status_code == 422
    unauthenticated = await api.client.get("/v1/partners")
    assert unauthenticated.status_code == 401


async def test_a_repeated_command_with_the_same_key_changes_nothing(api, client):
    body = {"name": "Politeknik Elektronika Negeri Surabaya", "strand": "campus", "kind": "polytechnic",
            "region_code": "35.78"}
    headers = {**api.OPS, "Idempotency-Key": "pens-2026-001"}
    first = await client.post("/v1/partners", json=body, headers=headers)
    again = await client.post("/v1/partners", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert len((await api.get("/v1/partners", q="Politeknik"))["items"]) == 1


async def test_the_periodic_check_flags_overdue_milestones(database_url, kafka_bootstrap, api, helix):
    from partnership.bootstrap import create_app
    from partnership.config import Settings

    await api.post(f"/v1/projects/{helix['project']}/milestones", {"title": "Desain", "due_on": api.day(-1)},
                   expect=201)
    app = create_app(Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap,
                              relay_enabled=False, overdue_check_interval_s=0.05))
    async def flagged() -> bool:
        async with app.state.engine.connect() as conn:
            return bool((await conn.execute(text("SELECT flagged_overdue FROM milestones"))).scalar_one())

    async with app.router.lifespan_context(app):
        await eventually(flagged, what="the overdue check flagging the milestone")
