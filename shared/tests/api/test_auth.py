"""Bearer JWTs verified against JWKS keys, scopes per endpoint, clear 401/403 with RFC 6750 challenges."""

import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from gotong.api import auth
from gotong.api.auth import JWKSVerifier

from .conftest import ISSUER, bearer, token


async def test_missing_token_is_401_with_a_bare_bearer_challenge(client):
    r = await client.get("/things")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer ")
    assert "error=" not in r.headers["www-authenticate"], "RFC 6750 §3.1: no error code without credentials"


async def test_other_schemes_are_invalid_request(client):
    r = await client.get("/things", headers={"Authorization": "Basic b3BzOnNlY3JldA=="})
    assert r.status_code == 401
    assert 'error="invalid_request"' in r.headers["www-authenticate"]


async def test_expired_wrong_issuer_forged_and_garbage_tokens_are_401(client):
    cases = {"expired": token(exp=int(time.time()) - 120),
             "issuer": token(issuer="https://evil.test"),
             "signature": token(key=Ed25519PrivateKey.generate()),
             "garbage": "not.a.jwt",
             "unknown key": token(kid="nobody-knows")}
    for why, raw in cases.items():
        r = await client.get("/things", headers={"Authorization": f"Bearer {raw}"})
        assert r.status_code == 401, why
        assert 'error="invalid_token"' in r.headers["www-authenticate"], why


async def test_clock_skew_of_30_seconds_is_tolerated(client):
    just_expired = token(exp=int(time.time()) - 10)
    r = await client.get("/things", headers={"Authorization": f"Bearer {just_expired}"})
    assert r.status_code == 200


async def test_missing_scope_is_403_naming_it(client, engine):
    r = await client.post("/things", headers=bearer("things:read"), json={"title": "a", "amount": 1})
    assert r.status_code == 403
    assert r.json()["missing_scopes"] == ["things:write"]
    assert "things:write" in r.json()["detail"]
    assert r.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="things:write"'
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM events"))).scalar_one() == 0


async def test_valid_token_with_scope_passes(client):
    r = await client.get("/things", headers=bearer("things:read"))
    assert r.status_code == 200
    assert r.json()["items"][:3] == [1, 2, 3]


@pytest.mark.parametrize("settings_overrides", [{"auth_required": False}])
async def test_without_auth_required_callers_are_anonymous_with_every_scope(client, engine):
    r = await client.post("/things", json={"title": "a", "amount": 1})
    assert r.status_code == 201
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT actor FROM events"))).scalar_one() == "anonymous"


def _jwk(private, kid: str) -> dict:
    algorithm = {rsa.RSAPrivateKey: jwt.algorithms.RSAAlgorithm,
                 ec.EllipticCurvePrivateKey: jwt.algorithms.ECAlgorithm,
                 Ed25519PrivateKey: jwt.algorithms.OKPAlgorithm}
    for kind, alg in algorithm.items():
        if isinstance(private, kind):
            return {**json.loads(alg.to_jwk(private.public_key())), "kid": kid, "use": "sig"}
    raise AssertionError(private)


class JwksServer:
    """A JWKS endpoint behind httpx.MockTransport that counts how often it is asked."""

    def __init__(self, keys: dict) -> None:
        self.keys = keys
        self.fetches = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        return httpx.Response(200, json={"keys": [_jwk(k, kid) for kid, k in self.keys.items()]})


KEYS = {"rsa": (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
        "ec": (ec.generate_private_key(ec.SECP256R1()), "ES256"),
        "ed": (Ed25519PrivateKey.generate(), "EdDSA")}


async def test_jwks_verifier_accepts_rs256_es256_and_eddsa_and_checks_audience():
    server = JwksServer({kid: key for kid, (key, _) in KEYS.items()})
    async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as http:
        verifier = JWKSVerifier("https://idp.test/jwks", issuer=ISSUER, audience="gotong", client=http)
        for kid, (key, alg) in KEYS.items():
            raw = token("a:b", key=key, kid=kid, algorithm=alg, aud="gotong", client_id="c-1")
            principal = await verifier.verify(raw)
            seen = (principal.subject, principal.client_id, principal.scopes)
            assert seen == ("ops-1", "c-1", {"a:b"}), kid
        with pytest.raises(auth.Unauthorized):
            await verifier.verify(token(key=KEYS["ed"][0], kid="ed", aud="someone-else"))
        # An HS256 token naming an EdDSA key id: the key's own algorithm is the only one accepted.
        with pytest.raises(auth.Unauthorized):
            await verifier.verify(token(kid="ed", key="x" * 32, algorithm="HS256", aud="gotong"))
    assert server.fetches == 1, "keys are cached by kid"


async def test_unknown_kid_refetches_at_most_once_per_30_seconds(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    first, rotated = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    server = JwksServer({"k1": first})
    async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as http:
        verifier = JWKSVerifier("https://idp.test/jwks", issuer=ISSUER, client=http)
        await verifier.verify(token(key=first, kid="k1"))
        server.keys["k2"] = rotated
        for _ in range(5):  # a flood of unknown key ids within 30 s costs no fetch
            with pytest.raises(auth.Unauthorized):
                await verifier.verify(token(key=rotated, kid="k2"))
        assert server.fetches == 1
        clock[0] += 31
        principal = await verifier.verify(token(key=rotated, kid="k2"))
    assert principal.subject == "ops-1"
    assert server.fetches == 2
