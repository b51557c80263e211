"""The ministry clients allowed to use the DCI API: who they are, their signing keys, where callbacks may go.

Clients come from `DCI_CLIENTS_FILE` (a JSON list) and/or `DCI_CLIENTS` (the same list inline):

    [{"client_id": "kemenkes", "sender_id": "kemenkes.go.id",
      "keys": [{"key_id": "k1", "public_key": "<base64 of 32 raw bytes | PEM | OKP JWK>"}],
      "callback_base": "https://dci.kemenkes.go.id/dci", "callback_origins": ["https://dci.kemenkes.go.id"],
      "scopes": ["dci:search", "dci:search:identity", "dci:subscribe"],
      "encryption_key": {"kty": "OKP", "crv": "X25519", "x": "..."}}]

`client_id` is the OAuth2 client of the bearer token; `sender_id` (default: the client id) the DCI sender.
`scopes` caps what the client may get whatever its token says (omit it to trust the token alone).

These settings only seed the `dci_clients` table at start-up (a client already there is left as it is): the
table is what every registry instance reads (`adapters.directory`), managed with `gotong registry dci client
...` or the admin API, without a restart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field

from registry.dci.adapters.encryption import load_encryption_key
from registry.dci.adapters.signature import load_public_key, thumbprint

#: The marker scope of a sandbox client (see `DciClient.effective_scopes`).
SANDBOX = "dci:sandbox"


class KeyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_id: str | None = Field(default=None, description="the unique_key_id in kidId; default RFC 7638 thumbprint")
    public_key: str | dict[str, Any]


class ClientConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(min_length=1)
    sender_id: str | None = None
    name: str | None = None
    keys: list[KeyConfig] = []
    callback_base: str | None = None
    callback_origins: list[str] = []
    scopes: list[str] | None = None
    jwks_url: str | None = None
    sandbox: bool = False
    encryption_key: str | dict[str, Any] | None = Field(
        default=None, description="its X25519 or RSA public key (JWK) that encrypted answers are encrypted to")


def origin(url: str) -> str:
    """`scheme://host:port` of a URL, with the default port made explicit (what origins are compared on)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL")
    port = parts.port or (443 if scheme == "https" else 80)
    host = parts.hostname.lower()
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


@dataclass(frozen=True)
class DciClient:
    client_id: str
    sender_id: str
    keys: dict[str, Ed25519PublicKey]
    callback_base: str | None
    callback_origins: frozenset[str]
    scopes: frozenset[str] | None = field(default=None)
    #: the end of each key's overlap window after a rotation (absent: valid until rotated)
    key_until: dict[str, datetime] = field(default_factory=dict)
    jwks_url: str | None = None
    sandbox: bool = False
    #: why the client was revoked; None while it is active
    revoked: str | None = None
    #: its public encryption key (X25519 or RSA JWK): answers to its encrypted messages are encrypted to it
    encryption_key: dict[str, str] | None = None

    @classmethod
    def from_config(cls, cfg: ClientConfig) -> DciClient:
        if not cfg.keys and not cfg.jwks_url:
            raise ValueError("a client needs a key or a jwks_url")
        keys: dict[str, Ed25519PublicKey] = {}
        for k in cfg.keys:
            key = load_public_key(k.public_key)
            keys[k.key_id or thumbprint(key)] = key
        origins = {origin(o) for o in cfg.callback_origins}
        if cfg.callback_base:
            origins.add(origin(cfg.callback_base))
        return cls(cfg.client_id, cfg.sender_id or cfg.client_id, keys,
                   cfg.callback_base.rstrip("/") if cfg.callback_base else None, frozenset(origins),
                   frozenset(cfg.scopes) if cfg.scopes is not None else None, jwks_url=cfg.jwks_url,
                   sandbox=cfg.sandbox, encryption_key=load_encryption_key(cfg.encryption_key)
                   if cfg.encryption_key is not None else None)

    def keys_at(self, now: datetime) -> dict[str, Ed25519PublicKey]:
        """The inline keys valid at `now`: a rotated-out key only until the end of its overlap window."""
        return {kid: key for kid, key in self.keys.items() if kid not in self.key_until or now < self.key_until[kid]}

    def effective_scopes(self, token_scopes: frozenset[str]) -> frozenset[str]:
        """The token's scopes within the client's cap; a sandbox client's always carry `dci:sandbox`, which only
        narrows what searches and notifies see (to the synthetic/test households)."""
        if "*" in token_scopes:
            token_scopes = self.scopes or frozenset()
        effective = token_scopes if self.scopes is None else token_scopes & self.scopes
        return effective | {SANDBOX} if self.sandbox else effective - {SANDBOX}


class ClientRegistry:
    def __init__(self, clients: list[DciClient]) -> None:
        self.by_client = {c.client_id: c for c in clients}
        self.by_sender = {c.sender_id: c for c in clients}

    @classmethod
    def from_settings(cls, settings: Any) -> ClientRegistry:
        raw: list[Any] = list(getattr(settings, "dci_clients", []) or [])
        path = getattr(settings, "dci_clients_file", None)
        if path:
            raw.extend(json.loads(Path(path).read_text()))
        return cls([DciClient.from_config(ClientConfig.model_validate(c)) for c in raw])

    def get(self, client_id: str | None) -> DciClient | None:
        return self.by_client.get(client_id or "")
