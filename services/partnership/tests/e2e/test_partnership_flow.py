"""The Triple Helix over HTTP on a real database: partners, agreements through their lifecycle with scopes,
projects with contributions, milestones and KPIs, the completeness check, overdue milestones, the network."""

from sqlalchemy import text

from gotong.api.app import runtime
from partnership.application.publishing import publish_contract


async def test_a_project_is_complete_with_three_strands_under_an_active_agreement(api, helix):
    check = await api.get(f"/v1/projects/{helix['project']}/helix")
    assert check["complete"] is True
    assert check["present"] == ["government", "campus", "industry"]
    assert check["strands"]["campus"]["partners"] == [helix["campus"]]
    view = await api.get(f"/v1/projects/{helix['project']}")
    assert [p["name"] for p in view["partners"]] == ["Pemerintah Kota Surabaya", "Institut Teknologi Sepuluh Nopember",
                                                     "PT Daur Ulang Nusantara"]
    assert view["region_name"] == "Kota Surabaya"
    assert view["agreements"][0]["status"] == "active"


async def published(client, event_type: str, key: str, value: str) -> list[dict]:
    """What the relay publishes (the service's contract mapper over its stored events), in store order."""
    store = runtime(client.app).store
    out = []
    for event in await store.read_all(limit=100_000):
        mapped = publish_contract(event)
        if mapped is not None and mapped[0] == event_type and str(mapped[2].get(key)) == value:
            out.append(mapped[2])
    return out


async def test_terminating_the_agreement_makes_the_project_incomplete_and_says_why(api, helix, client):
    r = await api.post(f"/v1/agreements/{helix['mou']}/terminate", {"reason": "mitra industri mundur"},
                       headers=api.SUP, expect=200)
    assert r.json()["status"] == "terminated"
    check = await api.get(f"/v1/projects/{helix['project']}/helix")
    assert check["complete"] is False
    assert check["missing"] == ["government", "campus", "industry"]
    assert "'MoU Kolaborasi' is terminated" in check["reasons"][0]
    listed = await api.get("/v1/projects", helix_complete="false")
    assert [p["id"] for p in listed["items"]] == [helix["project"]], "the stored flag follows the agreement"
    statuses = await published(client, "AgreementStatusChanged", "agreement_id", helix["mou"])
    assert [(e["previous_status"], e["status"]) for e in statuses] == [
        (None, "draft"), ("draft", "signed"), ("signed", "active"), ("active", "terminated")]
    changes = await published(client, "ProjectChanged", "project_id", helix["project"])
    assert [(e["version"], e["change"], e["helix_complete"]) for e in changes] == [
        (1, "created", True), (2, "agreement_terminated", False)]


async def test_a_draft_pks_leaves_the_industry_strand_missing_until_signed(api):
    gov = await api.partner("Bappeda Daerah Istimewa Yogyakarta", "government", "opd", "34")
    ugm = await api.partner("Universitas Gadjah Mada", "campus", "university", "34.04")
    food = await api.partner("PT Pangan Sehat Nusantara", "industry", "company", "34.04")
    mou = await api.agreement([(gov, "perencana"), (ugm, "riset")], title="MoU Stunting")
    await api.signed(mou, [gov, ugm])
    pks = await api.agreement([(gov, "pemberi kerja"), (food, "penyedia pangan")], kind="pks", title="PKS Pangan",
                              documents=False)
    project = await api.project([(gov, "perencana"), (ugm, "riset"), (food, "pangan")], [mou, pks], region="34.04")
    before = await api.get(f"/v1/projects/{project}/helix")
    assert before["missing"] == ["industry"]
    assert before["reasons"] == ["PT Pangan Sehat Nusantara (industry) has no signed or active agreement: "
                                 "'PKS Pangan' is draft"]
    unsigned = await api.post(f"/v1/agreements/{pks}/sign", {"signed_by": [gov, food]}, headers=api.SUP, expect=409)
    assert unsigned.headers["content-type"] == "application/problem+json"
    assert unsigned.json()["errors"][0]["field"] == "documents"
    await api.post(f"/v1/agreements/{pks}/documents", {"sha256": api.sha("pks"), "title": "PKS"}, expect=200)
    await api.signed(pks, [gov, food], active=False)
    after = await api.get(f"/v1/projects/{project}/helix")
    assert after["complete"] is True, "a signed (not yet active) agreement counts"


