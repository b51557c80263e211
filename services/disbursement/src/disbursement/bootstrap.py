"""The disbursement service's composition root: its projectors and the app (API, relay, the registry replica
and CSR consumers, the payment dispatcher, the embedded channel simulator), and how the launcher finds,
migrates and runs it (entry point `gotong.services`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import FastAPI

from disbursement.adapters.channel import dispatch
from disbursement.adapters.g2p_signature import Signer, load_or_create_key, trusted_keys
from disbursement.adapters.projections import projectors
from disbursement.adapters.shipped import shipped_programs
from disbursement.application.cycles import cycles, pay_released
from disbursement.application.payments import forget_expired_callbacks, payments
from disbursement.application.programs import define_program, programs
from disbursement.application.publishing import publish_contract
from disbursement.config import VERSION, Settings
from disbursement.demo import load_demo
from disbursement.entrypoints import state as st
from disbursement.entrypoints.api import g2p
from disbursement.entrypoints.api.routes import router
from disbursement.entrypoints.cli import cycle, disbursement
from disbursement.entrypoints.consumers.csr import csr_consumer
from disbursement.entrypoints.consumers.registry import registry_consumer
from disbursement.simulator import ChannelConfig, create_simulator, deliver, new_signer
from gotong.api.app import create_app as create_kit_app
from gotong.api.app import runtime
from gotong.api.periodic import periodic
from gotong.application.repository import Repository
from gotong.domain.aggregate import Aggregate
from gotong.domain.clock import SYSTEM_CLOCK, Clock
from gotong.eventstore import EventMetadata
from gotong.messaging.consumer import consumers_lifespan
from gotong.messaging.relay import relay_lifespan
from gotong.messaging.topics import events_topic
from gotong.service import ServiceSpec

log = logging.getLogger("disbursement")

#: The aggregates whose state the projectors write (what a rebuild replays into `projectors.tables`).
REBUILT: list[Repository[Aggregate]] = [programs, cycles, payments]  # type: ignore[list-item]

DESCRIPTION = (
    "Targeted aid (PKH, BPNT, BLT, CSR-funded programs): programs as configuration with explainable, versioned "
    "eligibility rules over a replica of the registry; cycles with maker–checker and a budget check; one payment "
    "per program, cycle and household; payments over G2P Connect with reconciliation. Money is integer rupiah."
)
EMBEDDED_CHANNEL_URL = "http://embedded-channel"
Hook = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@contextlib.asynccontextmanager
async def load_programs(app: FastAPI) -> AsyncIterator[None]:
    """Define the shipped programs (a definition already there is left alone; a new rule version is recorded)."""
    if st.service(app).settings.load_shipped_programs:
        units = runtime(app).units
        for definition in shipped_programs():
            async with units.begin(EventMetadata(actor="config")) as uow:
                await define_program(uow, definition)
    yield


@contextlib.asynccontextmanager
async def channel_client(app: FastAPI) -> AsyncIterator[None]:
    state = st.service(app)
    if state.channel_client is None:
        state.channel_client = httpx.AsyncClient()
    owned = state.channel_client
    try:
        yield
    finally:
        await owned.aclose()


@contextlib.asynccontextmanager
async def embedded_channel(app: FastAPI) -> AsyncIterator[None]:
    """Local convenience (`gotong up`): the channel simulator mounted at /channel delivers its callbacks."""
    stop = asyncio.Event()
    # Callbacks go straight into this app (no network, whatever port it runs on).
    to_self = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), timeout=30)
    channel = st.service(app).embedded_channel
    assert channel is not None
    task = asyncio.create_task(deliver(channel, stop, to_self), name="embedded-channel")
    try:
        yield
    finally:
        stop.set()
        await task


async def payment_jobs(app: FastAPI) -> None:
    """Every few seconds: instruct households cleared from review, then send instructions to the channel; and
    let the callbacks' replay guard forget the messages whose signatures expired."""
    rt, state = runtime(app), st.service(app)
    try:
        await pay_released(rt.units)
    except Exception as err:  # e.g. an officer's `pay` of the same cycle won the race: next round
        log.warning("instructing cleared holds failed: %s", type(err).__name__)
    assert state.channel_client is not None
    await dispatch(rt.database, state.settings, state.channel_client)
    async with rt.units.begin() as uow:
        await forget_expired_callbacks(uow, state.settings.g2p_clock_skew_s)


def callback_keys(settings: Settings) -> tuple[dict[str, Ed25519PublicKey], Signer | None]:
    """The channel keys callbacks must be signed with (CHANNEL_PUBLIC_KEYS), and in local mode the simulator's
    development signer: its key is made once in CHANNEL_DEV_KEY_PATH and trusted when no keys are configured or
    the simulator is embedded. Production never gets here without CHANNEL_PUBLIC_KEYS (`check_production`)."""
    keys = trusted_keys(settings.channel_public_keys or {})
    if settings.gotong_env != "local" or (keys and not settings.embedded_channel):
        return keys, None
    dev = new_signer(load_or_create_key(Path(settings.channel_dev_key_path)))
    return {**keys, **dev.trusted()}, dev


def create_app(settings: Settings | None = None, *, clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    settings = settings or Settings()
    settings.check_production()  # before the embedded channel rewrites the channel URL below
    if settings.embedded_channel:  # instructions go to the mounted simulator in-process, whatever CHANNEL_URL says
        settings = settings.model_copy(update={"channel_url": EMBEDDED_CHANNEL_URL,
                                               "callback_base_url": "http://disbursement.local"})
    hooks: list[Hook] = [relay_lifespan, load_programs, channel_client]
    consumers = [f for f, on in ((registry_consumer, settings.consume_registry),
                                 (csr_consumer, settings.consume_csr_ledger)) if on]
    if consumers:
        hooks.append(lambda app: consumers_lifespan(app, consumers))
    if settings.dispatch_enabled:
        hooks.append(periodic("payment dispatch", lambda app: settings.dispatch_interval_s, payment_jobs))
    if settings.embedded_channel:
        hooks.append(embedded_channel)
    app = create_kit_app(settings, title="Gotong disbursement", version=VERSION, description=DESCRIPTION,
                         routers=[router, g2p.router], lifespan_hooks=hooks, projectors=projectors,
                         clock=clock,
                         contract_mapper=publish_contract)
    keys, dev_signer = callback_keys(settings)
    state = st.Service(settings, callback_keys=keys)
    if settings.embedded_channel:
        sim = create_simulator(ChannelConfig(secret=settings.channel_secret, failure_rate=0.02, return_rate=0.01,
                                             wrong_amount_rate=0.005, delay_s=1.0), signer=dev_signer,
                               with_delivery=False)
        state.embedded_channel = sim.state.channel
        state.channel_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), timeout=30)
        app.mount("/channel", sim)  # GET /channel/ledger shows what it paid
    app.state.disbursement = state
    return app


service = ServiceSpec(
    name="disbursement",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8102,
    demo_data=load_demo,
    cli=(cycle, disbursement),
    consumes=(events_topic("registry"), events_topic("csr-ledger")),
    environment=lambda root: {"CHANNEL_DEV_KEY_PATH": str(root / "g2p" / "channel-dev-key.pem")},
)
