"""Encrypted DCI messages: the spec's `EncryptedMessage`, a JWE in the flattened JSON serialization (RFC 7516
§7.2.2) whose per-recipient `header` holds `alg`, `enc` and `kid` (and `epk` for ECDH-ES):

    "message": {"header": {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": "<RFC 7638 thumbprint>",
                           "epk": {...}},
                "encrypted_key": "...", "iv": "...", "ciphertext": "...", "tag": "..."}

and `header.is_msg_encrypted: true` in the message header. The plaintext is the message as it would be sent in
clear (UTF-8 JSON). Algorithms: key management `ECDH-ES+A256KW` (an X25519 key) or `RSA-OAEP-256` (an RSA key of
at least 2048 bits), content `A256GCM`; nothing else is accepted (no `zip`, no `dir`, no RSA1_5). A JWE with a
`protected` member is read too (the header parameters then come from both, as RFC 7516 says).

The registry's own key is X25519 (`DCI_ENCRYPTION_KEY`, else derived from the master secret), published in its
JWKS with `use: enc`. The DCI signature covers `{header, message}` as sent, i.e. the encrypted message: it is
checked before anything is decrypted, and what the registry sends is encrypted first, then signed.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from jwcrypto import jwe, jwk

KEY_ALGORITHMS = ("ECDH-ES+A256KW", "RSA-OAEP-256")
CONTENT_ALGORITHM = "A256GCM"
ALGORITHMS = [*KEY_ALGORITHMS, CONTENT_ALGORITHM]
MIN_RSA_BITS = 2048
#: The members of the spec's `EncryptedMessage` (all required) and what else a flattened JWE may hold.
REQUIRED = ("header", "ciphertext", "encrypted_key", "tag", "iv")
ALLOWED = frozenset({*REQUIRED, "protected", "unprotected", "aad"})


class EncryptionRejected(Exception):
    """Why an encrypted message could not be read (the spec's `err.encryption.invalid`); never echoes content."""


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def thumbprint(public: dict[str, Any]) -> str:
    """RFC 7638 thumbprint (SHA-256) of a public JWK: the `kid` of a key."""
    members = ("crv", "kty", "x") if public["kty"] == "OKP" else ("e", "kty", "n")
    canonical = json.dumps({k: public[k] for k in members}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def key_algorithm(public: dict[str, Any]) -> str:
    return "ECDH-ES+A256KW" if public["kty"] == "OKP" else "RSA-OAEP-256"


def load_encryption_key(value: Any) -> dict[str, str]:
    """A client's public encryption key as a JWK (an object or its JSON text): X25519 (`kty: OKP, crv: X25519`) or
    RSA of at least 2048 bits. Returns the public members only; a private key (`d`) is refused, never stored."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as err:
            raise ValueError("not a JWK (JSON object)") from err
    if not isinstance(value, dict):
        raise ValueError("not a JWK (JSON object)")
    if any(k in value for k in ("d", "p", "q", "dp", "dq", "qi")):
        raise ValueError("this is a private key: send the public key only")
    if value.get("use") not in (None, "enc"):
        raise ValueError('"use" must be "enc"')
    kty = value.get("kty")
    try:
        if kty == "OKP" and value.get("crv") == "X25519":
            if len(_b64url_decode(str(value["x"]))) != 32:
                raise ValueError("an X25519 key is 32 bytes")
            public = {"kty": "OKP", "crv": "X25519", "x": str(value["x"])}
        elif kty == "RSA":
            public = {"kty": "RSA", "n": str(value["n"]), "e": str(value["e"])}
            if int.from_bytes(_b64url_decode(public["n"]), "big").bit_length() < MIN_RSA_BITS:
                raise ValueError(f"an RSA key must have at least {MIN_RSA_BITS} bits")
        else:
            raise ValueError("only X25519 (kty OKP, crv X25519) and RSA keys are accepted")
        jwk.JWK(**public)  # the library reads it
    except (KeyError, TypeError) as err:
        raise ValueError("the JWK lacks a member its kty needs (X25519: x; RSA: n, e)") from err
    except ValueError:
        raise
    except Exception as err:  # jwcrypto's own errors: not a usable key
        raise ValueError("not a usable public key") from err
    return public


def encrypt(message: Any, public: dict[str, str]) -> dict[str, Any]:
    """`message` (JSON) as the spec's `EncryptedMessage` to the holder of `public` (see `load_encryption_key`)."""
    token = jwe.JWE(orjson.dumps(message), algs=ALGORITHMS)
    token.add_recipient(jwk.JWK(**public), header=json.dumps(
        {"alg": key_algorithm(public), "enc": CONTENT_ALGORITHM, "kid": thumbprint(public)}))
    out: dict[str, Any] = json.loads(token.serialize(compact=False))
    return out


def check_shape(message: Any) -> dict[str, Any]:
    """The checks of the spec's `EncryptedMessage` and of what we accept; the merged JOSE header."""
    if not isinstance(message, dict):
        raise EncryptionRejected("message: an encrypted message is the spec's EncryptedMessage object "
                                 "(header, ciphertext, encrypted_key, tag, iv)")
    missing = [m for m in REQUIRED if not message.get(m)]
    if missing:
        raise EncryptionRejected(f"message.{missing[0]}: required in an EncryptedMessage "
                                 "(header, ciphertext, encrypted_key, tag, iv)")
    unknown = sorted(set(message) - ALLOWED)
    if unknown:
        raise EncryptionRejected(f"message.{unknown[0]}: not a member of a JWE (flattened JSON serialization)")
    if not all(isinstance(message[m], str) for m in ("ciphertext", "encrypted_key", "tag", "iv")):
        raise EncryptionRejected("message: ciphertext, encrypted_key, tag and iv are base64url strings")
    header = message["header"]
    if not isinstance(header, dict):
        raise EncryptionRejected("message.header: an object with alg, enc and kid")
    merged = dict(header)
    if isinstance(message.get("unprotected"), dict):
        merged.update(message["unprotected"])
    if message.get("protected"):
        try:
            protected = json.loads(_b64url_decode(str(message["protected"])))
        except (ValueError, TypeError) as err:
            raise EncryptionRejected("message.protected: not base64url of a JSON object") from err
        if not isinstance(protected, dict):
            raise EncryptionRejected("message.protected: not base64url of a JSON object")
        merged.update(protected)
    for name in ("alg", "enc", "kid"):
        if not merged.get(name):
            raise EncryptionRejected(f"message.header.{name}: required")
    if merged["alg"] not in KEY_ALGORITHMS:
        raise EncryptionRejected(f"message.header.alg: use {' or '.join(KEY_ALGORITHMS)}")
    if merged["enc"] != CONTENT_ALGORITHM:
        raise EncryptionRejected(f"message.header.enc: use {CONTENT_ALGORITHM}")
    if "zip" in merged or "crit" in merged:
        raise EncryptionRejected("message.header: zip and crit are not accepted")
    return merged


class Decrypter:
    """The registry's X25519 encryption key: decrypts what clients encrypt to it, published in the JWKS."""

    def __init__(self, key: X25519PrivateKey) -> None:
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        x = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.public = {"kty": "OKP", "crv": "X25519", "x": _b64url(x)}
        self.kid = thumbprint(self.public)
        self._key = jwk.JWK(**self.public, d=_b64url(raw))

    @classmethod
    def from_seed(cls, seed: bytes) -> Decrypter:
        return cls(X25519PrivateKey.from_private_bytes(seed))

    def jwk(self) -> dict[str, str]:
        """The public key as the JWKS publishes it."""
        return {**self.public, "kid": self.kid, "use": "enc", "alg": "ECDH-ES+A256KW"}

    def decrypt(self, message: Any) -> Any:
        """The plaintext JSON of an `EncryptedMessage` addressed to this key; `EncryptionRejected` says why not."""
        header = check_shape(message)
        if header["kid"] != self.kid:
            raise EncryptionRejected("message.header.kid: not this registry's encryption key (read it from "
                                     "/dci/.well-known/jwks.json, use enc)")
        if header["alg"] != "ECDH-ES+A256KW":
            raise EncryptionRejected("message.header.alg: this registry's key is X25519: use ECDH-ES+A256KW")
        token = jwe.JWE(algs=ALGORITHMS)
        try:
            token.deserialize(json.dumps(message), key=self._key)
            plaintext = token.payload
        except Exception as err:  # any failure of the library (tag, key unwrap, epk, encoding) is the same refusal
            raise EncryptionRejected("message: the JWE could not be decrypted with this registry's key "
                                     "(tampered, or encrypted to another key)") from err
        try:
            return orjson.loads(plaintext)
        except orjson.JSONDecodeError as err:
            raise EncryptionRejected("message: the decrypted plaintext is not JSON") from err