async def test_agreement_lifecycle_over_http_with_scopes_and_refusals(api, helix):
    gov, campus = helix["gov"], helix["campus"]
    a = await api.agreement([(gov, "regulator")], title="MoU Riset")
    not_allowed = await api.post(f"/v1/agreements/{a}/sign", {"signed_by": [gov]}, headers=api.OPS, expect=403)
    assert not_allowed.json()["missing_scopes"] == ["partnership:approve"]
    alone = await api.post(f"/v1/agreements/{a}/sign", {"signed_by": [gov]}, headers=api.SUP, expect=409)
    assert alone.json()["errors"][0]["field"] == "parties"
    await api.post(f"/v1/agreements/{a}/parties", {"partner_id": campus, "role": "peneliti"}, expect=200)
    await api.post(f"/v1/partners/{campus}/deactivate", {"reason": "sementara"}, expect=200)
    inactive = await api.post(f"/v1/agreements/{a}/sign", {"signed_by": [gov, campus]}, headers=api.SUP, expect=409)
    assert inactive.json()["errors"][0]["field"] == "signed_by.1"
    await api.post(f"/v1/partners/{campus}/reactivate", expect=200)
    missing = await api.post(f"/v1/agreements/{a}/sign", {"signed_by": [gov]}, headers=api.SUP, expect=409)
    body = missing.json()
    assert (body["type"], body["errors"][0]["field"]) == ("https://gotong.id/problems/invalid-state-transition",
                                                          "signed_by")
    assert body["missing"] == [campus]
    await api.post(f"/v1/agreements/{a}/sign", {"signed_by": [gov, campus]}, headers=api.SUP, expect=200)
    frozen = await api.post(f"/v1/agreements/{a}/parties", {"partner_id": helix["industry"], "role": "implementer"},
                            expect=409)
    assert "only while it is a draft" in frozen.json()["detail"]
    again = await api.post(f"/v1/agreements/{a}/sign", {"signed_by": [gov, campus]}, headers=api.SUP, expect=409)
    assert again.json()["detail"] == "the agreement is signed; only a draft can be signed"
    await api.post(f"/v1/agreements/{a}/activate", {}, headers=api.SUP, expect=200)
    early = await api.post(f"/v1/agreements/{a}/end", {}, headers=api.SUP, expect=409)
    assert early.json()["errors"][0]["field"] == "effective_on"
    ended = await api.post(f"/v1/agreements/{a}/end", {"effective_on": api.day(700)}, headers=api.SUP, expect=200)
    assert (ended.json()["status"], ended.json()["previous_status"]) == ("ended", "active")
    over = await api.post(f"/v1/agreements/{a}/terminate", {"reason": "sudah berakhir"}, headers=api.SUP, expect=409)
    assert over.json()["detail"].startswith("the agreement is ended")
    listed = await api.get("/v1/agreements", status="ended")
    assert [x["id"] for x in listed["items"]] == [a]
    shown = await api.get(f"/v1/agreements/{a}")
    assert {p["strand"] for p in shown["parties"]} == {"government", "campus"}


