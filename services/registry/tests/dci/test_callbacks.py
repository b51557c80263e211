"""Callbacks never go to loopback, link-local/metadata or private addresses — not when a client registered
such an origin, not when `sender_uri` names one — and never to an origin the client did not register.
Only the local test server, registered through the tests-only setting, is reachable on 127.0.0.1."""

import pytest

from registry.dci.adapters.callbacks import CallbackPolicy, CallbackRefused
from registry.dci.adapters.clients import ClientConfig, DciClient

from .conftest import METADATA, SOCIAL, Ministry
from .helpers import refusal, search_message

ASYNC = "/dci/registry/search"
QUERY = {"poverty_score": {"$le": 4}}


async def _refused(client, ministry: Ministry, sender_uri: str | None) -> dict:
    body = ministry.envelope("search", search_message("expression", QUERY), sender_uri=sender_uri)
    r = await client.post(ASYNC, headers=ministry.headers, json=body)
    out = refusal(r, 400)
    assert out["code"] == "err.sender_uri.invalid"
    assert out["message"].startswith("header.sender_uri: ")
    return out


async def test_registered_but_internal_sender_uri_is_refused(client, callbacks):
    for uri in ("http://127.0.0.1:9/cb", "https://10.1.2.3/cb", "https://localhost/cb"):
        out = await _refused(client, METADATA, uri)
        assert "loopback, private, link-local" in out["message"] or "https only" in out["message"]
    assert not callbacks.received


async def test_registered_metadata_callback_base_is_refused(client, callbacks):
    out = await _refused(client, METADATA, None)  # callback_base is http://169.254.169.254/latest
    assert "callback refused" in out["message"]
    async with client.app.state.engine.connect() as conn:
        queued = (await conn.exec_driver_sql("SELECT count(*) FROM dci_outbox")).scalar()
        transactions = (await conn.exec_driver_sql("SELECT count(*) FROM dci_transactions")).scalar()
    assert queued == 0
    assert transactions == 0


async def test_sender_uri_outside_registered_origins_is_refused(client, callbacks):
    for uri in ("http://169.254.169.254/latest/meta-data", "http://127.0.0.1:9/x", "http://10.0.0.5/x",
                "https://evil.example/x"):
        out = await _refused(client, SOCIAL, uri)
        assert "not registered" in out["message"]
    assert not callbacks.received


async def test_sender_uri_on_the_registered_test_origin_is_called(client, callbacks):
    uri = f"{callbacks.origin}/elsewhere/on-search"
    body = SOCIAL.envelope("search", search_message("expression", QUERY), sender_uri=uri)
    r = await client.post(ASYNC, headers=SOCIAL.headers, json=body)
    assert r.status_code == 200, r.text
    [answer] = await callbacks.wait_for("/elsewhere/on-search")
    assert answer["header"]["action"] == "on-search"


def _client(*origins: str) -> DciClient:
    return DciClient.from_config(ClientConfig.model_validate({
        "client_id": "c", "keys": [{"public_key": SOCIAL.public_key()}], "callback_origins": list(origins)}))


@pytest.mark.parametrize("url", ["http://127.0.0.1/x", "https://127.0.0.1/x", "https://169.254.169.254/x",
                                 "https://10.0.0.1/x", "https://192.168.1.1/x", "https://172.16.0.1/x",
                                 "https://100.64.0.1/x", "https://[::1]/x", "https://[::ffff:127.0.0.1]/x",
                                 "https://[fe80::1]/x", "https://0.0.0.0/x", "https://localhost/x"])
async def test_policy_refuses_every_non_public_address_even_when_registered(url):
    policy = CallbackPolicy()
    with pytest.raises(CallbackRefused):
        await policy.check(_client(url), url)


async def test_policy_checks_origin_scheme_and_credentials():
    policy = CallbackPolicy()
    with pytest.raises(CallbackRefused, match="not registered"):
        policy.registered(_client("https://a.example"), "https://b.example/x")
    with pytest.raises(CallbackRefused, match="https only"):
        policy.registered(_client("http://a.example"), "http://a.example/x")
    with pytest.raises(CallbackRefused, match="credentials"):
        policy.registered(_client("https://a.example"), "https://user:pw@a.example/x")
    assert policy.registered(_client("https://a.example:443"), "https://a.example/cb") == "https://a.example/cb"
    assert await policy.addresses("https://8.8.8.8/cb")  # a public address literal passes
    test_only = CallbackPolicy(["http://127.0.0.1:8999"])
    assert await test_only.check(_client("http://127.0.0.1:8999"), "http://127.0.0.1:8999/cb") == \
        "http://127.0.0.1:8999/cb"
    with pytest.raises(CallbackRefused):  # only that exact origin
        await test_only.check(_client("http://127.0.0.1:9000"), "http://127.0.0.1:9000/cb")


async def test_sync_calls_ignore_sender_uri_and_call_nothing(client, callbacks):
    body = SOCIAL.envelope("search", search_message("expression", QUERY),
                           sender_uri="http://169.254.169.254/latest/meta-data")
    r = await client.post("/dci/registry/sync/search", headers=SOCIAL.headers, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["header"]["action"] == "on-search"
    async with client.app.state.engine.connect() as conn:
        assert (await conn.exec_driver_sql("SELECT count(*) FROM dci_outbox")).scalar() == 0
    assert not callbacks.received
