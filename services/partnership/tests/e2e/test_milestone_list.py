"""Milestones across partnerships, paged by cursor: overdue ones (open past due, as of a date, in running
projects) by region and project, open and done ones; bad filters and cursors are refused naming the field."""

from __future__ import annotations


async def plan(api, project: str, title: str, days: int) -> str:
    r = await api.post(f"/v1/projects/{project}/milestones", {"title": title, "due_on": api.day(days)}, expect=201)
    return str(r.json()["id"])


async def test_overdue_milestones_across_projects_paged_and_filtered(api, helix):
    other = await api.project([(helix["gov"], "regulator")], [], region="32.73", title="Bank Sampah Bandung")
    late = await plan(api, helix["project"], "Desain", -10)
    later = await plan(api, other, "Survei lokasi", -5)
    latest = await plan(api, helix["project"], "Uji coba", -1)
    await plan(api, helix["project"], "Operasi", 30)
    done = await plan(api, other, "Perizinan", -20)
    await api.post(f"/v1/projects/{other}/milestones/{done}/complete",
                   {"evidence": {"url": "https://example.org/izin.pdf"}}, expect=200)

    overdue = await api.get("/v1/milestones", state="overdue")
    assert [m["milestone_id"] for m in overdue["items"]] == [late, later, latest]
    assert [m["days_overdue"] for m in overdue["items"]] == [10, 5, 1]
    assert overdue["items"][1]["project_title"] == "Bank Sampah Bandung"
    assert overdue["next_cursor"] is None

    assert [m["milestone_id"] for m in (await api.get("/v1/milestones", state="overdue", region="32"))["items"]] \
        == [later]
    assert [m["milestone_id"] for m in (await api.get("/v1/milestones", state="overdue",
                                                      project_id=helix["project"]))["items"]] == [late, latest]
    assert [m["milestone_id"] for m in (await api.get("/v1/milestones", state="done"))["items"]] == [done]
    assert len((await api.get("/v1/milestones", state="open"))["items"]) == 4
    # as of an earlier day, fewer are late
    assert [m["milestone_id"] for m in (await api.get("/v1/milestones", state="overdue",
                                                      as_of=api.day(-6)))["items"]] == [late]

    first = await api.get("/v1/milestones", state="overdue", limit=2)
    rest = await api.get("/v1/milestones", state="overdue", limit=2, cursor=first["next_cursor"])
    assert [m["milestone_id"] for m in first["items"] + rest["items"]] == [late, later, latest]
    assert rest["next_cursor"] is None


async def test_bad_milestone_filters_name_the_field(api, client):
    for params, field in (({"state": "late"}, "query.state"), ({"region": "jatim"}, "query.region"),
                          ({"as_of": "kemarin"}, "query.as_of"), ({"project_id": "x"}, "query.project_id"),
                          ({"cursor": "WzFd"}, "cursor"), ({"cursor": "WyIyMDI2LTAxLTAxIiw1LCJ4Il0"}, "cursor")):
        r = await client.get("/v1/milestones", params=params, headers=api.OPS)
        assert r.status_code == 422, (params, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in r.json()["errors"]], r.json()
    r = await client.get("/v1/milestones", headers=api.READER)
    assert r.status_code == 200
