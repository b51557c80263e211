"""The disbursement desk through the console against the real disbursement app, each officer with their own
token: open a cycle, compute, review, approve (refused to the officer who opened and computed it, done by
another supervisor), pay."""

import re

import httpx
import pytest

from disbursement.adapters import replica
from disbursement.bootstrap import create_app as create_disbursement_app
from disbursement.config import Settings as DisbursementSettings
from disbursement.fixtures import changed
from gotong.api.app import runtime
from gotong.api.auth import JWKSVerifier
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.testing.plugin import create_test_database
from ops_console.bootstrap import create_app

ISSUER, CONSOLE = "http://auth.test", "https://console.test"
FORM = re.compile(r'<form method="post" action="([^"]+)"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)">'
                  r'<input type="hidden" name="idem" value="([^"]+)">')


@pytest.fixture
async def desk(database_url, kafka_bootstrap, test_infra, idp, console_settings_for):
    topics = [events_topic(s) for s in ("registry", "disbursement", "csr-ledger")]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    db = await create_test_database(test_infra.database_url, "disbursement")
    settings = DisbursementSettings(database_url=db, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                                    consume_registry=False, consume_csr_ledger=False, dispatch_enabled=False,
                                    embedded_channel=False, channel_url="http://channel",
                                    callback_base_url="http://disbursement")
    disbursement = create_disbursement_app(settings)
    async with disbursement.router.lifespan_context(disbursement), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=disbursement), base_url="http://disbursement") as owner_http:
        disbursement.state.token_verifier = JWKSVerifier(f"{ISSUER}/.well-known/jwks.json", issuer=ISSUER,
                                                         audience="gotong-disbursement", client=idp)
        async with runtime(disbursement).database.transaction() as sql:
            for event in (changed("HH-A", 1), changed("HH-B", 1), changed("HH-RICH", 1, desil=9)):
                await replica.apply_changed(sql, event)
        console = create_app(console_settings_for(database_url, kafka_bootstrap, consumers_enabled=False),
                             oidc_http=idp, owner_http=owner_http)
        async with console.router.lifespan_context(console):
            yield console


def form_for(page: str, action: str) -> dict[str, str]:
    for found, csrf, idem in FORM.findall(page):
        if found == action:
            return {"csrf": csrf, "idem": idem}
    raise AssertionError(f"no form for {action} in the page")


async def step(client: httpx.AsyncClient, cycle: str, name: str) -> httpx.Response:
    page = await client.get(f"/cycles/{cycle}")
    assert page.status_code == 200, page.text
    return await client.post(f"/cycles/{cycle}/{name}", data=form_for(page.text, f"/cycles/{cycle}/{name}"))


async def test_a_cycle_from_opening_to_payment_with_four_eyes(desk, idp, sign_in):
    clients = {who: httpx.AsyncClient(transport=httpx.ASGITransport(app=desk), base_url=CONSOLE)
               for who in ("ani", "budi", "citra")}
    try:
        for who, client in clients.items():
            assert (await sign_in(client, idp, who)).status_code == 303
        ani, budi, citra = clients["ani"], clients["budi"], clients["citra"]

        listing = await budi.get("/cycles")
        opened = await budi.post("/cycles", data={**form_for(listing.text, "/cycles"), "program": "BPNT",
                                                  "period": "2026-Q4", "cutoff": "2026-10-01"})
        assert opened.status_code == 303, opened.text
        listing = await budi.get("/cycles", params={"program": "BPNT"})
        [cycle] = re.findall(r'href="/cycles/([0-9a-f-]{36})"', listing.text)
        assert "2026-Q4" in listing.text

        assert (await step(budi, cycle, "compute")).status_code == 303
        assert (await step(ani, cycle, "review")).status_code == 303
        own = await step(budi, cycle, "approve")
        assert own.status_code == 403, own.text
        assert "Anda tidak berwenang" in own.text or "Empat mata" in own.text
        detail = (await budi.get(f"/cycles/{cycle}")).text
        assert "<dt>status</dt><dd>reviewed</dd>" in detail, "the refused approval changed nothing"

        assert (await step(citra, cycle, "approve")).status_code == 303
        assert (await step(ani, cycle, "pay")).status_code == 303
        detail = (await ani.get(f"/cycles/{cycle}?lang=en")).text
        assert "<dt>status</dt><dd>paying</dd>" in detail
        assert "<dt>approved_by</dt><dd>citra</dd>" in detail, "the second supervisor approved"
        households = re.search(r"<dt>households</dt><dd>([\d,]+)</dd>", detail)
        assert households is not None
        assert households.group(1) == "2", "the two poorer households, not the rich one"
    finally:
        for client in clients.values():
            await client.aclose()
