"""Money is whole rupiah written as a JSON integer: a deposit of `true` (which would be Rp1), `"1000000"`, `1e3`
or `1000.0` is refused naming `body.amount`, as is one past Rp 1.000 triliun or 2^63; nothing is deposited."""

import httpx
import pytest

from csr_ledger.config import Settings
from csr_ledger.entrypoints.api.app import create_app
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.tokens import TokenIssuer

ISSUER = TokenIssuer()
OPS = ISSUER.headers("ops-1", "csr-ledger:read csr-ledger:write")
JSON = {**OPS, "content-type": "application/json"}


@pytest.fixture
async def client(database_url, kafka_bootstrap):
    topics = ["csr-ledger.events", "disbursement.events"]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        consume_disbursement=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://csr") as c:
            yield c


async def test_a_deposit_amount_that_is_not_a_json_integer_of_rupiah_is_refused_naming_it(client):
    r = await client.post("/v1/companies", headers=OPS, json={
        "name": "PT Semen Nusantara Tbk", "nib": "9120001234567", "npwp": "01.234.567.8-901.000",
        "sector": "mining", "tjsl_mandatory": True})
    assert r.status_code == 201, r.text
    deposits = f"/v1/companies/{r.json()['id']}/deposits"
    for amount in (b"true", b'"1000000"', b"1e3", b"1000.0", b"0", b"-5", b"1000000000000001",
                   b"9223372036854775807", b"9223372036854775808"):
        r = await client.post(deposits, headers=JSON, content=b'{"amount": ' + amount + b', "reference": "BNI-1"}')
        assert r.status_code == 422, (amount, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in r.json()["errors"]] == ["body.amount"], amount
    report = (await client.get(f"/v1/companies/{r.request.url.path.split('/')[3]}/report", headers=OPS)).json()
    assert report["deposited"] == 0
    largest = await client.post(deposits, headers=JSON, content=b'{"amount": 1000000000000000, "reference": "BNI-2"}')
    assert largest.status_code == 201, largest.text