async def test_contributions_committed_vs_delivered_per_partner(api, helix):
    p, gov, campus = helix["project"], helix["gov"], helix["campus"]
    money = await api.post(f"/v1/projects/{p}/contributions", {
        "partner_id": gov, "kind": "money", "description": "APBD 2026", "value_rupiah": 5_000_000_000}, expect=201)
    expertise = await api.post(f"/v1/projects/{p}/contributions", {
        "partner_id": campus, "kind": "expertise", "description": "Tim peneliti", "value_rupiah": 900_000_000,
        "quantity": 240, "unit": "person-days"}, expect=201)
    await api.post(f"/v1/projects/{p}/contributions/{money.json()['id']}/deliveries",
                   {"value_rupiah": 3_000_000_000, "evidence_sha256": api.sha("sp2d")}, expect=201)
    await api.post(f"/v1/projects/{p}/contributions/{expertise.json()['id']}/deliveries",
                   {"value_rupiah": 450_000_000, "quantity": 120}, expect=201)
    too_much = await api.post(f"/v1/projects/{p}/contributions/{money.json()['id']}/deliveries",
                              {"value_rupiah": 2_000_000_001}, expect=409)
    assert too_much.json()["errors"][0]["field"] == "value_rupiah"
    rows = {r["name"]: r for r in await api.get(f"/v1/projects/{p}/contributions")}
    assert rows["Pemerintah Kota Surabaya"]["committed_rupiah"] == 5_000_000_000
    assert rows["Pemerintah Kota Surabaya"]["delivered_rupiah"] == 3_000_000_000
    assert rows["Pemerintah Kota Surabaya"]["delivered_share"] == 0.6
    assert rows["Institut Teknologi Sepuluh Nopember"]["by_kind"]["expertise"]["delivered_rupiah"] == 450_000_000
    assert rows["PT Daur Ulang Nusantara"]["committed_rupiah"] == 0
    stranger = await api.partner("Universitas Airlangga", "campus", "university")
    outsider = await api.post(f"/v1/projects/{p}/contributions", {
        "partner_id": stranger, "kind": "expertise", "description": "Dosen tamu", "value_rupiah": 1}, expect=409)
    assert outsider.json()["errors"][0]["field"] == "partner_id"


async def test_overdue_milestones_as_of_a_date_and_flagged_once(api, helix, client):
    p = helix["project"]
    late = (await api.post(f"/v1/projects/{p}/milestones", {"title": "Pemasangan mesin", "due_on": api.day(-3)},
                           expect=201)).json()
    await api.post(f"/v1/projects/{p}/milestones", {"title": "Uji coba", "due_on": api.day(30)}, expect=201)
    overdue = await api.get("/v1/milestones/overdue")
    assert [(m["title"], m["days_overdue"]) for m in overdue] == [("Pemasangan mesin", 3)]
    assert await api.get("/v1/milestones/overdue", as_of=api.day(-3)) == [], "not late on its due date"
    assert len(await api.get("/v1/milestones/overdue", as_of=api.day(31))) == 2
    assert await api.get("/v1/milestones/overdue", region="32") == []
    first = await api.post("/v1/checks/overdue", expect=200)
    assert [f["milestone_id"] for f in first.json()["flagged"]] == [late["id"]]
    second = await api.post("/v1/checks/overdue", expect=200)
    assert second.json()["flagged"] == [], "a milestone is flagged (and published) once"
    async with client.app.state.engine.connect() as conn:
        changes = (await conn.execute(text(
            "SELECT data->>'change', (data->>'milestones_overdue')::int FROM events WHERE event_type = "
            "'ProjectChanged' AND data->>'project_id' = :p ORDER BY position"), {"p": p})).all()
    assert changes[-1] == ("milestone_overdue", 1)
    view = await api.get(f"/v1/projects/{p}")
    assert {m["title"]: m["state"] for m in view["milestones"]} == {"Pemasangan mesin": "overdue", "Uji coba": "due"}
    done = await api.post(f"/v1/projects/{p}/milestones/{late['id']}/complete",
                          {"evidence": {"url": "https://surabaya.go.id/tpst/laporan-pemasangan.pdf"}}, expect=200)
    assert done.json()["done_on"] == api.day(0)
    open_left = await api.post(f"/v1/projects/{p}/complete", {"summary": "TPST beroperasi"}, expect=409)
    assert "Uji coba" in open_left.json()["detail"]


