"""Encrypted DCI messages (`header.is_msg_encrypted`, the spec's `EncryptedMessage`: a JWE in the flattened JSON
serialization, `header: {alg, enc, kid}`): a ministry encrypts to the key the registry publishes (`use: enc`),
signs what it sends, and reads answers and callbacks encrypted to its own registered key. The ministry's side is
written here with jwcrypto directly, not with the registry's code."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jwcrypto import jwe, jwk

from gotong.testing.wait import eventually
from registry.adapters.crypto import KeyRing
from registry.config import Settings
from registry.dci.adapters.signature import ALGORITHM, NAMESPACE, SIGNED_HEADERS, signing_string
from registry.dci.application.context import Dci
from registry.entrypoints.cli import registry as registry_cli

from .conftest import DCI_ADMIN, REGISTRY_ID, SOCIAL, Ministry, token
from .helpers import nik_query, refusal, register, search_message, verified_by_jwks
from .test_onboarding import gotong_registry
from .test_spec_generated import SOCIAL_YAML, check, conforms, request_body

ALGS = ["ECDH-ES+A256KW", "RSA-OAEP-256", "A256GCM"]
SYNC, ASYNC = "/dci/registry/sync/search", "/dci/registry/search"


class SecretMinistry(Ministry):
    """A ministry with an encryption key pair beside its signing key."""

    def __init__(self, client_id: str, kty: str = "OKP") -> None:
        super().__init__(client_id, "dci:search dci:search:identity dci:subscribe")
        self.enc = (jwk.JWK.generate(kty="OKP", crv="X25519") if kty == "OKP"
                    else jwk.JWK.generate(kty="RSA", size=2048))

    def public_enc(self) -> dict[str, str]:
        return self.enc.export_public(as_dict=True)  # type: ignore[no-any-return]

    def open(self, message: dict[str, Any]) -> Any:
        token = jwe.JWE(algs=ALGS)
        token.deserialize(json.dumps(message), key=self.enc)
        return json.loads(token.payload)

    def signed(self, action: str, message: Any, *, total: int = 1, encrypted: bool = True,
               created: int | None = None) -> dict[str, Any]:
        """The envelope, its signature over `{header, message}` exactly as sent (the JWE when encrypted)."""
        header = {"version": "1.0.0", "message_id": f"m-{time.time_ns()}", "message_ts": "2026-11-29T08:00:00+07:00",
                  "action": action, "sender_id": self.sender_id, "receiver_id": REGISTRY_ID, "total_count": total,
                  "is_msg_encrypted": encrypted}
        created = created or int(time.time())
        raw = self.key.sign(signing_string(created, created + 300, header, message))
        signature = (f'Signature: namespace="{NAMESPACE}", kidId="{self.sender_id}|{self.key_id}|{ALGORITHM}", '
                     f'algorithm="{ALGORITHM}", created="{created}", expires="{created + 300}", '
                     f'headers="{SIGNED_HEADERS}", signature="{base64.b64encode(raw).decode()}"')
        return {"signature": signature, "header": header, "message": message}


def seal(to: dict[str, Any], message: Any, *, kid: str | None = None) -> dict[str, Any]:
    """`message` as the spec's EncryptedMessage to the public key `to` (ECDH-ES+A256KW, A256GCM)."""
    token = jwe.JWE(json.dumps(message).encode(), algs=ALGS)
    public = jwk.JWK(**{k: to[k] for k in ("kty", "crv", "x")})
    token.add_recipient(public, header=json.dumps({"alg": "ECDH-ES+A256KW", "enc": "A256GCM",
                                                   "kid": kid or to["kid"]}))
    return json.loads(token.serialize(compact=False))  # type: ignore[no-any-return]


async def registry_key(client: Any) -> dict[str, Any]:
    jwks = (await client.get("/dci/.well-known/jwks.json")).json()
    [enc] = [k for k in jwks["keys"] if k["use"] == "enc"]
    return enc  # type: ignore[no-any-return]


