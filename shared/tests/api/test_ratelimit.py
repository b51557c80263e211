"""Rate limits: a token bucket per client (verified subject, else address); 429, Retry-After, RateLimit."""

import httpx
import pytest

from gotong.api.ratelimit import TokenBuckets

from .conftest import KID, bearer, token

TIGHT = {"rate_limit_per_minute": 60, "rate_limit_burst": 2}


def test_bucket_refills_at_the_policy_rate():
    buckets = TokenBuckets(per_minute=60, capacity=2)
    assert buckets.take("a", now=0)[:2] == (True, 1)
    assert buckets.take("a", now=0)[:2] == (True, 0)
    allowed, remaining, retry_in = buckets.take("a", now=0)
    assert (allowed, remaining) == (False, 0)
    assert retry_in == pytest.approx(1.0)
    assert buckets.take("a", now=1.0)[0], "one token a second at 60 a minute"
    assert buckets.take("b", now=1.0)[0], "buckets are per client"


@pytest.mark.parametrize("settings_overrides", [TIGHT])
async def test_service_policy_gives_429_with_retry_after_and_ratelimit_headers(client):
    first = await client.get("/things", headers=bearer())
    assert first.status_code == 200
    assert first.headers["ratelimit-policy"] == '"default";q=60;w=60'
    assert first.headers["ratelimit"].startswith('"default";r=1;t=')
    await client.get("/things", headers=bearer())
    third = await client.get("/things", headers=bearer())
    assert third.status_code == 429
    assert third.headers["content-type"] == "application/problem+json"
    assert third.json()["type"].endswith("/too-many-requests")
    assert int(third.headers["retry-after"]) >= 1
    assert third.headers["ratelimit"].startswith('"default";r=0;t=')
    for path in ("/healthz", "/readyz", "/metrics"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert "ratelimit" not in r.headers, f"{path} is exempt"


@pytest.mark.parametrize("settings_overrides", [TIGHT])
async def test_clients_are_told_apart_by_verified_subject_not_by_token(client):
    for jti in ("t1", "t2"):  # a fresh token each time still spends the same subject's budget
        assert (await client.get("/things", headers=bearer(sub="ops-1", jti=jti))).status_code == 200
    assert (await client.get("/things", headers=bearer(sub="ops-1", jti="t3"))).status_code == 429
    assert (await client.get("/things", headers=bearer(sub="ops-2"))).status_code == 200


@pytest.mark.parametrize("settings_overrides", [TIGHT])
async def test_a_forged_token_cannot_spend_another_clients_budget(app, client):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = {"Authorization": f"Bearer {token(sub='ops-1', key=Ed25519PrivateKey.generate(), kid=KID)}"}
    other_address = httpx.ASGITransport(app=app, client=("10.0.0.9", 1234))
    async with httpx.AsyncClient(transport=other_address, base_url="http://t") as attacker:
        for _ in range(3):
            assert (await attacker.get("/things", headers=forged)).status_code in (401, 429)
    assert (await client.get("/things", headers=bearer(sub="ops-1"))).status_code == 200


async def test_route_policy_per_address_is_stricter_and_named(client):
    answers = [await client.get("/things/public") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert int(limited.headers["retry-after"]) >= 1
    assert '"public";q=6;w=60' in limited.headers["ratelimit-policy"]
    assert limited.headers["ratelimit"].startswith('"public";r=0;t=')
    assert limited.json()["type"].endswith("/too-many-requests")
