"""Closing the loop end to end: the real grievance, registry and disbursement apps, each on its own PostgreSQL
database, their relays publishing to the real broker, talking HTTP to each other with tokens from the kit's own
token server (the grievance worker signs in with its own client credentials; every service verifies through the
JWKS). Nothing is faked but the network between the apps (in-process ASGI) and the payment channel (the
disbursement's own simulator).

- a village officer's usul, upheld by a supervisor, opens a registration request in the registry; the village
  officer completes it from the family card and the household is registered and verified;
- an anonymous sanggah, upheld, puts the listed household in the registry's review queue, and the objector's
  identity appears nowhere outside the grievance database: not in the registry's database, not on any topic,
  not in any log line;
- a payment complaint about a failed payment, upheld, reissues it; the channel pays it once, and a second upheld
  complaint about the same payment is refused by disbursement (already paid) rather than paying twice.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from disbursement.adapters import channel as channel_adapter
from disbursement.adapters import replica
from disbursement.adapters.g2p_signature import raw_public_key
from disbursement.bootstrap import create_app as create_disbursement_app
from disbursement.config import Settings as DisbursementSettings
from disbursement.entrypoints.state import service as disbursement_service
from disbursement.fixtures import changed
from disbursement.simulator import ChannelConfig, create_simulator, deliver_due, new_signer
from gotong.api.app import runtime
from gotong.api.auth import JWKSVerifier
from gotong.api.token_server import ClientConfig, create_token_app, hash_secret
from gotong.db import drop_database
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.testing.kafka import read_topic
from gotong.testing.plugin import create_test_database
from gotong.testing.wait import eventually
from grievance.adapters.owners import HttpOwners
from grievance.bootstrap import create_app as create_grievance_app
from grievance.domain.catalogue import FOLLOW_UP_TEXT
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps as RegistryDeps
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api.app import create_app as create_registry_app
from registry.synthetic import households

from .conftest import settings as grievance_settings

ISSUER = "http://auth.test"
SECRET = "a-long-random-test-secret-0123456789"
CLIENTS = {
    "grievance": "registry:verify disbursement:write",  # the grievance service itself (its worker)
    "desa-officer": "grievance:read grievance:write registry:read registry:register",
    "grievance-supervisor": "grievance:read grievance:write grievance:decide",
    "ops-1": "disbursement:read disbursement:write",
    "ops-2": "disbursement:read disbursement:write",
    "sup-1": "disbursement:read disbursement:write disbursement:approve",
    "registry-desk": "registry:read",
}
#: The anonymous objector, as the public form received them.
OBJECTOR = {"name": "Rina Kartika Objektor", "nik": "3273014202900002", "phone": "081234567890"}
OBJECTOR_MARKS = ("Rina", "Kartika", "Objektor", "3273014202900002", "081234567890", "tetangga saya melihat")


class Network(httpx.AsyncBaseTransport):
    """HTTP between the apps: a request goes to the app its host names."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.apps = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}

    def add(self, host: str, app: Any) -> None:
        self.apps[host] = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.apps[request.url.host].handle_async_request(request)


@dataclass
class World:
    net: httpx.AsyncClient
    grievance: Any
    registry: Any
    disbursement: Any
    channel: Any
    channel_client: httpx.AsyncClient
    disbursement_client: httpx.AsyncClient
    tokens: dict[str, dict[str, str]]

    def who(self, client: str) -> dict[str, str]:
        return self.tokens[client]

    async def run_channel(self) -> None:
        """Send every pending payment instruction; let the channel answer all of it; until quiet."""
        settings = disbursement_service(self.disbursement).settings
        for _ in range(4):
            while await channel_adapter.send_pending(runtime(self.disbursement).database, settings,
                                                     self.channel_client):
                pass
            if not await deliver_due(self.channel, self.disbursement_client, everything=True) \
                    and not self.channel.outbox:
                return


