"""The cross-enterprise impact report queue: versions waiting for review across every enterprise, oldest first,
filtered by region, enterprise and period, paged by cursor; a reviewed version leaves the queue; bad filters and
cursors are refused naming the field."""

from uuid import UUID

from gotong.api.pagination import encode_cursor

from .test_enterprise_flow import METRICS, OPS, REVIEWER, active, auth, client, problem  # noqa: F401 (fixture)

TIME = "2026-01-01T00:00:00+00:00"


async def submit(client, eid, period):  # noqa: F811
    r = await client.post(f"/v1/enterprises/{eid}/reports", headers=OPS, json={"period": period, "metrics": METRICS})
    assert r.status_code == 201, r.text


async def test_reports_waiting_for_review_across_enterprises(client):  # noqa: F811
    bandung = await active(client, "8120001111111")
    surabaya = await active(client, "8120002222222", name="CV Tenun Surabaya", legal_form="cv", region_code="35.78")
    await submit(client, bandung, "2026-Q1")
    await submit(client, surabaya, "2026-Q1")
    await submit(client, bandung, "2026-Q2")

    r = await client.get("/v1/enterprises/reports", headers=OPS, params={"status": "submitted"})
    assert r.status_code == 200, r.text
    queue = [(x["enterprise_id"], x["period"], x["version"]) for x in r.json()["items"]]
    assert queue == [(bandung, "2026-Q1", 1), (surabaya, "2026-Q1", 1), (bandung, "2026-Q2", 1)]
    assert r.json()["items"][1]["enterprise_name"] == "CV Tenun Surabaya"

    east = await client.get("/v1/enterprises/reports", headers=OPS, params={"status": "submitted", "region": "35"})
    assert [x["enterprise_id"] for x in east.json()["items"]] == [surabaya]
    one = await client.get("/v1/enterprises/reports", headers=OPS, params={"enterprise_id": bandung,
                                                                           "period": "2026-Q2"})
    assert [(x["period"], x["status"]) for x in one.json()["items"]] == [("2026-Q2", "submitted")]

    first = await client.get("/v1/enterprises/reports", headers=OPS, params={"status": "submitted", "limit": 2})
    assert len(first.json()["items"]) == 2
    rest = await client.get("/v1/enterprises/reports", headers=OPS,
                            params={"status": "submitted", "limit": 2, "cursor": first.json()["next_cursor"]})
    assert [x["enterprise_id"] for x in rest.json()["items"]] == [bandung]
    assert rest.json()["next_cursor"] is None

    accepted = await client.post(f"/v1/enterprises/{bandung}/reports/2026-Q1/versions/1/accept", headers=REVIEWER)
    assert accepted.status_code == 200, accepted.text
    r = await client.get("/v1/enterprises/reports", headers=OPS, params={"status": "submitted"})
    assert [(x["enterprise_id"], x["period"]) for x in r.json()["items"]] == [(surabaya, "2026-Q1"),
                                                                              (bandung, "2026-Q2")]


async def test_bad_queue_filters_name_the_field(client):  # noqa: F811
    for params, field in (({"status": "waiting"}, "query.status"), ({"region": "jawa"}, "query.region"),
                          ({"period": "2026-Q5"}, "period"), ({"enterprise_id": "x"}, "query.enterprise_id"),
                          ({"cursor": "WyJ4Il0"}, "cursor"),
                          ({"cursor": encode_cursor([TIME, str(UUID(int=0)), 2**40])}, "cursor")):
        problem(await client.get("/v1/enterprises/reports", headers=OPS, params=params), 422, field)
    problem(await client.get("/v1/enterprises/reports", headers=auth("x", "csr-ledger:read")), 403)
