"""What the DCI endpoints and the DCI clients' admin API answer: typed models for the OpenAPI document.

The DCI messages themselves are `domain.schemas` (the spec's shapes, sent as they are); this module adds the
signed envelope of a sync answer, the JWKS, and the admin API's views of a client (public keys only).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gotong.api.answers import Answer
from registry.dci.domain.schemas import MsgCallbackHeader, Outgoing, SearchResponse, TxnStatusResponse


class Jwk(Answer):
    """A public key of the registry as a JWK (RFC 8037); `kid` is its RFC 7638 thumbprint. `use: sig` is the
    Ed25519 key that signs what the registry sends; `use: enc`, the X25519 key messages are encrypted to."""

    kty: str = Field(examples=["OKP"])
    crv: str = Field(examples=["Ed25519", "X25519"])
    x: str = Field(description="the 32-byte public key, base64url")
    kid: str
    use: str = Field(examples=["sig", "enc"])
    alg: str = Field(examples=["EdDSA", "ECDH-ES+A256KW"])


class Jwks(Answer):
    keys: list[Jwk]


class JweHeader(Answer):
    alg: str = Field(examples=["ECDH-ES+A256KW", "RSA-OAEP-256"])
    enc: str = Field(examples=["A256GCM"])
    kid: str = Field(description="the RFC 7638 thumbprint of the recipient's encryption key")


class EncryptedMessage(Answer):
    """The spec's `EncryptedMessage`: a JWE in the flattened JSON serialization (RFC 7516), sent instead of the
    message when the request came encrypted (`header.is_msg_encrypted`)."""

    header: JweHeader
    encrypted_key: str
    iv: str
    ciphertext: str
    tag: str


class OnSearch(Outgoing):
    """The answer to a sync search: the signed `on-search` message (`header.status` rjct: refused)."""

    signature: str
    header: MsgCallbackHeader
    message: SearchResponse | EncryptedMessage


class TxnOnStatus(Outgoing):
    """The answer to a sync txn/status: the signed `txn-on-status` message."""

    signature: str
    header: MsgCallbackHeader
    message: TxnStatusResponse | EncryptedMessage


class ClientKey(Answer):
    """One of a client's public keys; `valid`: accepted now (a rotated-out key stays so until `valid_until`)."""

    key_id: str
    kty: str = Field(examples=["OKP"])
    crv: str = Field(examples=["Ed25519"])
    x: str
    valid: bool
    valid_until: str | None = Field(examples=["2026-12-02T00:00:00+00:00"])


class DciClientView(Answer):
    """A ministry's DCI client: who it signs as, where its callbacks may go, what it may ask, its keys."""

    client_id: str = Field(examples=["kemensos-siks"])
    sender_id: str
    jwks_url: str | None
    callback_base: str | None
    callback_origins: list[str]
    scopes: list[str] | None = Field(description="the cap on its token's scopes (None: no cap)",
                                     examples=[["dci:search", "dci:subscribe"]])
    sandbox: bool = Field(description="sees only synthetic households")
    status: Literal["active", "revoked"]
    revoked_reason: str | None
    keys: list[ClientKey]
    encryption_key: dict[str, str] | None = Field(
        description="its public encryption key (X25519 or RSA JWK, with `kid`) answers to its encrypted messages "
                    "are encrypted to (None: it cannot send encrypted)")


class ClientAudit(Answer):
    """One change to a client: who made it, when, and what changed (key ids, origins, scopes; never secrets)."""

    id: int
    client_id: str
    action: str = Field(examples=["add", "rotate-key", "revoke", "seed"])
    actor: str
    at: str
    details: dict[str, Any]
