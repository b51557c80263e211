"""The enterprise service's web app: the composition root (API, relay with the contract mapper, CSR consumer)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from enterprise.application.publishing import publish_contract
from enterprise.config import VERSION, Settings
from enterprise.entrypoints.api.routes import router
from enterprise.entrypoints.consumers.csr_ledger import csr_consumer
from enterprise.entrypoints.consumers.registry import registry_consumer
from gotong.api.app import create_app as create_kit_app
from gotong.messaging.consumer import consumers_lifespan
from gotong.messaging.relay import relay_lifespan

DESCRIPTION = (
    "Social entrepreneurship: social enterprises (PT, CV, koperasi, yayasan, PT perorangan) and their mission, "
    "review by ops, impact reports coded to IRIS+ with corrections and review, derived figures (self-sufficiency, "
    "grant dependency, cost per beneficiary, trend), households employed or served by pseudonymous reference "
    "(graduation signals, checked against the registry replica), and CSR grants from the CSR ledger."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    hooks: list[Any] = [relay_lifespan]
    consumers = [c for c, on in ((csr_consumer, settings.consume_csr), (registry_consumer, settings.consume_registry))
                 if on]
    if consumers:
        hooks.append(lambda app: consumers_lifespan(app, consumers))
    app = create_kit_app(settings, title="Gotong social enterprise", version=VERSION, description=DESCRIPTION,
                         routers=[router], lifespan_hooks=hooks)
    app.state.contract_mapper = publish_contract
    return app
