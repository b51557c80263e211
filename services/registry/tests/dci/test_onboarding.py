"""A ministry developer follows the README's "Onboarding a ministry" steps, with the CLI only: makes its key
(`dci keygen`), is registered by the registry's admin (`dci client add`, on the database of the running
registry: no restart), signs a search with its own key (`dci sign`), and gets a signed answer that verifies
against the registry's published JWKS. Then the admin rotates its key and revokes it, from the same CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gotong.testing.wait import eventually
from registry.entrypoints.cli import registry as registry_cli

from .conftest import REGISTRY_ID, token
from .helpers import search_message, verified_by_jwks


async def gotong_registry(args: list[str], env: dict[str, str] | None = None) -> str:
    """`gotong registry ARGS...` (the CLI runs its own event loop, so in a thread); its stdout."""
    result = await asyncio.to_thread(CliRunner().invoke, registry_cli, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, (args[:3], result.output)
    return result.stdout


async def test_a_ministry_onboards_with_the_cli_and_gets_a_signed_answer(client, database_url, tmp_path: Path):
    env = {"DATABASE_URL": database_url}
    # 1. the ministry makes its key pair; the private key never leaves it
    keys_file = tmp_path / "kemenkop.json"
    keys_file.write_text(await gotong_registry(["dci", "keygen", "--client-id", "kemenkop"]))
    keys = json.loads(keys_file.read_text())
    public_key = keys["client_entry"]["keys"][0]["public_key"]

    # 2. the registry's admin registers its client id, key and scopes
    added = json.loads(await gotong_registry(
        ["dci", "client", "add", "kemenkop", "--by", "admin-1", "--key-id", keys["key_id"], "--public-key",
         public_key, "--scope", "dci:search"], env))
    assert (added["client_id"], added["status"], [k["key_id"] for k in added["keys"]]) == ("kemenkop", "active",
                                                                                          ["k1"])
    listed = json.loads(await gotong_registry(["dci", "client", "list"], env))
    assert "kemenkop" in {c["client_id"] for c in listed}

    # 3. the ministry signs a search with its own key and sends it with its OAuth2 token
    message = tmp_path / "search.json"
    message.write_text(json.dumps(search_message("expression", {"poverty_score": {"$le": 4}})))
    signed = json.loads(await gotong_registry(["dci", "sign", "--keys", str(keys_file), "--action", "search",
                                               "--receiver-id", REGISTRY_ID, str(message)]))
    headers = token("kemenkop", "dci:search dci:search:identity")

    async def send() -> Any:
        return await client.post("/dci/registry/sync/search", headers=headers, json=signed)

    # the running registry reads the client table (its cache lives a couple of seconds at most)
    answer = await eventually(send, lambda r: r.status_code != 403, what="the new client accepted")
    assert answer.status_code == 200, answer.text

    # 4. the answer is signed by the registry, checked with nothing but its JWKS
    body = answer.json()
    assert (body["header"]["action"], body["header"]["receiver_id"]) == ("on-search", "kemenkop")
    assert (await verified_by_jwks(client, body))["search_response"][0]["status"] == "succ"

    # the admin rotates the key (no overlap asked: the old key ends now) and later revokes the client
    new_keys = json.loads(await gotong_registry(["dci", "keygen", "--client-id", "kemenkop"]))
    rotated = json.loads(await gotong_registry(
        ["dci", "client", "rotate-key", "kemenkop", "--by", "admin-1", "--key-id", "k2", "--public-key",
         new_keys["client_entry"]["keys"][0]["public_key"], "--overlap-hours", "0"], env))
    assert {k["key_id"]: k["valid"] for k in rotated["keys"]} == {"k1": False, "k2": True}
    await gotong_registry(["dci", "client", "revoke", "kemenkop", "--by", "admin-1", "--reason", "test over"], env)
    audit = json.loads(await gotong_registry(["dci", "client", "audit", "kemenkop"], env))
    assert [(a["action"], a["actor"]) for a in audit] == [("add", "cli:admin-1"), ("rotate-key", "cli:admin-1"),
                                                          ("revoke", "cli:admin-1")]
    signed_again = json.loads(await gotong_registry(["dci", "sign", "--keys", str(keys_file), "--action", "search",
                                                     "--receiver-id", REGISTRY_ID, str(message)]))
    refused = await eventually(lambda: client.post("/dci/registry/sync/search", headers=headers, json=signed_again),
                               lambda r: r.status_code == 403, what="the revoked client refused")
    assert refused.json() == {"errors": [{"code": "err.request.forbidden", "message": "this DCI client is revoked"}]}


async def test_the_cli_names_the_field_of_a_bad_registration(database_url):
    result = await asyncio.to_thread(CliRunner().invoke, registry_cli, [
        "dci", "client", "add", "kemenkop", "--by", "admin-1", "--public-key", "bm90IGEga2V5"],
        env={"DATABASE_URL": database_url})
    assert result.exit_code == 1
    assert "keys.0.public_key: not an Ed25519 public key" in result.output
