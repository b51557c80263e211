"""The enterprise service's composition root: its projectors, the app (API, relay with the contract mapper,
consumers of the CSR ledger and the registry), and how the launcher finds, migrates and runs it (entry point
`gotong.services`)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from enterprise.adapters.tables import projectors
from enterprise.application.publishing import publish_contract
from enterprise.config import VERSION, Settings
from enterprise.demo import load_demo
from enterprise.entrypoints.api.routes import router
from enterprise.entrypoints.cli import enterprise
from enterprise.entrypoints.consumers.csr_ledger import csr_consumer
from enterprise.entrypoints.consumers.registry import registry_consumer
from gotong.api.app import LifespanHook
from gotong.api.app import create_app as create_kit_app
from gotong.domain.clock import SYSTEM_CLOCK, Clock
from gotong.messaging.consumer import ConsumerFactory, consumer_hook
from gotong.messaging.relay import relay_lifespan
from gotong.messaging.topics import events_topic
from gotong.service import DemoScopes, ServiceSpec

DESCRIPTION = (
    "Social entrepreneurship: social enterprises (PT, CV, koperasi, yayasan, PT perorangan) and their mission, "
    "review by ops, impact reports coded to IRIS+ with corrections and review, derived figures (self-sufficiency, "
    "grant dependency, cost per beneficiary, trend), households employed or served by pseudonymous reference "
    "(graduation signals, checked against the registry replica), and CSR grants from the CSR ledger."
)


def create_app(settings: Settings | None = None, *, clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    settings = settings or Settings()
    hooks: list[LifespanHook] = [relay_lifespan]
    consumers: list[ConsumerFactory] = [
        c for c, on in ((csr_consumer, settings.consume_csr), (registry_consumer, settings.consume_registry)) if on]
    if consumers:
        hooks.append(consumer_hook(*consumers))
    app = create_kit_app(settings, title="Gotong social enterprise", version=VERSION, description=DESCRIPTION,
                         routers=[router], lifespan_hooks=hooks, projectors=projectors, clock=clock,
                         contract_mapper=publish_contract)
    return app


service = ServiceSpec(
    name="enterprise",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8104,
    demo_data=load_demo,
    cli=enterprise,
    consumes=(events_topic("csr-ledger"), events_topic("registry")),
    # Officers review impact reports; supervisors verify enterprises (the second pair of eyes).
    scopes=DemoScopes(officer=("enterprise:review",), supervisor=("enterprise:verify",)),
)
