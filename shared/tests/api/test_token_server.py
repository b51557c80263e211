"""The local token server speaks OAuth2 client credentials; services verify its tokens through its JWKS."""

import base64
import json
from urllib.parse import quote_plus

import httpx
import jwt
import pytest

from gotong.api.auth import JWKSVerifier
from gotong.api.token_server import TOKEN_TTL_S, ClientConfig, create_token_app, hash_secret, load_clients

ISSUER = "http://auth.local"
SECRET = "s3cret:kemensos/+"  # characters that must be form-encoded inside Basic credentials
CLIENTS = [ClientConfig(client_id="kemensos", secret_sha256=hash_secret(SECRET),
                        scopes=["things:read", "things:write", "registry:search"])]


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.fixture
def token_app(tmp_path):
    return create_token_app(CLIENTS, tmp_path / "auth" / "key.pem", ISSUER)


async def test_client_credentials_token_is_verified_by_a_service_through_the_jwks(app, token_app, tmp_path):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=token_app), base_url=ISSUER) as idp:
        r = await idp.post("/oauth2/token", data={"grant_type": "client_credentials", "scope": "things:read"},
                           headers=basic("kemensos", SECRET))
        assert r.status_code == 200
        assert (r.json()["token_type"], r.json()["scope"]) == ("Bearer", "things:read")
        assert r.headers["cache-control"] == "no-store"
        access = r.json()["access_token"]
        header = jwt.get_unverified_header(access)
        claims = jwt.decode(access, options={"verify_signature": False})
        assert header["alg"] == "EdDSA"
        assert claims["exp"] - claims["iat"] == TOKEN_TTL_S == 900
        assert {"iss", "sub", "aud", "client_id", "scope"} <= set(claims)
        jwks = (await idp.get("/.well-known/jwks.json")).json()
        assert jwks["keys"][0]["kid"] == header["kid"]
        discovery = (await idp.get("/.well-known/openid-configuration")).json()
        assert discovery["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"

        app.state.token_verifier = JWKSVerifier(discovery["jwks_uri"], issuer=ISSUER, client=idp)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as svc:
            ok = await svc.get("/things", headers={"Authorization": f"Bearer {access}"})
            narrowed = await svc.post("/things", headers={"Authorization": f"Bearer {access}"},
                                      json={"title": "a", "amount": 1})
    assert ok.status_code == 200
    assert narrowed.status_code == 403, "the token was narrowed to things:read"


async def test_bad_secret_unknown_client_and_bad_requests_get_rfc6749_errors(token_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=token_app), base_url=ISSUER) as idp:
        form = {"grant_type": "client_credentials", "client_id": "kemensos", "client_secret": "nope"}
        wrong = await idp.post("/oauth2/token", data=form)
        unknown = await idp.post("/oauth2/token", data={**form, "client_id": "nobody"})
        greedy = await idp.post("/oauth2/token",
                                data={**form, "client_secret": SECRET, "scope": "registry:erase"})
        grant = await idp.post("/oauth2/token", data={"grant_type": "password"},
                               headers=basic("kemensos", SECRET))
        by_form = await idp.post("/oauth2/token", data={**form, "client_secret": SECRET})
    for r in (wrong, unknown):
        assert (r.status_code, r.json()["error"]) == (401, "invalid_client")
        assert r.headers["www-authenticate"].startswith("Basic")
        assert "access_token" not in r.json()
    assert (greedy.status_code, greedy.json()["error"]) == (400, "invalid_scope")
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    assert by_form.status_code == 200
    assert set(by_form.json()["scope"].split()) == set(CLIENTS[0].scopes), "no scope asked: all allowed ones"


def test_signing_key_is_private_and_kept_across_restarts(tmp_path):
    path = tmp_path / "auth" / "key.pem"
    create_token_app(CLIENTS, path, ISSUER)
    assert path.stat().st_mode & 0o777 == 0o600
    before = path.read_bytes()
    create_token_app(CLIENTS, path, ISSUER)
    assert path.read_bytes() == before


def test_clients_load_from_env_json_or_toml(tmp_path, monkeypatch):
    entry = {"client_id": "bappenas", "secret_sha256": hash_secret("x" * 32), "scopes": ["a:read"]}
    monkeypatch.delenv("GOTONG_AUTH_CLIENTS", raising=False)
    as_json = tmp_path / "clients.json"
    as_json.write_text(json.dumps([entry]))
    as_toml = tmp_path / "clients.toml"
    as_toml.write_text(f'[[clients]]\nclient_id = "bappenas"\nsecret_sha256 = "{entry["secret_sha256"]}"\n'
                       'scopes = ["a:read"]\n')
    assert load_clients(as_json)[0].client_id == "bappenas"
    assert load_clients(as_toml)[0].scopes == ["a:read"]
    assert load_clients(tmp_path / "missing.json") == []
    monkeypatch.setenv("GOTONG_AUTH_CLIENTS", json.dumps([{**entry, "client_id": "from-env"}]))
    assert [c.client_id for c in load_clients(as_json)] == ["from-env"]
    assert load_clients(as_json)[0].check("x" * 32)
    assert not load_clients(as_json)[0].check("y" * 32)


def test_a_plaintext_secret_is_not_a_valid_client_config():
    with pytest.raises(ValueError, match="secret_sha256"):
        ClientConfig(client_id="c", secret_sha256="hunter2", scopes=[])


async def test_a_service_refuses_a_token_issued_for_another_audience(app, tmp_path):
    token_app = create_token_app(CLIENTS, tmp_path / "auth" / "key.pem", ISSUER,
                                 audience=["gotong-things", "gotong-other"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=token_app), base_url=ISSUER) as idp:
        form = {"grant_type": "client_credentials"}
        both = await idp.post("/oauth2/token", data=form, headers=basic("kemensos", SECRET))
        other = await idp.post("/oauth2/token", data={**form, "audience": "gotong-other"},
                               headers=basic("kemensos", SECRET))
        by_resource = await idp.post("/oauth2/token", data={**form, "resource": "gotong-things"},
                                     headers=basic("kemensos", SECRET))
        stranger = await idp.post("/oauth2/token", data={**form, "audience": "another-app"},
                                  headers=basic("kemensos", SECRET))
        assert (stranger.status_code, stranger.json()["error"]) == (400, "invalid_target")
        claims = jwt.decode(both.json()["access_token"], options={"verify_signature": False})
        assert claims["aud"] == ["gotong-things", "gotong-other"], "no audience asked: every service's"
        app.state.token_verifier = JWKSVerifier(f"{ISSUER}/.well-known/jwks.json", issuer=ISSUER,
                                                audience="gotong-things", client=idp)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as svc:
            answers = {name: await svc.get("/things", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
                       for name, r in (("both", both), ("other", other), ("resource", by_resource))}
    assert answers["both"].status_code == 200
    assert answers["resource"].status_code == 200
    assert answers["other"].status_code == 401
    assert answers["other"].json()["detail"] == "token rejected"


def test_the_token_audience_defaults_to_the_service_and_production_must_name_it(monkeypatch):
    from gotong.settings import KitSettings

    monkeypatch.delenv("JWT_AUDIENCE", raising=False)
    local = KitSettings(service_name="registry")
    assert local.token_audience == "gotong-registry"
    production = KitSettings(service_name="registry", gotong_env="production")
    assert "JWT_AUDIENCE is not set" in production.production_problems()
    named = KitSettings(service_name="registry", gotong_env="production", jwt_audience="api://gotong-registry")
    assert named.token_audience == "api://gotong-registry"
    assert "JWT_AUDIENCE is not set" not in named.production_problems()
