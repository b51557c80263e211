"""A ministry's side of the DCI API from the command line: make a key, sign a message, check an answer
(also `gotong registry dci keygen|sign|check`; the registry's admin registers the key with `dci client add`).

    python -m registry.dci.entrypoints.tool keygen --client-id kemensos > kemensos.json
    python -m registry.dci.entrypoints.tool sign --keys kemensos.json --action search message.json > body.json
    curl -H "Authorization: Bearer $TOKEN" -d @body.json http://127.0.0.1:8101/dci/registry/sync/search > answer.json
    python -m registry.dci.entrypoints.tool check --jwks http://127.0.0.1:8101/dci/.well-known/jwks.json answer.json

Encrypted (JWE, `is_msg_encrypted`): `sign --encrypt-to JWKS_URL` encrypts the message to the registry's published
`use: enc` key before signing; `check --keys FILE` decrypts an encrypted answer with the key keygen made.
"""

from __future__ import annotations

import base64
import json
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO
from uuid import uuid4

import click
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwcrypto import jwe, jwk

from registry.dci.adapters.encryption import ALGORITHMS, encrypt, load_encryption_key
from registry.dci.adapters.signature import (
    ALGORITHM,
    NAMESPACE,
    SIGNED_HEADERS,
    SignatureRejected,
    load_public_key,
    signing_string,
    verify,
)


@click.group(help="Sign and check DCI messages as a ministry client would.")
def dci() -> None:
    pass


@dci.command(help="A new Ed25519 signing key pair and an X25519 encryption key pair (keep the file: it holds the "
                  "private keys); its client_entry holds the public keys the registry's admin registers with "
                  "`dci client add` (or seeds in DCI_CLIENTS).")
@click.option("--client-id", required=True, help="the OAuth2 client id of the ministry")
@click.option("--callback-base", default=None, help="https base URL of the ministry's DCI callbacks")
def keygen(client_id: str, callback_base: str | None) -> None:
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    encryption = jwk.JWK.generate(kty="OKP", crv="X25519")
    entry: dict[str, Any] = {"client_id": client_id, "sender_id": client_id,
                             "keys": [{"key_id": "k1", "public_key": base64.b64encode(public).decode()}],
                             "scopes": ["dci:search", "dci:subscribe"],
                             "encryption_key": load_encryption_key(encryption.export_public(as_dict=True))}
    if callback_base:
        entry["callback_base"] = callback_base
    click.echo(json.dumps({"private_key": base64.b64encode(seed).decode(), "key_id": "k1", "sender_id": client_id,
                           "encryption_private_key": encryption.export_private(as_dict=True),
                           "client_entry": entry}, indent=2))


def _published(jwks_url: str, use: str) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = httpx.get(jwks_url, timeout=10).json()["keys"]
    return [k for k in keys if k.get("use", "sig") == use]


@dci.command(help="Wrap MESSAGE (a JSON file, - for stdin) in a signed DCI envelope.")
@click.option("--keys", "keys_file", type=click.File(), required=True, help="the file keygen wrote")
@click.option("--action", required=True, help="search, txn-status, subscribe or unsubscribe")
@click.option("--receiver-id", default="dtsen.gotong.id")
@click.option("--sender-uri", default=None)
@click.option("--ttl", default=300, show_default=True, help="seconds the signature stays valid")
@click.option("--encrypt-to", "encrypt_to", default=None,
              help="the registry's JWKS URL: encrypt the message to its `use: enc` key (is_msg_encrypted)")
@click.argument("message", type=click.File())
def sign(keys_file: TextIO, action: str, receiver_id: str, sender_uri: str | None, ttl: int,
         encrypt_to: str | None, message: TextIO) -> None:
    keys = json.load(keys_file)
    body = json.load(message)
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(keys["private_key"]))
    items = body.get("search_request") or body.get("subscribe_request") or body.get("subscription_codes") or [1]
    header: dict[str, Any] = {"version": "1.0.0", "message_id": uuid4().hex,
                              "message_ts": datetime.now(UTC).isoformat(), "action": action,
                              "sender_id": keys["sender_id"], "receiver_id": receiver_id, "total_count": len(items),
                              "is_msg_encrypted": False}
    if sender_uri:
        header["sender_uri"] = sender_uri
    if encrypt_to:
        published = _published(encrypt_to, "enc")
        if not published:
            raise click.ClickException(f"{encrypt_to} publishes no encryption key (use: enc)")
        body = encrypt(body, load_encryption_key({k: v for k, v in published[0].items()
                                                  if k not in ("kid", "alg", "use")}))
        header["is_msg_encrypted"] = True
    created = int(time.time())
    raw = key.sign(signing_string(created, created + ttl, header, body))
    signature = (f'Signature: namespace="{NAMESPACE}", kidId="{keys["sender_id"]}|{keys["key_id"]}|{ALGORITHM}", '
                 f'algorithm="{ALGORITHM}", created="{created}", expires="{created + ttl}", '
                 f'headers="{SIGNED_HEADERS}", signature="{base64.b64encode(raw).decode()}"')
    click.echo(json.dumps({"signature": signature, "header": header, "message": body}, ensure_ascii=False))


@dci.command(help="Check the registry's signature on ANSWER (a JSON file, - for stdin) with its published JWKS.")
@click.option("--jwks", "jwks_url", required=True)
@click.option("--keys", "keys_file", type=click.File(), default=None,
              help="the file keygen wrote: decrypt an encrypted answer and print its message")
@click.argument("answer", type=click.File())
def check(jwks_url: str, keys_file: TextIO | None, answer: TextIO) -> None:
    body = json.load(answer)
    keys = {k["kid"]: load_public_key(k) for k in _published(jwks_url, "sig")}
    try:
        verify(body.get("signature"), body["header"], body["message"], keys=keys,
               sender_id=body["header"]["sender_id"], now=int(time.time()), max_ttl_s=3600, skew_s=60)
    except SignatureRejected as err:
        click.echo(f"{err.code}: {err.message}", err=True)
        sys.exit(1)
    click.echo(f"signature ok ({body['header']['sender_id']}, {body['header']['action']})", err=keys_file is not None)
    if keys_file is not None:
        message = body["message"]
        if body["header"].get("is_msg_encrypted"):
            token = jwe.JWE(algs=ALGORITHMS)
            try:
                token.deserialize(json.dumps(message), key=jwk.JWK(**json.load(keys_file)["encryption_private_key"]))
            except Exception as err:
                raise click.ClickException(f"the message does not decrypt with this key: {type(err).__name__}") from err
            message = json.loads(token.payload)
        click.echo(json.dumps(message, ensure_ascii=False))


if __name__ == "__main__":
    dci()
