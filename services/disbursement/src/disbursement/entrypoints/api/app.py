"""The disbursement service's web app: the composition root for its HTTP process (API, relay, the registry
replica consumer, the payment dispatcher)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from disbursement.adapters.channel import dispatch
from disbursement.application.cycles import pay_released
from disbursement.application.programs import define_program, shipped_programs
from disbursement.config import VERSION, Settings
from disbursement.entrypoints.api import g2p
from disbursement.entrypoints.api.routes import public, router
from disbursement.entrypoints.consumers.csr import csr_consumer
from disbursement.entrypoints.consumers.registry import registry_consumer
from disbursement.simulator import ChannelConfig, create_simulator, deliver
from gotong.api.app import create_app as create_kit_app
from gotong.api.periodic import periodic
from gotong.contracts.disbursement import EVENTS, CycleApproved, CycleClosed
from gotong.eventstore import EventMetadata
from gotong.eventstore.model import RecordedEvent
from gotong.messaging.consumer import consumers_lifespan
from gotong.messaging.relay import relay_lifespan

log = logging.getLogger("disbursement")

DESCRIPTION = (
    "Targeted aid (PKH, BPNT, BLT, CSR-funded programs): programs as configuration with explainable, versioned "
    "eligibility rules over a replica of the registry; cycles with maker–checker and a budget check; one payment "
    "per program, cycle and household; payments over G2P Connect with reconciliation. Money is integer rupiah."
)


def publish_contract(event: RecordedEvent) -> tuple[str, int, dict[str, Any]] | None:
    """Publish the contract events; internal cycle events (opened, computed, reviewed …) stay inside.
    The internal CycleApproved/CycleClosed carry the officer, which the contract leaves out."""
    if event.event_type == "PaymentRecorded" or event.event_type == "ProgramDefined":
        return event.event_type, event.schema_version, dict(event.data)
    if event.event_type in (CycleApproved.event_type, CycleClosed.event_type):
        model = EVENTS[event.event_type]
        return event.event_type, model.schema_version, model.model_validate(dict(event.data)).model_dump(mode="json")
    return None


@contextlib.asynccontextmanager
async def load_programs(app: FastAPI) -> AsyncIterator[None]:
    """Define the shipped programs (a definition already there is left alone; a new rule version is recorded)."""
    if app.state.settings.load_shipped_programs:
        for definition in shipped_programs():
            async with app.state.store.transaction() as tx:
                await define_program(tx, definition, EventMetadata(actor="config"))
    yield


@contextlib.asynccontextmanager
async def channel_client(app: FastAPI) -> AsyncIterator[None]:
    yield
    client = getattr(app.state, "channel_client", None)
    if client is not None:
        await client.aclose()


@contextlib.asynccontextmanager
async def embedded_channel(app: FastAPI) -> AsyncIterator[None]:
    """Local convenience (`gotong up`): the channel simulator mounted at /channel delivers its callbacks."""
    stop = asyncio.Event()
    # Callbacks go straight into this app (no network, whatever port it runs on).
    to_self = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=30)
    task = asyncio.create_task(deliver(app.state.embedded_channel, stop, to_self), name="embedded-channel")
    try:
        yield
    finally:
        stop.set()
        await task


EMBEDDED_CHANNEL_URL = "http://embedded-channel"

async def payment_jobs(app: FastAPI) -> None:
    """Every few seconds: instruct households cleared from review, then send instructions to the channel."""
    try:
        await pay_released(app.state.store)
    except Exception as err:  # e.g. an officer's `pay` of the same cycle won the race: next round
        log.warning("instructing cleared holds failed: %s", type(err).__name__)
    await dispatch(app)


dispatcher = periodic("payment dispatch", lambda app: app.state.settings.dispatch_interval_s, payment_jobs)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.check_production()  # before the embedded channel rewrites the channel URL below
    if settings.embedded_channel:  # instructions go to the mounted simulator in-process, whatever CHANNEL_URL says
        settings = settings.model_copy(update={"channel_url": EMBEDDED_CHANNEL_URL,
                                               "callback_base_url": "http://disbursement.local"})
    hooks: list[Any] = [relay_lifespan, load_programs, channel_client]
    consumers = [f for f, on in ((registry_consumer, settings.consume_registry),
                                 (csr_consumer, settings.consume_csr_ledger)) if on]
    if consumers:
        hooks.append(lambda app: consumers_lifespan(app, consumers))
    if settings.dispatch_enabled:
        hooks.append(dispatcher)
    if settings.embedded_channel:
        hooks.append(embedded_channel)
    app = create_kit_app(settings, title="Gotong disbursement", version=VERSION, description=DESCRIPTION,
                         routers=[router, public, g2p.router], lifespan_hooks=hooks)
    app.state.contract_mapper = publish_contract
    if settings.embedded_channel:
        sim = create_simulator(ChannelConfig(secret=settings.channel_secret, failure_rate=0.02, return_rate=0.01,
                                             wrong_amount_rate=0.005, delay_s=1.0), with_delivery=False)
        app.state.embedded_channel = sim.state.channel
        app.state.channel_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), timeout=30)
        app.mount("/channel", sim)  # GET /channel/ledger shows what it paid
    return app