async def onboard(client: Any, m: SecretMinistry, callbacks: Any) -> dict[str, Any]:
    r = await client.post("/v1/dci/clients", headers=DCI_ADMIN | {"Idempotency-Key": f"add-{time.time_ns()}"}, json={
        "client_id": m.client_id, "sender_id": m.sender_id,
        "keys": [{"key_id": m.key_id, "public_key": m.public_key()}],
        "callback_base": f"{callbacks.origin}/{m.client_id}", "encryption_key": m.public_enc()})
    assert r.status_code == 201, r.text
    assert r.json()["encryption_key"]["kid"] == m.enc.thumbprint()
    return r.json()  # type: ignore[no-any-return]


def _tamper(text: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    raw[0] ^= 1
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_the_registry_publishes_a_stable_encryption_key_and_production_must_choose_it():
    local = Settings()
    a, b = (Dci.from_settings(local, KeyRing.from_text(local.master_secret)) for _ in range(2))
    assert a.decrypter is not None
    assert b.decrypter is not None
    assert a.decrypter.kid == b.decrypter.kid  # derived from the master secret: the same after a restart
    [sig, enc] = a.signer.jwks()["keys"]
    assert (sig["use"], sig["kty"], sig["crv"]) == ("sig", "OKP", "Ed25519")
    assert {k: enc[k] for k in ("kty", "crv", "use", "alg")} == {"kty": "OKP", "crv": "X25519", "use": "enc",
                                                                 "alg": "ECDH-ES+A256KW"}
    assert enc["kid"] == jwk.JWK(**{k: enc[k] for k in ("kty", "crv", "x")}).thumbprint()  # RFC 7638
    assert "d" not in enc

    chosen = Settings(dci_encryption_key=base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("="))
    other = Dci.from_settings(chosen, KeyRing.from_text(chosen.master_secret))
    assert other.decrypter is not None
    assert other.decrypter.kid != a.decrypter.kid

    production = Settings(gotong_env="production")
    assert not production.dci_encryption  # off in production unless enabled
    assert not [p for p in production.production_problems() if "DCI_ENCRYPTION" in p]
    off = Dci.from_settings(production, KeyRing.from_text(production.master_secret))
    assert off.decrypter is None
    assert [k["use"] for k in off.signer.jwks()["keys"]] == ["sig"]
    enabled = Settings(gotong_env="production", dci_encryption_enabled=True)
    assert [p for p in enabled.production_problems() if p.startswith("DCI_ENCRYPTION_KEY is not set")]
    keyed = Settings(gotong_env="production", dci_encryption_enabled=True,
                     dci_encryption_key=base64.urlsafe_b64encode(bytes(32)).decode())
    assert not [p for p in keyed.production_problems() if "DCI_ENCRYPTION" in p]
    with pytest.raises(ValueError, match="DCI_ENCRYPTION_KEY"):
        Settings(dci_encryption_key="c2hvcnQ")


@pytest.mark.parametrize("kty", ["OKP", "RSA"])
async def test_an_encrypted_search_is_answered_encrypted_to_the_client(client, callbacks, kty):
    [(row, out)] = await register(client, seed=171)
    pppa = SecretMinistry("kemenpppa", kty)
    await onboard(client, pppa, callbacks)
    message = search_message("idtype-value", nik_query(row), transaction_id="txn-enc-1")
    r = await client.post(SYNC, headers=pppa.headers,
                          json=pppa.signed("search", seal(await registry_key(client), message)))
    assert r.status_code == 200, r.text
    answer = check(r, SOCIAL_YAML, "/registry/sync/search", "default")  # EncryptedMessage is one of its forms
    assert answer["header"]["is_msg_encrypted"] is True
    assert row["members"][0]["nik"] not in r.text
    assert out["household_ref"] not in r.text
    sealed = await verified_by_jwks(client, answer)  # the registry signed the message as sent: encrypted
    assert {k: sealed["header"][k] for k in ("alg", "enc", "kid")} == {
        "alg": "ECDH-ES+A256KW" if kty == "OKP" else "RSA-OAEP-256", "enc": "A256GCM", "kid": pppa.enc.thumbprint()}
    assert {"ciphertext", "encrypted_key", "tag", "iv"} <= set(sealed)
    plain = pppa.open(sealed)
    assert plain["transaction_id"] == "txn-enc-1"
    [record] = plain["search_response"][0]["data"]["reg_records"]
    assert record["group_identifier"][0]["identifier_value"] == out["household_ref"]

    # the same client asking in clear is answered in clear
    r = await client.post(SYNC, headers=pppa.headers, json=pppa.signed("search", message, encrypted=False))
    assert r.status_code == 200, r.text
    assert r.json()["header"]["is_msg_encrypted"] is False
    assert (await verified_by_jwks(client, r.json()))["transaction_id"] == "txn-enc-1"


async def test_an_encrypted_async_search_is_called_back_encrypted(client, callbacks):
    [(row, out)] = await register(client, seed=172)
    pppa = SecretMinistry("kemenpppa")
    await onboard(client, pppa, callbacks)
    key = await registry_key(client)
    message = search_message("idtype-value", nik_query(row), transaction_id="txn-enc-async")
    r = await client.post(ASYNC, headers=pppa.headers, json=pppa.signed("search", seal(key, message)))
    assert r.status_code == 200, r.text
    correlation_id = r.json()["message"]["correlation_id"]
    [answer] = await callbacks.wait_for("/kemenpppa/registry/on-search")
    conforms(SOCIAL_YAML, "/registry/on-search", request_body(SOCIAL_YAML, "/registry/on-search"), answer)
    assert answer["header"]["is_msg_encrypted"] is True
    assert out["household_ref"] not in json.dumps(answer)
    plain = pppa.open(await verified_by_jwks(client, answer))
    assert plain["correlation_id"] == correlation_id
    [record] = plain["search_response"][0]["data"]["reg_records"]
    assert record["group_identifier"][0]["identifier_value"] == out["household_ref"]

    # txn/status asked encrypted: its callback is encrypted too
    status = {"transaction_id": "st", "txnstatus_request": {"reference_id": "st-1", "txn_type": "search",
                                                             "attribute_type": "transaction_id",
                                                             "attribute_value": "txn-enc-async"}}
    r = await client.post("/dci/registry/txn/status", headers=pppa.headers,
                          json=pppa.signed("txn-status", seal(key, status)))
    assert r.json()["message"]["ack_status"] == "ACK", r.text
    [on_status] = await callbacks.wait_for("/kemenpppa/registry/txn/on-status")
    assert on_status["header"]["is_msg_encrypted"] is True
    opened = pppa.open(await verified_by_jwks(client, on_status))
    assert opened["txnstatus_response"]["txn_status"]["correlation_id"] == correlation_id


async def test_a_jwe_that_does_not_decrypt_is_refused_in_the_spec_shape(client, callbacks):
    pppa = SecretMinistry("kemenpppa")
    await onboard(client, pppa, callbacks)
    key = await registry_key(client)
    message = search_message("expression", {"poverty_score": {"$le": 4}})
    tampered = seal(key, message)
    tampered["ciphertext"] = _tamper(tampered["ciphertext"])

    # tampered, then signed by the client: the signature holds, the JWE does not decrypt
    r = await client.post(SYNC, headers=pppa.headers, json=pppa.signed("search", tampered))
    error = refusal(r, 400)
    assert error["code"] == "err.encryption.invalid", error
    assert error["message"].startswith("message: "), error
    check(r, SOCIAL_YAML, "/registry/sync/search", "default")
    r = await client.post(ASYNC, headers=pppa.headers, json=pppa.signed("search", tampered))
    assert refusal(r, 400)["code"] == "err.encryption.invalid"
    check(r, SOCIAL_YAML, "/registry/search", "default")

    # tampered on the way: the signature no longer matches, nothing is decrypted
    body = pppa.signed("search", seal(key, message))
    body["message"]["tag"] = _tamper(body["message"]["tag"])
    assert refusal(await client.post(SYNC, headers=pppa.headers, json=body), 401)["code"] == "err.signature.invalid"

    other = jwk.JWK.generate(kty="OKP", crv="X25519").export_public(as_dict=True)
    cases = {
        "kid": seal({**other, "kid": "someone-else"}, message),  # encrypted to another key
        "header": message,  # flagged encrypted, but in clear
        "alg": {**seal(key, message), "header": {"alg": "RSA1_5", "enc": "A256GCM", "kid": key["kid"]}},
        "enc": {**seal(key, message), "header": {**seal(key, message)["header"], "enc": "A128CBC-HS256"}},
        "encrypted_key": {**seal(key, message), "encrypted_key": "%%%not-base64%%%"},
        "epk": {**seal(key, message), "header": {**seal(key, message)["header"], "epk": {"kty": "OKP"}}},
    }
    for name, sealed in cases.items():
        r = await client.post(SYNC, headers=pppa.headers, json=pppa.signed("search", sealed))
        error = refusal(r, 400)
        assert error["code"] == "err.encryption.invalid", (name, error)
        assert error["message"].startswith("message"), (name, error)
        if name in ("kid", "header", "alg", "enc"):
            assert name in error["message"], (name, error)


async def test_a_client_without_an_encryption_key_is_told_to_register_one(client, callbacks, database_url):
    key = await registry_key(client)
    message = search_message("expression", {"poverty_score": {"$le": 4}})
    social = SecretMinistry("kemensos")
    social.key, social.headers = SOCIAL.key, SOCIAL.headers  # the registered kemensos, which has no encryption key
    r = await client.post(SYNC, headers=social.headers, json=social.signed("search", seal(key, message)))
    error = refusal(r, 400)
    assert error["code"] == "err.encryption.invalid"
    assert "header.is_msg_encrypted: this client has no encryption key registered" in error["message"]

    env = {"DATABASE_URL": database_url}
    for bad in (jwk.JWK.generate(kty="OKP", crv="Ed25519").export_public(as_dict=True),  # a signing key
                social.enc.export_private(as_dict=True),  # a private key: never taken
                jwk.JWK.generate(kty="RSA", size=1024).export_public(as_dict=True)):
        result = await asyncio.to_thread(CliRunner().invoke, registry_cli, [
            "dci", "client", "set-encryption-key", "kemensos", "--by", "admin-1", "--encryption-key",
            json.dumps(bad)], env=env)
        assert result.exit_code != 0
        assert "encryption_key: " in result.output, result.output
    updated = json.loads(await gotong_registry(["dci", "client", "set-encryption-key", "kemensos", "--by", "admin-1",
                                                "--encryption-key", json.dumps(social.public_enc())], env))
    assert updated["encryption_key"]["kid"] == social.enc.thumbprint()

    async def send() -> Any:
        return await client.post(SYNC, headers=social.headers, json=social.signed("search", seal(key, message)))

    r = await eventually(send, lambda r: r.status_code == 200, what="the new encryption key seen")  # cache ≤ 2 s
    assert social.open(await verified_by_jwks(client, r.json()))["search_response"][0]["status"] == "succ"
    audit = (await client.get("/v1/dci/clients/audit", params={"client_id": "kemensos"}, headers=DCI_ADMIN)).json()
    assert audit[-1]["action"] == "set-encryption-key"
    assert audit[-1]["details"] == {"encryption_kid": social.enc.thumbprint(), "previous_kid": None}


async def test_a_ministry_onboards_for_encryption_with_the_cli(client, callbacks, database_url, tmp_path: Path):
    """The README's onboarding, encrypted: keygen makes both key pairs, the admin registers the public encryption
    key, `dci sign --encrypt-to` encrypts to the registry's published key, `dci check --keys` decrypts the answer."""
    env = {"DATABASE_URL": database_url}
    [(row, out)] = await register(client, seed=173)
    keys_file = tmp_path / "kemenkop.json"
    keys_file.write_text(await gotong_registry(["dci", "keygen", "--client-id", "kemenkop"]))
    keys = json.loads(keys_file.read_text())
    assert "d" not in keys["client_entry"]["encryption_key"]
    added = json.loads(await gotong_registry(
        ["dci", "client", "add", "kemenkop", "--by", "admin-1", "--key-id", keys["key_id"], "--public-key",
         keys["client_entry"]["keys"][0]["public_key"], "--encryption-key",
         json.dumps(keys["client_entry"]["encryption_key"]), "--scope", "dci:search"], env))
    assert added["encryption_key"]["crv"] == "X25519"
    # the registry's JWKS, served where the CLI can fetch it (the app under test listens on no port)
    callbacks.documents["/registry-jwks.json"] = (await client.get("/dci/.well-known/jwks.json")).json()
    jwks_url = f"{callbacks.origin}/registry-jwks.json"
    message = tmp_path / "search.json"
    message.write_text(json.dumps(search_message("idtype-value", nik_query(row), transaction_id="txn-cli-enc")))
    signed = json.loads(await gotong_registry(["dci", "sign", "--keys", str(keys_file), "--action", "search",
                                               "--receiver-id", REGISTRY_ID, "--encrypt-to", jwks_url,
                                               str(message)]))
    assert signed["header"]["is_msg_encrypted"] is True
    assert row["members"][0]["nik"] not in json.dumps(signed)
    headers = token("kemenkop", "dci:search dci:search:identity")

    async def send() -> Any:
        return await client.post(SYNC, headers=headers, json=signed)

    answer = await eventually(send, lambda r: r.status_code != 403, what="the new client accepted")
    assert answer.status_code == 200, answer.text
    answer_file = tmp_path / "answer.json"
    answer_file.write_text(answer.text)
    opened = json.loads(await gotong_registry(["dci", "check", "--jwks", jwks_url, "--keys", str(keys_file),
                                               str(answer_file)]))
    [record] = opened["search_response"][0]["data"]["reg_records"]
    assert record["group_identifier"][0]["identifier_value"] == out["household_ref"]


async def test_the_admin_api_registers_replaces_and_removes_an_encryption_key(client, callbacks):
    social = SecretMinistry("kemensos")
    social.key, social.headers = SOCIAL.key, SOCIAL.headers
    url = "/v1/dci/clients/kemensos/encryption-key"

    def admin() -> dict[str, str]:
        return DCI_ADMIN | {"Idempotency-Key": f"enc-{time.time_ns()}"}

    for bad in (jwk.JWK.generate(kty="OKP", crv="Ed25519").export_public(as_dict=True),
                social.enc.export_private(as_dict=True), {"kty": "OKP", "crv": "X25519"}):
        r = await client.put(url, headers=admin(), json={"encryption_key": bad})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "encryption_key"
    assert (await client.put("/v1/dci/clients/nobody/encryption-key", headers=admin(),
                             json={"encryption_key": social.public_enc()})).status_code == 404
    r = await client.put(url, headers=admin(), json={"encryption_key": social.public_enc()})
    assert r.status_code == 200, r.text
    key = await registry_key(client)
    message = search_message("expression", {"poverty_score": {"$le": 4}})
    r = await client.post(SYNC, headers=social.headers, json=social.signed("search", seal(key, message)))
    assert r.status_code == 200, r.text
    assert social.open(await verified_by_jwks(client, r.json()))["search_response"][0]["status"] == "succ"

    r = await client.put(url, headers=admin(), json={"encryption_key": None})  # removed: no more encrypted
    assert r.status_code == 200, r.text
    r = await client.post(SYNC, headers=social.headers, json=social.signed("search", seal(key, message)))
    assert refusal(r, 400)["code"] == "err.encryption.invalid"
    audit = (await client.get("/v1/dci/clients/audit", params={"client_id": "kemensos"}, headers=DCI_ADMIN)).json()
    assert [a["details"]["encryption_kid"] for a in audit if a["action"] == "set-encryption-key"] == [
        social.enc.thumbprint(), None]
