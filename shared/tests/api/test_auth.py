"""Bearer JWTs verified against JWKS keys, scopes per endpoint; the local token server speaks OAuth2."""

import base64
import time

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gotong.api.auth import JWKSVerifier
from gotong.api.token_server import ClientConfig, create_token_app, hash_secret

from .conftest import bearer, token


async def test_missing_token_is_401_with_a_bearer_challenge(client):
    r = await client.get("/things")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["type"].endswith("/unauthorized")


async def test_expired_wrong_issuer_and_forged_tokens_are_401(client):
    expired = {"Authorization": f"Bearer {token(exp=int(time.time()) - 120)}"}
    wrong_issuer = {"Authorization": f"Bearer {token(issuer='https://evil.test')}"}
    forged = {"Authorization": f"Bearer {token(key=Ed25519PrivateKey.generate())}"}
    for headers, why in ((expired, "expired"), (wrong_issuer, "issuer"), (forged, "signature")):
        r = await client.get("/things", headers=headers)
        assert r.status_code == 401, why
        assert 'error="invalid_token"' in r.headers["www-authenticate"]


async def test_missing_scope_is_403_naming_it(client):
    r = await client.post("/things", headers=bearer("things:read"), json={"title": "a", "amount": 1})
    assert r.status_code == 403
    assert r.json()["missing_scopes"] == ["things:write"]
    assert 'scope="things:write"' in r.headers["www-authenticate"]


async def test_valid_token_with_scope_passes(client):
    r = await client.get("/things", headers=bearer("things:read"))
    assert r.status_code == 200
    assert r.json()["items"][:3] == [1, 2, 3]


async def test_token_server_client_credentials_round_trip(tmp_path):
    clients = [ClientConfig(client_id="kemensos", secret_sha256=hash_secret("s3cret-kemensos"),
                            scopes=["registry:search", "registry:read"])]
    issuer = "http://auth.local"
    token_app = create_token_app(clients, tmp_path / "auth" / "key.pem", issuer)
    assert (tmp_path / "auth" / "key.pem").stat().st_mode & 0o777 == 0o600
    transport = httpx.ASGITransport(app=token_app)
    async with httpx.AsyncClient(transport=transport, base_url=issuer) as http:
        basic = base64.b64encode(b"kemensos:s3cret-kemensos").decode()
        r = await http.post("/oauth2/token", data={"grant_type": "client_credentials", "scope": "registry:search"},
                            headers={"Authorization": f"Basic {basic}"})
        assert r.status_code == 200
        assert r.json()["token_type"] == "Bearer"
        assert r.headers["cache-control"] == "no-store"
        access = r.json()["access_token"]
        verifier = JWKSVerifier(f"{issuer}/.well-known/jwks.json", issuer=issuer, client=http)
        principal = await verifier.verify(access)
        assert principal.subject == "kemensos"
        assert principal.scopes == frozenset({"registry:search"})

        wrong = await http.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": "kemensos",
                                                        "client_secret": "nope"})
        assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
        greedy = await http.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": "kemensos",
                                                         "client_secret": "s3cret-kemensos", "scope": "registry:erase"})
        assert (greedy.status_code, greedy.json()["error"]) == (400, "invalid_scope")
        grant = await http.post("/oauth2/token", data={"grant_type": "password"})
        assert grant.json()["error"] == "unsupported_grant_type"
    # The key is kept: a restarted token server signs with the same key id.
    again = create_token_app(clients, tmp_path / "auth" / "key.pem", issuer)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=again), base_url=issuer) as http:
        assert (await http.get("/.well-known/jwks.json")).json()["keys"][0]["kid"] == \
            principal_kid(access)


def principal_kid(access: str) -> str:
    import jwt

    return jwt.get_unverified_header(access)["kid"]
