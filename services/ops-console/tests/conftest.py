"""The console against the real token server app (people sign in with authorization code + PKCE), a real
PostgreSQL database built by the console's migrations (the kit's `database_url`), and the real broker."""

import re
from urllib.parse import urlsplit

import httpx
import pytest

from gotong.api.authorize import PublicClient, hash_password, parse_users
from gotong.api.token_server import create_token_app
from ops_console.bootstrap import create_app
from ops_console.config import Settings

ISSUER = "http://auth.test"
CONSOLE = "https://console.test"
PASSWORDS = {"ani": "operator-pw-1", "budi": "supervisor-pw-1", "citra": "supervisor-pw-2", "dewi": "auditor-pw-1"}
ROLES = {"ani": "operator", "budi": "supervisor", "citra": "supervisor", "dewi": "auditor"}
NAMES = {"ani": "Ani Operator", "budi": "Budi Supervisor", "citra": "Citra Supervisor", "dewi": "Dewi Auditor"}
ROLE_SCOPES = {"operator": ["registry:read", "registry:verify", "registry:register", "registry:read-personal",
                             "disbursement:read", "disbursement:write"],
               "supervisor": ["registry:read", "registry:verify", "registry:approve", "disbursement:read",
                              "disbursement:write", "disbursement:approve"],
               "auditor": ["registry:read", "registry:audit"]}


@pytest.fixture
def schema_service():
    """Test databases hold the console's tables: the kit's plugin (`gotong.testing.plugin`) copies each from a
    template its migrations built once per run, as for every announced service."""
    return "ops-console"


@pytest.fixture
def passwords():
    return PASSWORDS


@pytest.fixture(name="token_app_for")
def token_app_for_fixture():
    return token_app_for


def token_app_for(key_path, callback: str, issuer: str = ISSUER):
    users = parse_users([{"username": u, "name": NAMES[u], "password_hash": hash_password(p), "roles": [ROLES[u]]}
                         for u, p in PASSWORDS.items()])
    return create_token_app([], key_path, issuer, ["gotong-registry", "gotong-disbursement"], users=users,
                            public_clients=[PublicClient(client_id="ops-console", redirect_uris=[callback])],
                            role_scopes=ROLE_SCOPES)


@pytest.fixture
def token_app(tmp_path):
    return token_app_for(tmp_path / "key.pem", CONSOLE + "/auth/callback")


@pytest.fixture
async def idp(token_app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=token_app), base_url=ISSUER) as c:
        yield c


#: Where no owning service listens (port 1: nothing does), unless a test names one: the defaults are the ports
#: `gotong up` serves on, and a system running beside the tests would answer them.
NOWHERE = {f"{owner}_url": "http://127.0.0.1:1"
           for owner in ("registry", "disbursement", "csr_ledger", "enterprise", "partnership")}


def console_settings(database_url: str, kafka_bootstrap: str, **extra) -> Settings:
    return Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, jwt_issuer=ISSUER,
                    console_public_url=CONSOLE, relay_enabled=False, dashboard_refresh_s=0.1,
                    **{**NOWHERE, **extra})


@pytest.fixture
def console_settings_for():
    return console_settings


@pytest.fixture
async def console(database_url, kafka_bootstrap, idp):
    """The console app, started, without its consumer (the dashboard tests start one), and a browser."""
    app = create_app(console_settings(database_url, kafka_bootstrap, consumers_enabled=False), oidc_http=idp)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=CONSOLE) as browser:
        browser.app = app
        yield browser


@pytest.fixture
def sign_in():
    return sign_in_as


async def sign_in_as(browser: httpx.AsyncClient, idp: httpx.AsyncClient, user: str,
                     password: str | None = None) -> httpx.Response:
    """A person's whole sign-in as a browser makes it; returns the console's answer to the callback."""
    r = await browser.get("/dashboard")
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/auth/sign-in")
    r = await browser.get(r.headers["location"])
    assert r.status_code == 303, r.text
    authorize = r.headers["location"]
    assert authorize.startswith(f"{ISSUER}/oauth2/authorize?")
    form = await idp.get(authorize)
    assert form.status_code == 200, form.text
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.text))
    r = await idp.post("/oauth2/authorize", data={**fields, "username": user,
                                                  "password": password or PASSWORDS[user]})
    assert r.status_code == 303, r.text
    back = urlsplit(r.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CONSOLE + "/auth/callback"
    return await browser.get(f"{back.path}?{back.query}")
