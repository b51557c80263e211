"""The service's own running parts (typed), beside the kit's `runtime(app)`: read with `service(app)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from disbursement.config import Settings
from disbursement.simulator import Channel


@dataclass
class Service:
    settings: Settings
    #: How instructions reach the payment channel (the mounted simulator's in-process client, or a plain one).
    channel_client: httpx.AsyncClient | None = None
    #: The simulator mounted at /channel (local use), if any.
    embedded_channel: Channel | None = None
    #: The channel's public keys its callbacks must be signed with, by `{sender_id}|{unique key id}`.
    callback_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)


def service(app: Any) -> Service:
    return cast(Service, app.state.disbursement)
