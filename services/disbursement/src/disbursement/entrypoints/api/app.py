"""The disbursement service's web app: the composition root for its HTTP process (the relay runs inside)."""

from __future__ import annotations

from fastapi import FastAPI

from disbursement.config import VERSION, Settings
from gotong.api.app import create_app as create_kit_app
from gotong.messaging.relay import relay_lifespan

DESCRIPTION = (
    "Targeted aid (such as PKH and BPNT): programs, eligibility rules, benefit formulas, cycles, "
    "entitlements, payment instructions and their reconciliation. It learns who is eligible from the "
    "registry's events and keeps its own replica; money is always an integer number of rupiah."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    return create_kit_app(
        settings, title="Gotong disbursement", version=VERSION, description=DESCRIPTION,
        lifespan_hooks=[relay_lifespan],
    )
