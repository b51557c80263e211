"""C2SP tlog-checkpoint bodies in C2SP signed-note envelopes, signed with Ed25519.

Checkpoint body (c2sp.org/tlog-checkpoint): "<origin>\\n<tree size>\\n<base64 root hash>\\n".
Signed note (c2sp.org/signed-note): the text, a blank line, then lines "— <key name> <base64(key id || sig)>\\n"
(U+2014 em dash). Ed25519 key id: the first 4 bytes of SHA-256(<key name> || "\\n" || 0x01 || public key); the
signature covers the note text. Verifier keys are written "<name>+<hex key id>+<base64(0x01 || public key)>".
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = b"\x01"
DASH = "\u2014"


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + _raw(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ED25519 + _raw(public)).decode()}"


def parse_verifier_key(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    name, kid_hex, material = vkey.split("+", 2)  # names never contain "+"; base64 may
    raw = base64.b64decode(material)
    if raw[:1] != ED25519 or len(raw) != 33:
        raise ValueError("not an Ed25519 verifier key")
    public = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_id(name, public).hex() != kid_hex:
        raise ValueError("verifier key id does not match its key")
    return name, bytes.fromhex(kid_hex), public


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        lines = body.split("\n")
        if len(lines) < 4 or not lines[1].isdigit() or body[-1:] != "\n":
            raise ValueError("malformed checkpoint")
        root = base64.b64decode(lines[2], validate=True)
        if len(root) != 32:
            raise ValueError("root hash must be 32 bytes")
        return cls(lines[0], int(lines[1]), root)


def sign(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> str:
    text = checkpoint.body()
    signature = key.sign(text.encode())
    line = f"{DASH} {name} {base64.b64encode(key_id(name, key.public_key()) + signature).decode()}\n"
    return text + "\n" + line


def open_note(note: str, vkey: str) -> Checkpoint:
    """The checkpoint inside a signed note, if a signature by `vkey` verifies; ValueError otherwise."""
    name, kid, public = parse_verifier_key(vkey)
    text, sep, signatures = note.partition("\n\n")
    if not sep:
        raise ValueError("signed note has no signature block")
    text += "\n"
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or parts[1] != name:
            continue
        blob = base64.b64decode(parts[2])
        if blob[:4] != kid:
            continue
        try:
            public.verify(blob[4:], text.encode())
        except InvalidSignature as err:
            raise ValueError("checkpoint signature does not verify") from err
        return Checkpoint.parse(text)
    raise ValueError("no signature by this key")
