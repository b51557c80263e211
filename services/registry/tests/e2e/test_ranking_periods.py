"""A ranking run is of a quarter that has begun, in the register's lifetime: a future or pre-register date is
refused naming `on` (a "2563-Q3" snapshot outranked every real quarter and gave households a future desil)."""

from datetime import date, timedelta

from .conftest import OPS
from .test_households import register, sample


async def test_future_and_pre_register_dates_are_refused_and_change_nothing(client):
    out = await register(client, sample(seed=41)[0])
    for bad, words in (("2563-07-01", "has not come yet"), ((date.today() + timedelta(days=1)).isoformat(),
                                                            "has not come yet"), ("2019-01-01", "before the register")):
        r = await client.post("/v1/rankings", params={"on": bad}, headers=OPS)
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == "on"
        assert words in r.json()["detail"]
    view = (await client.get(f"/v1/households/{out['household_ref']}", headers=OPS)).json()
    assert view["desil"] is None, "no refused run ranked anyone"
    ok = await client.post("/v1/rankings", params={"on": date.today().isoformat()}, headers=OPS)
    assert ok.status_code == 200, ok.text
    quarter = (date.today().month - 1) // 3 + 1
    assert ok.json()["snapshot"] == f"{date.today().year}-Q{quarter}"