async def _all_rows(app: Any) -> str:
    """Every row of every table of an app's database, as text."""
    async with runtime(app).database.statement() as sql:
        tables = [r["table_name"] for r in await sql.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE'")]
        rows: list[str] = []
        for table in tables:
            rows += [str(r[0]) for r in await sql.fetch(f'SELECT t::text FROM "{table}" t')]
        return "\n".join(rows)


@pytest.fixture
async def world(database_url: str, kafka_bootstrap: str, test_infra: Any, tmp_path: Path) -> AsyncIterator[World]:
    topics = [events_topic(s) for s in ("registry", "disbursement", "grievance")]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    registry_db = await create_test_database(test_infra.database_url, "registry")
    disbursement_db = await create_test_database(test_infra.database_url, "disbursement")
    token_app = create_token_app(
        [ClientConfig(client_id=c, secret_sha256=hash_secret(SECRET), scopes=s.split()) for c, s in CLIENTS.items()],
        tmp_path / "key.pem", ISSUER, [f"gotong-{s}" for s in ("registry", "disbursement", "grievance")])
    network = Network({"auth.test": token_app})
    async with httpx.AsyncClient(transport=network) as net:
        def verifier(audience: str) -> JWKSVerifier:
            return JWKSVerifier(f"{ISSUER}/.well-known/jwks.json", issuer=ISSUER, audience=audience, client=net)

        registry_settings = RegistrySettings(database_url=registry_db, kafka_bootstrap_servers=kafka_bootstrap,
                                             consume_disbursement=False, relay_poll_interval_s=0.05)
        registry = create_registry_app(registry_settings, deps=RegistryDeps(
            KeyRing.from_text(registry_settings.master_secret), DukcapilSimulator(seed="test")))
        signer = new_signer()
        disbursement = create_disbursement_app(DisbursementSettings(
            database_url=disbursement_db, kafka_bootstrap_servers=kafka_bootstrap, consume_registry=False,
            consume_csr_ledger=False, dispatch_enabled=False, embedded_channel=False, channel_url="http://channel",
            callback_base_url="http://disbursement.test",
            channel_public_keys={signer.kid: raw_public_key(signer.key.public_key())}))
        sim = create_simulator(ChannelConfig(delay_s=0, failure_rate=1.0), signer=signer, with_delivery=False)
        grievance = create_grievance_app(grievance_settings(
            database_url, kafka_bootstrap, relay_enabled=True, follow_up_interval_s=0.1,
            grievance_token_url=f"{ISSUER}/oauth2/token", grievance_client_id="grievance",
            grievance_client_secret=SECRET, registry_url="http://registry.test",
            disbursement_url="http://disbursement.test"))
        grievance.state.grievance_owners = HttpOwners(grievance.state.settings, net)
        for host, app in (("registry.test", registry), ("disbursement.test", disbursement),
                          ("grievance.test", grievance), ("channel", sim)):
            network.add(host, app)
        tokens = {}
        for client in CLIENTS:
            r = await net.post(f"{ISSUER}/oauth2/token", data={"grant_type": "client_credentials"},
                               auth=(client, SECRET))
            tokens[client] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        async with registry.router.lifespan_context(registry), \
                disbursement.router.lifespan_context(disbursement), \
                grievance.router.lifespan_context(grievance), \
                httpx.AsyncClient(transport=network, base_url="http://channel") as channel_client, \
                httpx.AsyncClient(transport=network, base_url="http://disbursement.test") as disbursement_client:
            registry.state.token_verifier = verifier("gotong-registry")
            disbursement.state.token_verifier = verifier("gotong-disbursement")
            grievance.state.token_verifier = verifier("gotong-grievance")
            disbursement_service(disbursement).channel_client = channel_client
            yield World(net, grievance, registry, disbursement, sim.state.channel, channel_client,
                        disbursement_client, tokens)
    await drop_database(registry_db)
    await drop_database(disbursement_db)


async def _post(w: World, url: str, who: str, body: Any = None, expect: int = 200) -> dict[str, Any]:
    r = await w.net.post(url, json=body, headers={**w.who(who), "Idempotency-Key": str(uuid4())})
    assert r.status_code == expect, r.text
    return dict(r.json())


async def _uphold(w: World, case_id: str, reason: str) -> None:
    """Triage, investigate, the village officer proposes upholding, the supervisor decides (four eyes)."""
    g = f"http://grievance.test/v1/cases/{case_id}"
    await _post(w, f"{g}/triage", "desa-officer", {"officer": "desa-officer"})
    await _post(w, f"{g}/investigation", "desa-officer", {"field_verification": True})
    await _post(w, f"{g}/proposal", "desa-officer", {"outcome": "upheld", "reason_code": reason})
    decided = await _post(w, f"{g}/decision", "grievance-supervisor")
    assert (decided["status"], decided["outcome"]) == ("decided", "upheld")


async def _answered(w: World, case_id: str) -> dict[str, Any]:
    """The case once the worker has recorded the owning service's answer."""
    async def case() -> dict[str, Any]:
        r = await w.net.get(f"http://grievance.test/v1/cases/{case_id}", headers=w.who("desa-officer"))
        return dict(r.json())
    return await eventually(case, lambda c: c["follow_up"] is None and c["follow_up_result"] is not None,
                            what="the worker records the owning service's answer")


async def test_a_village_officers_usul_becomes_a_registered_verified_household(world: World) -> None:
    w = world
    family = next(iter(households(1, seed=77)))
    usul = await _post(w, "http://grievance.test/v1/cases", "desa-officer", {
        "kind": "usul", "category": "registration", "region_code": family["village_code"],
        "details": {"description": "Keluarga lansia belum terdaftar di DTSEN"}}, expect=201)
    await _uphold(w, usul["id"], "verified_in_field")
    case = await _answered(w, usul["id"])
    assert case["follow_up_result"] == "done", case

    # the village officer finds the request in the registry and registers the household from the family card
    found = await w.net.get("http://registry.test/v1/registration-requests", params={"status": "open"},
                            headers=w.who("desa-officer"))
    [request] = [r for r in found.json()["items"] if r["case_ref"] == usul["id"]]
    assert (request["region_code"], request["source"], request["requested_by"]) == (
        family["village_code"], "grievance", "grievance")
    done = await _post(w, f"http://registry.test/v1/registration-requests/{request['request_id']}/registration",
                       "desa-officer", family, expect=201)
    assert done["status"] == "completed"
    household = await w.net.get(f"http://registry.test/v1/households/{done['household_ref']}",
                                headers=w.who("desa-officer"))
    assert household.json()["verification"] == "verified"

    # the worker asking again (a crash before it recorded the answer) finds the same request, opens no other
    again = await _post(w, "http://registry.test/v1/registration-requests", "grievance",
                        {"region_code": family["village_code"], "case_ref": usul["id"]}, expect=201)
    assert (again["request_id"], again["created"], again["status"]) == (request["request_id"], False, "completed")

    # the registry published the new household's state on registry.events
    records = await eventually(lambda: read_topic(w.grievance.state.settings.kafka_bootstrap_servers,
                                                  events_topic("registry"), polls=2),
                               lambda rs: any(done["household_ref"].encode() in r.value for r in rs),
                               what="the registered household on registry.events")
    assert records
    closed = await _post(w, f"http://grievance.test/v1/cases/{usul['id']}/close", "desa-officer")
    assert closed["status"] == "closed"


async def test_an_anonymous_sanggah_reviews_the_household_and_the_objector_stays_in_the_grievance_database(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    w = world
    family = next(iter(households(1, seed=78)))
    registered = await w.net.post("http://registry.test/v1/households", json=family,
                                  headers={**w.who("desa-officer"), "Idempotency-Key": str(uuid4())})
    assert registered.status_code == 201, registered.text
    household_ref = registered.json()["household_ref"]
    assert registered.json()["verification"] == "verified"

    public = await w.net.post("http://grievance.test/public/cases", headers={"Idempotency-Key": str(uuid4())},
                              json={"kind": "sanggah", "category": "inclusion", "region_code": family["village_code"],
                                    "subject_ref": household_ref, "anonymous": True, "reporter": OBJECTOR,
                                    "details": {"description": "tetangga saya melihat mobil baru di rumahnya"}})
    assert public.status_code == 201, public.text
    tracking = public.json()["tracking_number"]
    listing = await w.net.get("http://grievance.test/v1/cases", headers=w.who("desa-officer"))
    [case_id] = [c["id"] for c in listing.json()["items"] if c["tracking_number"] == tracking]
    await _uphold(w, case_id, "verified_in_field")
    case = await _answered(w, case_id)
    assert case["follow_up_result"] == "done", case

    reviews = await w.net.get("http://registry.test/v1/reviews", params={"status": "open"},
                              headers=w.who("registry-desk"))
    [review] = [r for r in reviews.json()["items"] if r["household_ref"] == household_ref]
    assert review["reasons"] == [{"code": "grievance_upheld", "detail": "inclusion", "case_ref": case_id,
                                  "by": "grievance"}]
    household = await w.net.get(f"http://registry.test/v1/households/{household_ref}",
                                headers=w.who("registry-desk"))
    assert household.json()["verification"] == "flagged"
    status = await w.net.get(f"http://grievance.test/public/cases/{tracking}")
    assert status.json()["outcome"]["result"] == "upheld"

    # nowhere outside the grievance database: the registry's and disbursement's databases, every topic, the logs
    for blob in (await _all_rows(w.registry), await _all_rows(w.disbursement)):
        for mark in OBJECTOR_MARKS:
            assert mark not in blob, mark
    bootstrap = w.grievance.state.settings.kafka_bootstrap_servers
    published = await eventually(lambda: read_topic(bootstrap, events_topic("grievance"), polls=2),
                                 lambda rs: any(case_id.encode() in r.value for r in rs),
                                 what="the case's events on grievance.events")
    flagged = await eventually(lambda: read_topic(bootstrap, events_topic("registry"), polls=2),
                               lambda rs: any(household_ref.encode() in r.value and b"flagged" in r.value
                                              for r in rs),
                               what="the flagged household on registry.events")
    for record in (*published, *flagged, *await read_topic(bootstrap, events_topic("disbursement"), polls=2)):
        for mark in OBJECTOR_MARKS:
            assert mark.encode() not in record.value + str(record.headers).encode(), mark
    for mark in OBJECTOR_MARKS:
        assert mark not in caplog.text, mark
    # ... and in the grievance database the anonymous objector was not kept at all
    for mark in ("Rina", "3273014202900002", "081234567890"):
        assert mark not in await _all_rows(w.grievance), mark


async def test_an_upheld_payment_complaint_reissues_a_failed_payment_that_is_paid_once(world: World) -> None:
    w = world
    async with runtime(w.disbursement).database.transaction() as sql:
        await replica.apply_changed(sql, changed("HH-GRV-1", 1))
    cycle = await _post(w, "http://disbursement.test/v1/cycles", "ops-1",
                        {"program": "BPNT", "period": "2026-Q4", "cutoff": "2026-10-01"}, expect=201)
    d = f"http://disbursement.test/v1/cycles/{cycle['cycle_id']}"
    await _post(w, f"{d}/compute", "ops-1")
    await _post(w, f"{d}/review", "ops-2", {"note": "diperiksa"})
    await _post(w, f"{d}/approve", "sup-1")
    await _post(w, f"{d}/pay", "ops-1")
    await w.run_channel()  # the channel rejects everything (failure_rate 1.0)
    async with runtime(w.disbursement).database.statement() as sql:
        [failed] = await sql.fetch("SELECT payment_id, status, attempt FROM payments WHERE cycle_id = $1",
                                   UUID(cycle["cycle_id"]))
    assert (failed["status"], failed["attempt"]) == ("failed", 1)
    payment_id = str(failed["payment_id"])

    complaint = await w.net.post("http://grievance.test/public/cases", headers={"Idempotency-Key": str(uuid4())},
                                 json={"kind": "payment_complaint", "category": "not_received",
                                       "region_code": "32.73.01.1001", "subject_ref": payment_id,
                                       "details": {"description": "Bantuan bulan ini tidak masuk"},
                                       "reporter": {"name": "Penerima Contoh", "phone": "081200000001"}})
    assert complaint.status_code == 201, complaint.text
    listing = await w.net.get("http://grievance.test/v1/cases", headers=w.who("desa-officer"))
    [case_id] = [c["id"] for c in listing.json()["items"]
                 if c["tracking_number"] == complaint.json()["tracking_number"]]
    w.channel.config = ChannelConfig(delay_s=0)  # the channel pays from now on
    await _uphold(w, case_id, "payment_not_delivered")
    case = await _answered(w, case_id)
    assert case["follow_up_result"] == "done", case
    await w.run_channel()

    async with runtime(w.disbursement).database.statement() as sql:
        row = await sql.fetchrow("SELECT status, attempt FROM payments WHERE payment_id = $1", UUID(payment_id))
    assert row is not None
    assert (row["status"], row["attempt"]) == ("paid", 2)
    paid = [p for ref, p in w.channel.payouts.items() if ref.startswith(payment_id) and p.status != "rjct"]
    assert len(paid) == 1, "paid once"

    # a second complaint about the same payment, upheld too, is refused by disbursement: it never pays twice
    again = await _post(w, "http://grievance.test/v1/cases", "desa-officer", {
        "kind": "payment_complaint", "category": "not_received", "region_code": "32.73.01.1001",
        "subject_ref": payment_id, "details": {"description": "Belum diterima"}}, expect=201)
    await _uphold(w, again["id"], "payment_not_delivered")
    second = await _answered(w, again["id"])
    assert second["follow_up_result"] == "refused", second
    direct = await w.net.post(f"http://disbursement.test/v1/payments/{payment_id}/reissue",
                              headers={**w.who("ops-1"), "Idempotency-Key": str(uuid4())})
    assert direct.status_code == 409, "what disbursement answered the worker: a paid payment is not reissued"
    await w.run_channel()
    paid = [p for ref, p in w.channel.payouts.items() if ref.startswith(payment_id) and p.status != "rjct"]
    assert len(paid) == 1, "still paid once"


async def test_an_upheld_wrong_amount_complaint_opens_a_reconciliation_exception_in_disbursement(
        world: World) -> None:
    w = world
    async with runtime(w.disbursement).database.transaction() as sql:
        await replica.apply_changed(sql, changed("HH-GRV-2", 1))
    cycle = await _post(w, "http://disbursement.test/v1/cycles", "ops-1",
                        {"program": "BPNT", "period": "2026-Q4", "cutoff": "2026-10-01"}, expect=201)
    d = f"http://disbursement.test/v1/cycles/{cycle['cycle_id']}"
    await _post(w, f"{d}/compute", "ops-1")
    await _post(w, f"{d}/review", "ops-2", {"note": "diperiksa"})
    await _post(w, f"{d}/approve", "sup-1")
    await _post(w, f"{d}/pay", "ops-1")
    w.channel.config = ChannelConfig(delay_s=0, wrong_amount_rate=1.0)  # the channel pays, short
    await w.run_channel()
    async with runtime(w.disbursement).database.statement() as sql:
        [paid] = await sql.fetch("SELECT payment_id, status, amount, confirmed_amount FROM payments "
                                 "WHERE cycle_id = $1", UUID(cycle["cycle_id"]))
    assert paid["status"] == "paid"
    assert paid["confirmed_amount"] < paid["amount"]
    payment_id = str(paid["payment_id"])

    complaint = await w.net.post("http://grievance.test/public/cases", headers={"Idempotency-Key": str(uuid4())},
                                 json={"kind": "payment_complaint", "category": "wrong_amount",
                                       "region_code": "32.73.01.1001", "subject_ref": payment_id,
                                       "details": {"description": "Bantuan yang diterima kurang Rp10.000"},
                                       "reporter": {"name": "Penerima Kurang", "phone": "081200000002"}})
    assert complaint.status_code == 201, complaint.text
    tracking = complaint.json()["tracking_number"]
    listing = await w.net.get("http://grievance.test/v1/cases", headers=w.who("desa-officer"))
    [case_id] = [c["id"] for c in listing.json()["items"] if c["tracking_number"] == tracking]
    await _uphold(w, case_id, "documents_confirm")
    case = await _answered(w, case_id)
    assert case["follow_up_result"] == "done", case
    assert case["follow_up_outcome"]["action"] == "disbursement_exception"

    # disbursement holds one amount_disputed exception on the payment, referenced by the case's id only
    r = await w.net.get(f"http://disbursement.test/v1/exceptions?cycle_id={cycle['cycle_id']}&status=open",
                        headers=w.who("ops-1"))
    disputed = [e for e in r.json() if e["kind"] == "amount_disputed"]
    assert len(disputed) == 1, r.json()
    assert (disputed[0]["payment_id"], disputed[0]["reason"]) == (payment_id, case_id)
    assert (disputed[0]["instructed_amount"], disputed[0]["confirmed_amount"]) == \
        (paid["amount"], paid["confirmed_amount"])
    rows = await _all_rows(w.disbursement)
    for personal in ("Penerima Kurang", "081200000002", "kurang Rp10.000"):
        assert personal not in rows

    # it blocks reconciliation until disbursement's ops resolve it
    await _post(w, f"{d}/close", "ops-1")
    r = await w.net.post(f"{d}/reconcile", headers={**w.who("ops-1"), "Idempotency-Key": str(uuid4())})
    assert r.status_code == 409
    assert "reconciliation exceptions are still open" in r.json()["detail"]
    r = await w.net.get(f"http://disbursement.test/v1/exceptions?cycle_id={cycle['cycle_id']}&status=open",
                        headers=w.who("ops-1"))
    for e in r.json():  # the channel's amount_mismatch and the complaint's amount_disputed
        await _post(w, f"http://disbursement.test/v1/exceptions/{e['exception_id']}/resolve", "ops-1",
                    {"resolution": "selisih dibayar"})
    assert (await _post(w, f"{d}/reconcile", "ops-1"))["status"] == "reconciled"

    # the citizen's tracking answer says what the decision set in motion, in their language
    public = (await w.net.get(f"http://grievance.test/public/cases/{tracking}")).json()
    assert public["follow_up"] == {"result": "done",
                                   "text_id": FOLLOW_UP_TEXT["disbursement_exception"]["done"][0],
                                   "text_en": FOLLOW_UP_TEXT["disbursement_exception"]["done"][1]}
    for lang, words in (("id", FOLLOW_UP_TEXT["disbursement_exception"]["done"][0]),
                        ("en", FOLLOW_UP_TEXT["disbursement_exception"]["done"][1])):
        page = await w.net.post("http://grievance.test/pengaduan/lacak", data={"nomor": tracking, "lang": lang})
        assert page.status_code == 200
        assert f'<dd id="follow-up">{words}</dd>' in page.text