async def test_kpis_and_outcomes(api, helix):
    p = helix["project"]
    await api.post(f"/v1/projects/{p}/kpis", {"code": "sampah_diolah", "name": "Sampah diolah", "unit": "ton/hari",
                                              "baseline": 0, "target": 100}, expect=201)
    kpi = await api.post(f"/v1/projects/{p}/kpis/sampah_diolah/measurements", {"value": 65}, expect=201)
    assert (kpi.json()["actual"], kpi.json()["progress"]) == (65, 0.65)
    unknown = await api.post(f"/v1/projects/{p}/kpis/nope/measurements", {"value": 1}, expect=404)
    assert unknown.json()["errors"][0]["field"] == "code"
    await api.post(f"/v1/projects/{p}/outcomes", {"statement": "Sampah ke TPA turun 12% dalam setahun"}, expect=201)
    await api.post(f"/v1/projects/{p}/complete", {"summary": "Selesai sesuai rencana"}, expect=200)
    closed = await api.post(f"/v1/projects/{p}/kpis/sampah_diolah/measurements", {"value": 70}, expect=409)
    assert closed.json()["errors"][0]["field"] == "status"


async def test_deactivating_a_partner_removes_its_strand(api, helix, client):
    await api.post(f"/v1/partners/{helix['campus']}/deactivate", {"reason": "kerja sama dihentikan"}, expect=200)
    check = await api.get(f"/v1/projects/{helix['project']}/helix")
    assert check["reasons"] == ["Institut Teknologi Sepuluh Nopember (campus) is inactive"]
    join = await api.post(f"/v1/projects/{helix['project']}/partners",
                          {"partner_id": helix["campus"], "role": "implementer"}, expect=409)
    assert join.json()["errors"][0]["field"] == "partner_id"
    await api.post(f"/v1/partners/{helix['campus']}/deactivate", {"reason": "lagi"}, expect=409)
    await api.post(f"/v1/partners/{helix['campus']}/reactivate", expect=200)
    await api.post(f"/v1/partners/{helix['campus']}/reactivate", expect=409)
    assert (await api.get(f"/v1/projects/{helix['project']}/helix"))["complete"] is True
    assert [e["status"] for e in await published(client, "PartnerStatusChanged", "partner_id", helix["campus"])] == [
        "inactive", "active"]
    changes = await published(client, "ProjectChanged", "project_id", helix["project"])
    assert [(e["change"], e["helix_missing"]) for e in changes[1:]] == [
        ("partner_inactive", ["campus"]), ("partner_active", [])]


async def test_network_shows_who_works_with_whom_per_region(api, helix):
    bandung = await api.partner("Institut Teknologi Bandung", "campus", "institute", "32.73")
    jabar = await api.partner("Pemerintah Provinsi Jawa Barat", "government", "pemprov", "32")
    await api.project([(jabar, "regulator"), (bandung, "riset")], [], region="32", title="Desa Digital")
    east = await api.get("/v1/network", region="35")
    assert {n["label"] for n in east["nodes"]} == {"Pemerintah Kota Surabaya", "Institut Teknologi Sepuluh Nopember",
                                                    "PT Daur Ulang Nusantara", "TPST Berbasis Teknologi"}
    participates = [e for e in east["edges"] if e["type"] == "participates"]
    assert {e["source"] for e in participates} == {helix["gov"], helix["campus"], helix["industry"]}
    collaborates = [e for e in east["edges"] if e["type"] == "collaborates"]
    assert len(collaborates) == 3
    assert all(e["projects"] == [helix["project"]] for e in collaborates)
    assert all(e["agreements"] == [{"id": helix["mou"], "title": "MoU Kolaborasi", "status": "active"}]
               for e in collaborates)
    everywhere = await api.get("/v1/network")
    assert sum(n["type"] == "project" for n in everywhere["nodes"]) == 2
    west = await api.get("/v1/network", region="32")
    assert [n["helix_complete"] for n in west["nodes"] if n["type"] == "project"] == [False]
