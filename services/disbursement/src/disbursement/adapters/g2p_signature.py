"""G2P Connect message signatures (the spec's `MsgSignature`): Ed25519 over the digest of `{header, message}`,
the way the payment channel signs its callbacks and this service checks them.

The `signature` member of a message is (disburse_core_api_v1.0.0.yaml, `components.schemas.MsgSignature`)

    Signature: namespace="g2p", kidId="{sender_id}|{unique_key_id}|ed25519", algorithm="ed25519",
               created="{unix time}", expires="{unix time}", headers="(created) (expires) digest",
               signature="{base64 of the Ed25519 signature}"

and, as `headers` names, the signed bytes are the three lines (joined by "\\n", no trailing one)

    (created): {created}
    (expires): {expires}
    digest: BLAKE-512={base64 of BLAKE2b-512 over canonical_json({"header": header, "message": message})}

The spec names neither the digest function nor the JSON form, so we follow the signing scheme the G2P/DCI format
is taken from (a BLAKE-512 digest line) and canonicalise with RFC 8785 (JCS), as the registry's DCI API does:
re-serialisation by a proxy keeps a signature valid, any change to a header or message value breaks it.
"""

from __future__ import annotations

import base64
import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

NAMESPACE = "g2p"
ALGORITHM = "ed25519"
SIGNED_HEADERS = "(created) (expires) digest"
_PARAM = re.compile(r'([A-Za-z_]+)\s*=\s*"([^"]*)"')


class SignatureRejected(Exception):
    """`code` is the spec's error code: `err.signature.missing` or `err.signature.invalid`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("JSON numbers must be finite")
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:  # ECMAScript form: 1e+21, 1.5e-7
        mantissa, _, exponent = text.partition("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    return text


def _canonical(value: Any) -> str:
    if value is None or isinstance(value, bool | str):
        return orjson.dumps(value).decode()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):  # JCS sorts members by UTF-16 code units
        items = sorted(value.items(), key=lambda kv: str(kv[0]).encode("utf-16-be"))
        return "{" + ",".join(f"{orjson.dumps(str(k)).decode()}:{_canonical(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) serialisation of a parsed JSON value."""
    return _canonical(value).encode()


def digest(header: Any, message: Any) -> str:
    raw = hashlib.blake2b(canonical_json({"header": header, "message": message}), digest_size=64).digest()
    return "BLAKE-512=" + base64.b64encode(raw).decode()


def signing_string(created: int, expires: int, header: Any, message: Any) -> bytes:
    return f"(created): {created}\n(expires): {expires}\ndigest: {digest(header, message)}".encode()


