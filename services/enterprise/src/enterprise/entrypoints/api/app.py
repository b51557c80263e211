"""The enterprise service's web app: the composition root for its HTTP process (the relay runs inside)."""

from __future__ import annotations

from fastapi import FastAPI

from enterprise.config import VERSION, Settings
from gotong.api.app import create_app as create_kit_app
from gotong.messaging.relay import relay_lifespan

DESCRIPTION = (
    "Social entrepreneurship: social enterprises and their mission, the vulnerable people they employ "
    "(by pseudonymous reference), earned versus granted income, and impact reports."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_kit_app(
        settings, title="Gotong social enterprise", version=VERSION, description=DESCRIPTION,
        lifespan_hooks=[relay_lifespan],
    )
