"""Personal data at rest: AES-256-GCM per household, keys wrapped by a master key, blind indexes for lookups.

- Every household has its own data key (DEK). Personal fields (NIK, No. KK, names, address, phone, bank
  account, full birth date) are sealed with it, in the read model and inside the events themselves.
- The DEK is stored only wrapped by the master key (KEK, from settings; a KMS in production) in
  `household_keys`. Erasure deletes that row: every copy of the household's personal data, in every event
  and every table, becomes unreadable at once (crypto-shredding).
- Lookups never decrypt: a blind index is HMAC-SHA256 of the normalised value under a separate index key,
  so equal values match and nothing else can be learnt from the index.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class KeyRing:
    """Master key (wraps data keys) and index key (blind indexes), both derived from one 32-byte secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the registry master secret must be at least 32 bytes")
        self._secret = secret  # for the bulk import's worker processes (`__reduce__`), never written anywhere
        self._kek = AESGCM(hmac.new(secret, b"gotong-registry-kek", hashlib.sha256).digest())
        self._index_key = hmac.new(secret, b"gotong-registry-blind-index", hashlib.sha256).digest()
        # HMAC-SHA256 (RFC 2104) with the key's inner and outer hash states computed once: per value that is two
        # copies and two short updates, about half of `hmac.new(...).copy()` and a third of `hmac.digest(...)`
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in self._index_key.ljust(64, b"\0")))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in self._index_key.ljust(64, b"\0")))
        self.key_id = hashlib.sha256(b"kid" + secret).hexdigest()[:8]

    def __reduce__(self) -> tuple[type[KeyRing], tuple[bytes]]:
        return KeyRing, (self._secret,)

    @classmethod
    def from_text(cls, text: str) -> KeyRing:
        return cls(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))

    def new_data_key(self) -> tuple[bytes, bytes]:
        """(plain DEK, wrapped DEK to store)."""
        dek = AESGCM.generate_key(bit_length=256)
        return dek, self.wrap(dek)

    def wrap(self, dek: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._kek.encrypt(nonce, dek, b"dek")

    def unwrap(self, wrapped: bytes) -> bytes:
        return self._kek.decrypt(wrapped[:12], wrapped[12:], b"dek")

    def blind(self, kind: str, value: str) -> bytes:
        """Keyed hash of a normalised value; `kind` separates NIK, KK, name keys."""
        inner = self._inner.copy()
        inner.update(f"{kind}:{value}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()[:16]

    def blind_each(self, values: Iterable[tuple[str, str]]) -> list[bytes]:
        """`blind(kind, value)` of each (kind, value), in one call (the bulk import's four per person)."""
        out = []
        for kind, value in values:
            inner = self._inner.copy()
            inner.update(f"{kind}:{value}".encode())
            outer = self._outer.copy()
            outer.update(inner.digest())
            out.append(outer.digest()[:16])
        return out


def seal(dek: bytes, payload: dict[str, Any], context: bytes = b"") -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(dek).encrypt(nonce, orjson.dumps(payload), context)).decode()


def unseal(dek: bytes, sealed: str, context: bytes = b"") -> dict[str, Any]:
    raw = base64.b64decode(sealed)
    return orjson.loads(AESGCM(dek).decrypt(raw[:12], raw[12:], context))  # type: ignore[no-any-return]


def seal_text(dek: bytes, household_id: bytes, text: str) -> str:
    """Free text an officer wrote about a household (a review note, a correction's reason): it may name people,
    so it is sealed with the household's key like its personal data, and erased with it."""
    return seal(dek, {"text": text}, household_id + b"/text")


def unseal_text(dek: bytes, household_id: bytes, sealed: str) -> str | None:
    """The text, or None when `sealed` is not text sealed by `seal_text` (an earlier release kept it plain)."""
    try:
        return str(unseal(dek, sealed, household_id + b"/text")["text"])
    except Exception:  # noqa: BLE001 - not base64, not ours, or plain text: no text to show
        return None


_NON_LETTERS = re.compile(r"[^a-z ]+")
_PREFIXES = ("muhammad", "muhamad", "mohammad", "mohamad", "moh", "muh", "m")


@functools.lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(_NON_LETTERS.sub(" ", text).split())


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A phonetic key for 'similar name' matching of Indonesian names: spelling variants that sound the same
    (Siti/Sity, Dewi/Dewie, Nurhayati/Nur Hayati, Muhammad/Moh., oe/u, dj/j, tj/c) give the same key."""
    text = normalise_name(name)
    words = text.split()
    if words and words[0] in _PREFIXES and len(words) > 1:
        words = ["m", *words[1:]]
    text = "".join(words)
    for old, new in (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("ch", "k"), ("kh", "k"), ("ph", "f"),
                     ("q", "k"), ("x", "ks"), ("z", "s"), ("v", "f"), ("y", "i"), ("w", "u"), ("e", "i"),
                     ("o", "u"), ("h", "")):
        text = text.replace(old, new)
    out: list[str] = []
    for ch in text:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)
