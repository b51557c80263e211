"""Fixtures: the service app over HTTP (real PostgreSQL), an in-process payment channel, officers' tokens,
and a way to put households into the replica as the registry's events would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from gotong_contracts.registry import HouseholdChanged

from disbursement.adapters import channel as channel_adapter
from disbursement.adapters import replica
from disbursement.adapters.g2p_signature import raw_public_key
from disbursement.bootstrap import create_app
from disbursement.config import Settings
from disbursement.entrypoints.state import service
from disbursement.simulator import Channel, ChannelConfig, create_simulator, deliver_due, new_signer
from gotong.api.app import runtime
from gotong.testing.tokens import TokenIssuer

ISSUER = TokenIssuer()


def auth(sub: str, scopes: str = "disbursement:read disbursement:write") -> dict[str, str]:
    return ISSUER.headers(sub, scopes)


OPS = auth("ops-1")
OPS_2 = auth("ops-2")
SUPERVISOR = auth("sup-1", "disbursement:read disbursement:write disbursement:approve")
OPS_WHO_CAN_APPROVE = auth("ops-1", "disbursement:read disbursement:write disbursement:approve")


@pytest.fixture
def schema_service():
    return "disbursement"


@dataclass
class Env:
    client: httpx.AsyncClient
    app: Any
    channel: Channel
    channel_client: httpx.AsyncClient
    ops = OPS
    ops2 = OPS_2
    supervisor = SUPERVISOR
    ops_who_can_approve = OPS_WHO_CAN_APPROVE

    @staticmethod
    def token(sub: str, scopes: str) -> dict[str, str]:
        return auth(sub, scopes)

    async def households(self, *events: HouseholdChanged) -> None:
        async with runtime(self.app).database.transaction() as sql:
            for e in events:
                await replica.apply_changed(sql, e)

    async def sql(self, query: str, *args: Any) -> list[Any]:
        async with runtime(self.app).database.statement() as sql:
            return list(await sql.fetch(query, *args))

    async def run_channel(self, rounds: int = 4) -> None:
        """Send every pending instruction, let the channel answer all of it, repeat until quiet."""
        settings = service(self.app).settings
        for _ in range(rounds):
            while await channel_adapter.send_pending(runtime(self.app).database, settings, self.channel_client):
                pass
            if not await deliver_due(self.channel, self.client, everything=True) and not self.channel.outbox:
                return

    def configure_channel(self, **rates: Any) -> None:
        self.channel.config = ChannelConfig(**rates)

    async def post(self, path: str, who: dict[str, str] = OPS, body: Any = None, **kw: Any) -> httpx.Response:
        return await self.client.post(path, headers=who, json=body, **kw)

    async def cycle(self, program: str = "BPNT", period: str = "2026-Q4", cutoff: str = "2026-10-01",
                    *, until: str = "approved") -> str:
        r = await self.post("/v1/cycles", body={"program": program, "period": period, "cutoff": cutoff})
        assert r.status_code == 201, r.text
        cid: str = r.json()["cycle_id"]
        steps = [("computed", f"/v1/cycles/{cid}/compute", OPS, None),
                 ("reviewed", f"/v1/cycles/{cid}/review", OPS_2, {"note": "diperiksa"}),
                 ("approved", f"/v1/cycles/{cid}/approve", SUPERVISOR, None),
                 ("paying", f"/v1/cycles/{cid}/pay", OPS, None)]
        for state, path, who, body in steps:
            if until == "open":
                break
            r = await self.post(path, who, body)
            assert r.status_code == 200, r.text
            assert r.json()["status"] == state
            if state == until:
                break
        return cid


@pytest.fixture
async def env(database_url, kafka_bootstrap):
    signer = new_signer()  # the channel's key: the service trusts its public half, as CHANNEL_PUBLIC_KEYS says
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        consume_registry=False, consume_csr_ledger=False, dispatch_enabled=False,
                        embedded_channel=False, channel_url="http://channel", callback_base_url="http://disbursement",
                        channel_public_keys={signer.kid: raw_public_key(signer.key.public_key())})
    app = create_app(settings)
    sim = create_simulator(ChannelConfig(delay_s=0), signer=signer, with_delivery=False)
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), base_url="http://channel") as cc, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://disbursement") as c:
            service(app).channel_client = cc
            yield Env(c, app, sim.state.channel, cc)
