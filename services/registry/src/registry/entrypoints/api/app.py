"""The registry service's web app: the composition root for its HTTP process (the relay runs inside)."""

from __future__ import annotations

from fastapi import FastAPI

from gotong.api.app import create_app as create_kit_app
from gotong.messaging.relay import relay_lifespan
from registry.config import VERSION, Settings

DESCRIPTION = (
    "The digital social-economic registry (DTSEN): households and their members, verification, the "
    "welfare ranking (desil 1–10, the national income decile) and the public \"is my aid coming?\" "
    "check. Personal data (NIK, No. KK, names, addresses) is kept encrypted per household and found "
    "by a blind index; other services refer to people only by a pseudonymous reference."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_kit_app(
        settings, title="Gotong registry", version=VERSION, description=DESCRIPTION,
        lifespan_hooks=[relay_lifespan],
    )
