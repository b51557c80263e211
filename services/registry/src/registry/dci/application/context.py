"""What the DCI API runs with: clients, the registry's signer, the sealing key, the callback policy and sender;
and what a received message is once its checks passed."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel
from uuid6 import uuid7

from gotong.domain.clock import SYSTEM_CLOCK, Clock
from registry.adapters.crypto import KeyRing, seal, unseal
from registry.config import Settings
from registry.dci.adapters.callbacks import CallbackPolicy, CallbackSender
from registry.dci.adapters.clients import ClientRegistry, DciClient
from registry.dci.adapters.directory import ClientDirectory
from registry.dci.adapters.encryption import Decrypter, encrypt
from registry.dci.adapters.jwks import JwksCache
from registry.dci.adapters.outbox import CallbackOutbox
from registry.dci.adapters.signature import Signer
from registry.dci.domain.schemas import MsgCallbackHeader, MsgHeader

#: Where each callback goes below a client's registered `callback_base` (the spec's paths).
CALLBACK_PATHS = {"on-search": "/registry/on-search", "txn-on-status": "/registry/txn/on-status",
                  "on-subscribe": "/registry/on-subscribe", "on-unsubscribe": "/registry/on-unsubscribe",
                  "notify": "/registry/notify"}

M = TypeVar("M", bound=BaseModel)


def _secret(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class EncryptionUnavailable(Exception):
    """An answer asked for encrypted cannot be: the client has no encryption key (any more)."""


@dataclass
class Received(Generic[M]):
    """A message that passed the checks: who sent it, the scopes it may use, its header and message."""

    client: DciClient
    scopes: frozenset[str]
    header: MsgHeader
    message: M
    digest: str
    #: the message came encrypted (`is_msg_encrypted`): what answers it is encrypted to the client's key
    encrypted: bool = False

    @property
    def encrypt_to(self) -> DciClient | None:
        """The client whose key answers are encrypted to, or None (answered in clear)."""
        return self.client if self.encrypted else None


@dataclass
class Dci:
    settings: Settings
    #: the clients as the database holds them (every instance reads the same table)
    clients: ClientDirectory
    #: clients from DCI_CLIENTS / DCI_CLIENTS_FILE, added to the table at start-up if absent
    seeds: list[DciClient]
    signer: Signer
    keyring: KeyRing
    box_key: bytes
    policy: CallbackPolicy
    sender: CallbackSender
    jwks: JwksCache
    #: the registry's encryption key (None: DCI_ENCRYPTION_ENABLED is off, encrypted messages are refused)
    decrypter: Decrypter | None = None
    #: what signature windows and key overlap windows are checked against (tests move a FixedClock)
    clock: Clock = SYSTEM_CLOCK
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    purged_at: float = 0.0
    #: Held while old records are purged: one purge at a time, whoever runs it (the worker, a test, an admin).
    purge_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def from_settings(cls, settings: Settings, keyring: KeyRing) -> Dci:
        master = _secret(settings.master_secret)
        seed = (_secret(settings.dci_signing_key) if settings.dci_signing_key
                else hmac.new(master, b"gotong-registry-dci-signing", hashlib.sha256).digest())
        box_key = hmac.new(master, b"gotong-registry-dci-box", hashlib.sha256).digest()
        policy = CallbackPolicy(settings.dci_test_callback_origins)
        seeds = list(ClientRegistry.from_settings(settings).by_client.values())
        signer = Signer.from_seed(seed, settings.dci_sender_id)
        decrypter = None
        if settings.dci_encryption:
            decrypter = Decrypter.from_seed(
                _secret(settings.dci_encryption_key) if settings.dci_encryption_key
                else hmac.new(master, b"gotong-registry-dci-encryption", hashlib.sha256).digest())
            signer.also_published.append(decrypter.jwk())
        return cls(settings, ClientDirectory(), seeds, signer, keyring, box_key, policy, CallbackSender(policy),
                   JwksCache(policy), decrypter)

    def seal(self, payload: Any, context: str) -> str:
        return seal(self.box_key, {"v": payload}, context.encode())

    def unseal(self, sealed: str, context: str) -> Any:
        return unseal(self.box_key, sealed, context.encode())["v"]

    def signed(self, *, action: str, receiver_id: str, status: str, total: int, completed: int,
               message: dict[str, Any], reason_code: str | None = None,
               reason_message: str | None = None, meta: dict[str, Any] | None = None,
               encrypt_to: DciClient | None = None) -> dict[str, Any]:
        """A message from the registry: callback header, the message, and the registry's signature. With
        `encrypt_to` (a client that asked encrypted) the message is encrypted to its key first, then signed as
        sent; a client without a key is never sent in clear what it asked encrypted (`EncryptionUnavailable`)."""
        if encrypt_to is not None:
            if encrypt_to.encryption_key is None:
                raise EncryptionUnavailable(f"client {encrypt_to.client_id} has no encryption key registered")
            message = encrypt(message, encrypt_to.encryption_key)
        header = MsgCallbackHeader(
            message_id=str(uuid7()), message_ts=now_iso(), action=action, status=status,
            status_reason_code=reason_code, status_reason_message=reason_message, total_count=total,
            completed_count=completed, sender_id=self.signer.sender_id, receiver_id=receiver_id, meta=meta,
            is_msg_encrypted=encrypt_to is not None,
        ).model_dump(exclude_none=True)
        return {"signature": self.signer.sign(header, message, int(time.time())), "header": header,
                "message": message}

    def callback_url(self, client: DciClient, sender_uri: str | None, action: str) -> str | None:
        """`sender_uri` when given (already checked against the client's origins), else the registered base."""
        if sender_uri:
            return sender_uri
        if client.callback_base:
            return client.callback_base + CALLBACK_PATHS[action]
        return None

    async def enqueue(self, outbox: CallbackOutbox, client: DciClient, action: str, url: str,
                      body: dict[str, Any], correlation_id: str | None) -> None:
        """Queue a signed callback (sealed) in the caller's transaction and wake the worker."""
        await outbox.add(client.client_id, action, url, self.seal(body, "dci-outbox"), correlation_id)
        self.wake.set()


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)