def _b64decode(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    if "-" in text or "_" in text:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded, validate=True)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def raw_public_key(key: Ed25519PublicKey) -> str:
    """Base64 of the key's 32 raw bytes: one of the forms `load_public_key` reads."""
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def thumbprint(key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256): the unique key id a signer puts in its kidId."""
    x = _b64url(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    return _b64url(hashlib.sha256(canonical_json({"crv": "Ed25519", "kty": "OKP", "x": x})).digest())


def load_public_key(value: Any) -> Ed25519PublicKey:
    """An Ed25519 public key from an OKP JWK, a PEM (SubjectPublicKeyInfo) or base64 of the 32 raw bytes."""
    try:
        if isinstance(value, dict):
            if value.get("kty") != "OKP" or value.get("crv") != "Ed25519":
                raise ValueError("only Ed25519 (OKP) keys are accepted")
            return Ed25519PublicKey.from_public_bytes(_b64decode(str(value["x"])))
        text = str(value).strip()
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError("only Ed25519 keys are accepted")
            return key
        return Ed25519PublicKey.from_public_bytes(_b64decode(text))
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"not an Ed25519 public key (base64 of 32 bytes, PEM or OKP JWK): {err}") from None


@dataclass(frozen=True)
class ParsedSignature:
    sender_id: str
    key_id: str
    created: int
    expires: int
    signature: bytes

    @property
    def kid(self) -> str:
        """`{sender_id}|{unique_key_id}`: how trusted keys are named."""
        return f"{self.sender_id}|{self.key_id}"


def parse(text: Any) -> ParsedSignature:
    if not isinstance(text, str) or not text.strip():
        raise SignatureRejected("err.signature.missing", "the message is not signed")
    params = dict(_PARAM.findall(text))
    try:
        sender_id, key_id, algorithm = params["kidId"].split("|")
        created, expires = int(params["created"]), int(params["expires"])
        signature = _b64decode(params["signature"])
    except (KeyError, ValueError) as err:
        raise SignatureRejected("err.signature.invalid", "the signature is not in the G2P format "
                                "(namespace, kidId, algorithm, created, expires, headers, signature)") from err
    if params.get("namespace") != NAMESPACE:
        raise SignatureRejected("err.signature.invalid", f'the signature namespace must be "{NAMESPACE}"')
    if params.get("algorithm", "").lower() != ALGORITHM or algorithm.lower() != ALGORITHM:
        raise SignatureRejected("err.signature.invalid", "only algorithm ed25519 is accepted")
    if " ".join(params.get("headers", "").split()) != SIGNED_HEADERS:
        raise SignatureRejected("err.signature.invalid", f'headers must be "{SIGNED_HEADERS}"')
    return ParsedSignature(sender_id, key_id, created, expires, signature)


def verify(envelope: dict[str, Any], *, keys: dict[str, Ed25519PublicKey], now: int, max_ttl_s: int,
           skew_s: int) -> ParsedSignature:
    """Check a received message's signature against the trusted keys (named `{sender_id}|{unique_key_id}`):
    the key is known, the kidId names the header's sender, `created`..`expires` holds `now` (give or take
    `skew_s`) and lasts at most `max_ttl_s`, and the signature covers this header and message."""
    parsed = parse(envelope.get("signature"))
    header, message = envelope.get("header"), envelope.get("message")
    if not isinstance(header, dict) or parsed.sender_id != header.get("sender_id"):
        raise SignatureRejected("err.signature.invalid", "kidId names another sender than header.sender_id")
    key = keys.get(parsed.kid)
    if key is None:
        raise SignatureRejected("err.signature.invalid", "kidId names a key that is not trusted")
    if parsed.expires <= parsed.created or parsed.expires - parsed.created > max_ttl_s:
        raise SignatureRejected("err.signature.invalid", f"the signature's validity must be 1..{max_ttl_s} s")
    if parsed.created > now + skew_s:
        raise SignatureRejected("err.signature.invalid", "the signature was created in the future")
    if parsed.expires < now - skew_s:
        raise SignatureRejected("err.signature.invalid", "the signature has expired")
    try:
        key.verify(parsed.signature, signing_string(parsed.created, parsed.expires, header, message))
    except InvalidSignature as err:
        raise SignatureRejected("err.signature.invalid", "the signature does not match the header and message") \
            from err
    return parsed


class Signer:
    """Signs with one Ed25519 key as `sender_id`; the unique key id is the key's RFC 7638 thumbprint unless named."""

    def __init__(self, key: Ed25519PrivateKey, sender_id: str, ttl_s: int = 300, key_id: str | None = None) -> None:
        self.key = key
        self.sender_id = sender_id
        self.ttl_s = ttl_s
        self.key_id = key_id or thumbprint(key.public_key())

    @property
    def kid(self) -> str:
        return f"{self.sender_id}|{self.key_id}"

    def trusted(self) -> dict[str, Ed25519PublicKey]:
        """What a receiver configures to trust this signer."""
        return {self.kid: self.key.public_key()}

    def sign(self, envelope: dict[str, Any], now: int) -> dict[str, Any]:
        """`envelope` with its `signature` set, valid from `now` for `ttl_s` seconds."""
        created, expires = now, now + self.ttl_s
        raw = self.key.sign(signing_string(created, expires, envelope["header"], envelope["message"]))
        envelope["signature"] = (
            f'Signature: namespace="{NAMESPACE}", kidId="{self.kid}|{ALGORITHM}", algorithm="{ALGORITHM}", '
            f'created="{created}", expires="{expires}", headers="{SIGNED_HEADERS}", '
            f'signature="{base64.b64encode(raw).decode()}"')
        return envelope


def trusted_keys(configured: dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    """Trusted keys from configuration: `{"<sender_id>|<unique key id>": key}` (the kidId without its algorithm;
    a key as base64 of its 32 raw bytes, PEM or an OKP JWK). Several while a channel rotates its key."""
    keys = {}
    for kid, value in configured.items():
        if kid.count("|") != 1 or not all(kid.split("|")):
            raise ValueError(f'key name "{kid}" must be "<sender_id>|<unique key id>"')
        keys[kid] = load_public_key(value)
    return keys


def load_private_key(pem: bytes, source: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM; a clear error naming `source` for anything else."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{source} is not a PEM private key without a password: {err}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{source} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The key in `path`; if there is none, a new one written there (mode 0600). For development keys only."""
    if path.exists():
        return load_private_key(path.read_bytes(), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made meanwhile by another process starting with it (the service, the simulator)
        return load_private_key(path.read_bytes(), str(path))
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return key
