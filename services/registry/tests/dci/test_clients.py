"""DCI clients managed while the registry runs (admin API, scope `registry:dci-admin`): registered, refused once
revoked, a rotated key valid inside its overlap window and refused after it (a controllable clock), keys from a
JWKS URL, every change audited; callbacks wait for a client this instance does not know yet and stop only for a
revoked one; a sandbox client sees only the synthetic/test households."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gotong.adapters.sql import Database
from gotong.domain.clock import FixedClock
from gotong.testing.wait import eventually
from registry.dci.adapters.clients import DciClient
from registry.dci.adapters.directory import ClientDirectory, DciClients
from registry.dci.adapters.outbox import CallbackOutbox
from registry.dci.adapters.signature import public_jwk
from registry.dci.demo import with_sandbox

from .conftest import DCI_ADMIN, OPS, SOCIAL, Ministry
from .helpers import nik_query, refusal, register, search_message, verified_by_jwks

CLIENTS = "/v1/dci/clients"
SYNC = "/dci/registry/sync/search"


def _admin(key: str) -> dict[str, str]:
    return DCI_ADMIN | {"Idempotency-Key": f"{key}-{time.time_ns()}"}


def _entry(m: Ministry, **extra: Any) -> dict[str, Any]:
    return {"client_id": m.client_id, "sender_id": m.sender_id,
            "keys": [{"key_id": m.key_id, "public_key": m.public_key()}], **extra}


async def _search(client: Any, m: Ministry, **envelope: Any) -> Any:
    body = m.envelope("search", search_message("expression", {"poverty_score": {"$le": 4}}), **envelope)
    return await client.post(SYNC, headers=m.headers, json=body)


async def _outbox(client: Any, correlation_id: str) -> dict[str, Any]:
    async with Database(client.app.state.engine).read() as sql:
        row = await sql.fetchrow("SELECT status, attempts, last_error FROM dci_outbox WHERE correlation_id = $1",
                                 correlation_id)
    return dict(row) if row is not None else {}


async def test_a_client_registered_at_run_time_searches_and_is_refused_once_revoked(client, callbacks):
    pppa = Ministry("kemenpppa", "dci:search dci:subscribe")
    r = await client.post(CLIENTS, headers=OPS | {"Idempotency-Key": "no"}, json=_entry(pppa))
    assert r.status_code == 403  # officers may not onboard clients
    r = await client.post(CLIENTS, headers=_admin("add"), json=_entry(pppa, callback_base=f"{callbacks.origin}/pppa",
                                                                       scopes=["dci:search"]))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "active"
    assert r.json()["scopes"] == ["dci:search"]
    r = await _search(client, pppa)
    assert r.status_code == 200, r.text
    await verified_by_jwks(client, r.json())

    r = await client.post(CLIENTS, headers=_admin("again"), json=_entry(pppa))
    assert (r.status_code, r.json()["errors"][0]["field"]) == (409, "client_id")
    r = await client.post(f"{CLIENTS}/kemenpppa/revoke", headers=_admin("revoke"), json={"reason": "contract ended"})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["revoked_reason"]) == ("revoked", "contract ended")
    error = refusal(await _search(client, pppa), 403)
    assert error == {"code": "err.request.forbidden", "message": "this DCI client is revoked"}
    r = await client.post(f"{CLIENTS}/kemenpppa/revoke", headers=_admin("revoke-2"), json={"reason": "twice"})
    assert r.status_code == 409

    audit = (await client.get(f"{CLIENTS}/audit", params={"client_id": "kemenpppa"}, headers=DCI_ADMIN)).json()
    assert [(a["action"], a["actor"]) for a in audit] == [("add", "supervisor-1:supervisor-1"),
                                                          ("revoke", "supervisor-1:supervisor-1")]
    assert audit[1]["details"] == {"reason": "contract ended"}
    assert datetime.fromisoformat(audit[0]["at"]) <= datetime.fromisoformat(audit[1]["at"])
    listed = {c["client_id"]: c for c in (await client.get(CLIENTS, headers=DCI_ADMIN)).json()}
    assert listed["kemenpppa"]["status"] == "revoked"
    assert listed["kemensos"]["status"] == "active"  # seeded from DCI_CLIENTS
    seeded = (await client.get(f"{CLIENTS}/audit", params={"client_id": "kemensos"}, headers=DCI_ADMIN)).json()
    assert [(a["action"], a["actor"]) for a in seeded] == [("seed", "settings:DCI_CLIENTS")]


async def test_bad_registrations_name_the_field(client):
    m = Ministry("kemenag", "dci:search")
    cases = [({**_entry(m), "keys": [{"public_key": "bm90IGEga2V5"}]}, "keys.0.public_key"),
             ({**_entry(m), "keys": [{"public_key": {"kty": "RSA", "n": "x", "e": "AQAB"}}]}, "keys.0.public_key"),
             ({**_entry(m), "keys": []}, "keys"),
             ({**_entry(m), "callback_base": "http://dci.kemenag.go.id"}, "callback_base"),
             ({**_entry(m), "callback_origins": ["ftp://x"]}, "callback_origins.0"),
             ({**_entry(m), "jwks_url": "http://dci.kemenag.go.id/jwks.json"}, "jwks_url"),
             ({**_entry(m), "scopes": ["registry:erase"]}, "scopes"),
             ({**_entry(m), "sender_id": SOCIAL.sender_id}, "sender_id")]
    for body, field in cases:
        r = await client.post(CLIENTS, headers=_admin("bad"), json=body)
        assert r.status_code in (409, 422), r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert field in {e["field"].removeprefix("body.") for e in r.json()["errors"]}, (field, r.json())
    r = await client.post(f"{CLIENTS}/nobody/keys", headers=_admin("rot"), json={"key": {"public_key": m.public_key()}})
    assert (r.status_code, r.json()["errors"][0]["field"]) == (404, "client_id")


async def test_a_rotated_key_works_inside_the_overlap_window_and_fails_after(client, callbacks):
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    client.app.state.dci.clock = clock
    old = Ministry("kemendes", "dci:search")
    new = Ministry("kemendes", "dci:search")
    new.key_id = "k2"
    assert (await client.post(CLIENTS, headers=_admin("add"), json=_entry(old))).status_code == 201
    until = clock.now() + timedelta(hours=1)
    r = await client.post(f"{CLIENTS}/kemendes/keys", headers=_admin("rotate"), json={
        "key": {"key_id": "k2", "public_key": new.public_key()}, "old_valid_until": until.isoformat()})
    assert r.status_code == 200, r.text
    keys = {k["key_id"]: k for k in r.json()["keys"]}
    assert datetime.fromisoformat(keys["k1"]["valid_until"]) == until
    assert keys["k2"]["valid_until"] is None

    clock.advance(minutes=59)  # inside the overlap: both keys are accepted
    for m in (old, new):
        r = await _search(client, m, created=int(clock.now().timestamp()))
        assert r.status_code == 200, (m.key_id, r.text)
    clock.advance(minutes=2)  # the overlap ended: only the new key
    error = refusal(await _search(client, old, created=int(clock.now().timestamp())), 401)
    assert error["code"] == "err.signature.invalid"
    assert "rotated out" in error["message"]
    r = await _search(client, new, created=int(clock.now().timestamp()))
    assert r.status_code == 200, r.text
    [added, rotated] = (await client.get(f"{CLIENTS}/audit", params={"client_id": "kemendes"},
                                         headers=DCI_ADMIN)).json()
    assert (added["action"], rotated["action"]) == ("add", "rotate-key")
    assert rotated["details"] == {"new_key_id": "k2", "old_key_ids": ["k1"], "old_valid_until": until.isoformat()}


async def test_keys_published_at_a_jwks_url_are_used(client, callbacks):
    m = Ministry("bkkbn", "dci:search")
    m.key_id = "published-1"
    callbacks.documents["/bkkbn/jwks.json"] = {"keys": [{**public_jwk(m.key.public_key()), "kid": "published-1",
                                                         "use": "sig", "alg": "EdDSA"}]}
    body = {"client_id": m.client_id, "sender_id": m.sender_id, "jwks_url": f"{callbacks.origin}/bkkbn/jwks.json"}
    assert (await client.post(CLIENTS, headers=_admin("add"), json=body)).status_code == 201
    r = await _search(client, m)
    assert r.status_code == 200, r.text
    stranger = Ministry("bkkbn", "dci:search")
    stranger.key_id = "not-published"
    assert refusal(await _search(client, stranger), 401)["code"] == "err.signature.invalid"


async def test_callbacks_wait_for_a_client_not_known_yet_and_stop_only_for_a_revoked_one(client, callbacks):
    dci = client.app.state.dci
    later = Ministry("bpom", "dci:search")
    stranger = DciClient(later.client_id, later.sender_id, {}, None, frozenset())
    async with Database(client.app.state.engine).transaction() as sql:
        await dci.enqueue(CallbackOutbox(sql), stranger, "notify", f"{callbacks.origin}/bpom/registry/notify",
                          {"message": {}}, "c-later")
    row = await eventually(lambda: _outbox(client, "c-later"), lambda r: r.get("attempts", 0) >= 1,
                           what="a first delivery attempt")
    assert row["status"] == "pending"  # not given up: another instance may have registered it
    assert "not in dci_clients" in row["last_error"]
    r = await client.post(CLIENTS, headers=_admin("add"), json=_entry(later, callback_base=f"{callbacks.origin}/bpom"))
    assert r.status_code == 201, r.text
    await callbacks.wait_for("/bpom/registry/notify", timeout=30)
    await eventually(lambda: _outbox(client, "c-later"), lambda r: r["status"] == "delivered",
                     what="the delivery recorded")

    r = await client.post(f"{CLIENTS}/kemensos/revoke", headers=_admin("revoke"), json={"reason": "MoU expired"})
    assert r.status_code == 200, r.text
    social = await dci.clients.fresh("kemensos")
    async with Database(client.app.state.engine).transaction() as sql:
        await dci.enqueue(CallbackOutbox(sql), social, "notify", f"{callbacks.origin}/social/registry/notify",
                          {"message": {}}, "c-revoked")
    row = await eventually(lambda: _outbox(client, "c-revoked"), lambda r: r.get("status") == "failed",
                           what="the callback to a revoked client given up")
    assert (row["attempts"], row["last_error"]) == (1, "client revoked: MoU expired")
    assert not [p for p, _ in callbacks.received if p.startswith("/social/")]


async def test_a_sandbox_client_sees_only_the_synthetic_test_households(client):
    sandbox = Ministry("sandbox-ministry", "dci:search dci:search:identity")
    entry = _entry(sandbox, sandbox=True, scopes=["dci:search", "dci:search:identity"])
    assert (await client.post(CLIENTS, headers=_admin("add"), json=entry)).status_code == 201
    [(test_row, test_out), (real_row, _)] = await register(client, n=2, seed=95)
    async with Database(client.app.state.engine).transaction() as sql:
        assert await DciClients(sql).mark_sandbox([test_out["household_ref"]]) == 1

    async def found(m: Ministry, row: dict[str, Any]) -> int:
        r = await client.post(SYNC, headers=m.headers, json=m.envelope("search", search_message(
            "idtype-value", nik_query(row))))
        assert r.status_code == 200, r.text
        return int((await verified_by_jwks(client, r.json()))["search_response"][0]["pagination"]["total_count"])

    assert await found(sandbox, test_row) == 1
    assert await found(sandbox, real_row) == 0  # a real household does not exist for a sandbox client
    assert await found(SOCIAL, real_row) == 1


async def test_gotong_up_prints_a_sandbox_ministry_whose_key_works_on_the_demo_households(client, database_url,
                                                                                         capsys):
    [(demo_row, _)] = await register(client, n=1, seed=96)
    loaded: list[str] = []

    async def load_demo(settings: Any) -> None:
        loaded.append(settings.service_database_url)

    settings = client.app.state.dci.settings
    await with_sandbox(load_demo)(settings)
    assert loaded == [settings.service_database_url]
    printed = capsys.readouterr().out
    assert "sandbox" in printed
    keys = json.loads(printed.strip().splitlines()[-1])
    assert (keys["sender_id"], keys["key_id"]) == ("ministry-client", "sandbox-1")
    await with_sandbox(load_demo)(settings)  # a second `gotong up`: the same client and key, nothing added
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == keys

    [(later_row, _)] = await register(client, n=1, seed=97)  # registered after the demo: not a test record
    ministry = Ministry("ministry-client", "dci:search dci:search:identity")
    ministry.sender_id, ministry.key_id = keys["sender_id"], keys["key_id"]
    ministry.key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(keys["private_key"]))

    async def total(row: dict[str, Any]) -> int | None:
        """How many households the sandbox client finds; None while this instance does not know it yet."""
        r = await client.post(SYNC, headers=ministry.headers, json=ministry.envelope("search", search_message(
            "idtype-value", nik_query(row))))
        if r.status_code == 403:
            return None
        assert r.status_code == 200, r.text
        return int(r.json()["message"]["search_response"][0]["pagination"]["total_count"])

    assert await eventually(lambda: total(demo_row), lambda n: n is not None, what="the sandbox client known") == 1
    assert await total(later_row) == 0
    listed = {c["client_id"]: c for c in (await client.get(CLIENTS, headers=DCI_ADMIN)).json()}
    assert listed["ministry-client"]["sandbox"] is True


async def test_every_instance_sees_a_change_within_the_cache_lifetime(client):
    """Two registry instances share the table: what one registers, the other sees once its cache (2 s) ends."""
    now = [100.0]
    other = ClientDirectory(ttl_s=2.0, monotonic=lambda: now[0])
    other.bind(Database(client.app.state.engine))
    assert await other.get("kemensos") is not None  # loaded (and cached) here
    assert (await client.post(CLIENTS, headers=_admin("add"), json=_entry(Ministry("bnpb", "dci:search")))
            ).status_code == 201
    now[0] += 1.9
    assert await other.get("bnpb") is None  # still the cached list
    assert (await other.fresh("bnpb")) is not None  # what callback delivery reads: the table itself
    now[0] += 0.1
    found = await other.get("bnpb")
    assert found is not None
    assert found.sender_id == "bnpb.go.id"
