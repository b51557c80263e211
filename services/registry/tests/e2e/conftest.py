"""An ops client on a real database and broker, with tokens for officers with different scopes."""

import httpx
import pytest

from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.testing.tokens import TokenIssuer
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.config import Settings
from registry.entrypoints.api.app import create_app

ISSUER = TokenIssuer()
ALL = "registry:read registry:register registry:read-personal registry:rank registry:audit"


def auth(sub: str, scopes: str = ALL) -> dict[str, str]:
    return ISSUER.headers(sub, scopes, client_id=sub)


OPS = auth("ops-1")
VERIFIER = auth("verifier-1", "registry:read registry:verify")
APPROVER = auth("approver-1", "registry:read registry:verify registry:approve")
ERASER = auth("dpo-1", "registry:read registry:erase")


async def rank(client: httpx.AsyncClient, **params: str) -> dict:
    """A ranking run as operations do it: an officer proposes (202), another approves (the ranking is applied)."""
    proposed = await client.post("/v1/rankings", params=params, headers=OPS)
    assert proposed.status_code == 202, proposed.text
    assert proposed.json()["status"] == "proposed"
    approved = await client.post(f"/v1/rankings/{proposed.json()['run_id']}/approve", headers=APPROVER)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    return approved.json()  # type: ignore[no-any-return]


@pytest.fixture
def civil():
    return DukcapilSimulator(seed="test")


@pytest.fixture
async def client(database_url, kafka_bootstrap, civil):
    topics = [events_topic("registry"), events_topic("disbursement")]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        consume_disbursement=False, status_check_per_minute=60)
    app = create_app(settings, deps=Deps(KeyRing.from_text(settings.master_secret), civil))
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registry") as c:
            c.app = app
            yield c
