"""DCI message signatures (the spec's `MsgSignature`): Ed25519 over the digest of `{header, message}`.

The `signature` member of a message is

    Signature: namespace="spdci", kidId="{sender_id}|{unique_key_id}|ed25519", algorithm="ed25519",
               created="{unix time}", expires="{unix time}", headers="(created) (expires) digest",
               signature="{base64 of the Ed25519 signature}"

and, as the `headers` parameter names, the signed bytes are the three lines (joined by "\\n", no trailing one)

    (created): {created}
    (expires): {expires}
    digest: BLAKE-512={base64 of BLAKE2b-512 over canonical_json({"header": header, "message": message})}

The spec names neither the digest function nor the JSON form, so we follow the signing scheme the DCI
format is taken from (BLAKE-512 digest line) and canonicalise with RFC 8785 (JCS): object members sorted
by key, no insignificant whitespace, UTF-8 strings as written, integral numbers without a fraction and other
numbers in their shortest round-trip form. Because the digest covers the parsed JSON, re-serialisation by a
proxy does not break a signature, while any change to a header or message value does.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

NAMESPACE = "spdci"
NAMESPACES = frozenset({"spdci", "g2p", "dci"})
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


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) serialisation of a parsed JSON value."""
    return _canonical(value).encode()


def _canonical(value: Any) -> str:
    if value is None or isinstance(value, bool | str):
        return orjson.dumps(value).decode()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        # JCS sorts by UTF-16 code units
        items = sorted(value.items(), key=lambda kv: str(kv[0]).encode("utf-16-be"))
        return "{" + ",".join(f"{orjson.dumps(str(k)).decode()}:{_canonical(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canonical(v) for v in value) + "]"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def digest(header: dict[str, Any], message: Any) -> str:
    raw = hashlib.blake2b(canonical_json({"header": header, "message": message}), digest_size=64).digest()
    return "BLAKE-512=" + base64.b64encode(raw).decode()


def signing_string(created: int, expires: int, header: dict[str, Any], message: Any) -> bytes:
    return f"(created): {created}\n(expires): {expires}\ndigest: {digest(header, message)}".encode()


def _b64decode(text: str) -> bytes:
    text = text.strip()
    padded = text + "=" * (-len(text) % 4)
    if "-" in text or "_" in text:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded, validate=True)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def thumbprint(key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256), the `kid` the spec's JWKS asks for."""
    return b64url(hashlib.sha256(canonical_json(public_jwk(key))).digest())


def load_public_key(value: Any) -> Ed25519PublicKey:
    """An Ed25519 public key from an OKP JWK, a PEM (SubjectPublicKeyInfo) or base64 of the 32 raw bytes."""
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


@dataclass(frozen=True)
class ParsedSignature:
    namespace: str
    sender_id: str
    key_id: str
    created: int
    expires: int
    signature: bytes


def parse(text: str | None) -> ParsedSignature:
    if not text or not text.strip():
        raise SignatureRejected("err.signature.missing", "the message is not signed")
    params = dict(_PARAM.findall(text))
    try:
        sender_id, key_id, algorithm = params["kidId"].split("|")
        created, expires = int(params["created"]), int(params["expires"])
        signature = _b64decode(params["signature"])
    except (KeyError, ValueError) as err:
        raise SignatureRejected("err.signature.invalid", "the signature is not in the DCI format "
                                "(namespace, kidId, algorithm, created, expires, headers, signature)") from err
    if params.get("namespace") not in NAMESPACES:
        raise SignatureRejected("err.signature.invalid", "unknown signature namespace")
    if params.get("algorithm", "").lower() != ALGORITHM or algorithm.lower() != ALGORITHM:
        raise SignatureRejected("err.signature.invalid", "only algorithm ed25519 is accepted")
    if " ".join(params.get("headers", "").split()) != SIGNED_HEADERS:
        raise SignatureRejected("err.signature.invalid", f'headers must be "{SIGNED_HEADERS}"')
    return ParsedSignature(params["namespace"], sender_id, key_id, created, expires, signature)


def verify(text: str | None, header: dict[str, Any], message: Any, *, keys: dict[str, Ed25519PublicKey],
           sender_id: str, now: int, max_ttl_s: int, skew_s: int) -> ParsedSignature:
    """Check a received message's signature against the sender's registered keys (by unique key id)."""
    parsed = parse(text)
    if parsed.sender_id != sender_id:
        raise SignatureRejected("err.signature.invalid", "kidId names another sender than header.sender_id")
    key = keys.get(parsed.key_id)
    if key is None:
        raise SignatureRejected("err.signature.invalid", "kidId names a key not registered for this sender")
    if parsed.created > now + skew_s:
        raise SignatureRejected("err.signature.invalid", "signature created in the future")
    if parsed.expires < now - skew_s:
        raise SignatureRejected("err.signature.invalid", "signature expired")
    if parsed.expires <= parsed.created or parsed.expires - parsed.created > max_ttl_s:
        raise SignatureRejected("err.signature.invalid", f"signature validity must be 1..{max_ttl_s} s")
    try:
        key.verify(parsed.signature, signing_string(parsed.created, parsed.expires, header, message))
    except InvalidSignature as err:
        raise SignatureRejected("err.signature.invalid", "signature does not match the header and message") from err
    return parsed


class Signer:
    """Signs with one Ed25519 key; `kid` is its RFC 7638 thumbprint, published in the JWKS."""

    def __init__(self, key: Ed25519PrivateKey, sender_id: str, ttl_s: int = 300) -> None:
        self.key = key
        self.sender_id = sender_id
        self.ttl_s = ttl_s
        self.kid = thumbprint(key.public_key())
        #: other public keys the JWKS publishes beside the signing key (the encryption key, `use: enc`)
        self.also_published: list[dict[str, Any]] = []

    @classmethod
    def from_seed(cls, seed: bytes, sender_id: str) -> Signer:
        return cls(Ed25519PrivateKey.from_private_bytes(seed), sender_id)

    def sign(self, header: dict[str, Any], message: Any, now: int) -> str:
        created, expires = now, now + self.ttl_s
        raw = self.key.sign(signing_string(created, expires, header, message))
        return (f'Signature: namespace="{NAMESPACE}", kidId="{self.sender_id}|{self.kid}|{ALGORITHM}", '
                f'algorithm="{ALGORITHM}", created="{created}", expires="{expires}", '
                f'headers="{SIGNED_HEADERS}", signature="{base64.b64encode(raw).decode()}"')

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**public_jwk(self.key.public_key()), "kid": self.kid, "use": "sig", "alg": "EdDSA"},
                         *self.also_published]}
