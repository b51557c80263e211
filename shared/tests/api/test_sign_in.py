"""People sign in to the local token server with authorization code + PKCE (S256); a service verifies the
resulting token through the JWKS like any other, with the scopes of the person's role."""

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from gotong.api.auth import JWKSVerifier
from gotong.api.authorize import CODE_TTL_S, PublicClient, check_password, hash_password, parse_users
from gotong.api.token_server import create_token_app

ISSUER = "http://auth.local"
CALLBACK = "http://console.local/auth/callback"
PASSWORDS = {"ani": "operator-pw-1", "budi": "supervisor-pw-1", "citra": "supervisor-pw-2"}
USERS = parse_users([
    {"username": "ani", "name": "Ani Operator", "password_hash": hash_password(PASSWORDS["ani"]),
     "roles": ["operator"]},
    {"username": "budi", "name": "Budi Supervisor", "password_hash": hash_password(PASSWORDS["budi"]),
     "roles": ["supervisor"]},
    {"username": "citra", "name": "Citra Supervisor", "password_hash": hash_password(PASSWORDS["citra"]),
     "roles": ["supervisor"]}])
ROLE_SCOPES = {"operator": ["things:read", "things:write"],
               "supervisor": ["things:read", "things:write", "things:approve"], "auditor": ["things:read"]}


@pytest.fixture
def token_app(tmp_path):
    return create_token_app([], tmp_path / "key.pem", ISSUER, ["gotong-things"], users=USERS,
                            public_clients=[PublicClient(client_id="ops-console", redirect_uris=[CALLBACK])],
                            role_scopes=ROLE_SCOPES)


@pytest.fixture
async def idp(token_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=token_app), base_url=ISSUER) as c:
        yield c


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize_params(challenge: str, **extra: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": "ops-console", "redirect_uri": CALLBACK, "state": "st-1",
            "code_challenge": challenge, "code_challenge_method": "S256", "scope": "openid", "nonce": "n-1",
            **extra}


async def sign_in(idp, user: str, password: str, challenge: str) -> httpx.Response:
    form = await idp.get("/oauth2/authorize", params=authorize_params(challenge))
    assert form.status_code == 200, form.text
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.text))
    return await idp.post("/oauth2/authorize", data={**fields, "username": user, "password": password})


def code_of(r: httpx.Response) -> str:
    assert r.status_code == 303, r.text
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert r.headers["location"].startswith(CALLBACK + "?")
    assert query["state"] == ["st-1"]
    return query["code"][0]


async def exchange(idp, code: str, verifier: str, **extra: str) -> httpx.Response:
    return await idp.post("/oauth2/token", data={"grant_type": "authorization_code", "code": code,
                                                 "redirect_uri": CALLBACK, "client_id": "ops-console",
                                                 "code_verifier": verifier, **extra})


async def test_a_person_signs_in_and_a_service_verifies_their_token_with_the_roles_scopes(idp):
    verifier, challenge = pkce()
    code = code_of(await sign_in(idp, "budi", PASSWORDS["budi"], challenge))
    r = await exchange(idp, code, verifier)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    tokens = r.json()
    verified = await JWKSVerifier(f"{ISSUER}/.well-known/jwks.json", issuer=ISSUER, audience="gotong-things",
                                  client=idp).verify(tokens["access_token"])
    assert verified.subject == "budi"
    assert verified.scopes == frozenset(ROLE_SCOPES["supervisor"])
    identity = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert (identity["aud"], identity["nonce"], identity["name"]) == ("ops-console", "n-1", "Budi Supervisor")
    discovery = (await idp.get("/.well-known/openid-configuration")).json()
    assert discovery["authorization_endpoint"] == f"{ISSUER}/oauth2/authorize"
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert "authorization_code" in discovery["grant_types_supported"]


async def test_a_code_works_once_only_with_its_verifier_and_not_after_a_minute(idp, token_app):
    verifier, challenge = pkce()
    code = code_of(await sign_in(idp, "ani", PASSWORDS["ani"], challenge))
    wrong = await exchange(idp, code, pkce()[0])
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    again = await exchange(idp, code, verifier)  # a failed exchange spends the code too
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")

    code = code_of(await sign_in(idp, "ani", PASSWORDS["ani"], challenge))
    elsewhere = await exchange(idp, code, verifier, redirect_uri="http://evil.local/cb")
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (400, "invalid_grant")

    flow = token_app.state.code_flow
    code = code_of(await sign_in(idp, "ani", PASSWORDS["ani"], challenge))
    now = flow.clock()
    flow.clock = lambda: now + CODE_TTL_S + 1
    late = await exchange(idp, code, verifier)
    assert (late.status_code, late.json()["error"]) == (400, "invalid_grant")


async def test_an_unregistered_return_address_is_refused_on_the_page_not_redirected(idp):
    _, challenge = pkce()
    r = await idp.get("/oauth2/authorize", params=authorize_params(challenge, redirect_uri="http://evil.local/cb"))
    assert r.status_code == 400
    assert "location" not in r.headers
    unknown = await idp.get("/oauth2/authorize", params=authorize_params(challenge, client_id="stranger"))
    assert unknown.status_code == 400
    no_pkce = await idp.get("/oauth2/authorize", params={**authorize_params(challenge),
                                                         "code_challenge_method": "plain"})
    assert no_pkce.status_code == 303
    assert parse_qs(urlsplit(no_pkce.headers["location"]).query)["error"] == ["invalid_request"]


async def test_wrong_passwords_a_forged_form_and_a_locked_name(idp):
    _, challenge = pkce()
    wrong = await sign_in(idp, "ani", "not-it", challenge)
    assert wrong.status_code == 401
    assert "Wrong user name or password" in wrong.text
    nobody = await sign_in(idp, "nobody", "x", challenge)
    assert nobody.status_code == 401  # the same answer: a user name is not confirmed
    forged = await idp.post("/oauth2/authorize", data={"client_id": "ops-console", "redirect_uri": CALLBACK,
                                                       "code_challenge": challenge, "csrf": "made-up",
                                                       "username": "ani", "password": PASSWORDS["ani"]})
    assert forged.status_code == 400
    for _ in range(4):
        await sign_in(idp, "ani", "guess", challenge)
    locked = await sign_in(idp, "ani", PASSWORDS["ani"], challenge)  # five failures: even the right one waits
    assert locked.status_code == 429
    assert "wait five minutes" in locked.text
    assert (await sign_in(idp, "budi", PASSWORDS["budi"], challenge)).status_code == 303  # others are not locked


def test_passwords_are_kept_as_salted_scrypt_and_roles_are_checked():
    stored = hash_password("rahasia")
    assert stored.startswith("scrypt$")
    assert "rahasia" not in stored
    assert stored != hash_password("rahasia")  # salted
    assert check_password("rahasia", stored)
    assert not check_password("Rahasia", stored)
    assert not check_password("rahasia", "md5$x$y")
    with pytest.raises(ValueError, match="unknown roles"):
        parse_users([{"username": "x1", "name": "X", "password_hash": stored, "roles": ["admin"]}])


async def test_the_sign_in_page_lets_its_form_lead_back_to_the_registered_app(idp):
    """Chromium applies form-action to the redirect after the POST: the app's origin must be allowed too."""
    _, challenge = pkce()
    form = await idp.get("/oauth2/authorize", params=authorize_params(challenge))
    policy = form.headers["content-security-policy"]
    assert "form-action 'self' http://console.local;" in policy
    assert "script-src" not in policy
    assert "default-src 'none'" in policy
