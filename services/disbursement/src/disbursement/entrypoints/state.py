"""The service's own running parts (typed), beside the kit's `runtime(app)`: read with `service(app)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import httpx

from disbursement.config import Settings
from disbursement.simulator import Channel


@dataclass
class Service:
    settings: Settings
    #: How instructions reach the payment channel (the mounted simulator's in-process client, or a plain one).
    channel_client: httpx.AsyncClient | None = None
    #: The simulator mounted at /channel (local use), if any.
    embedded_channel: Channel | None = None


def service(app: Any) -> Service:
    return cast(Service, app.state.disbursement)
