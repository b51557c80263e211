"""The dashboard follows the other services' published facts on the real broker: counters change when events
arrive (cycles by state, approvals waiting, the review queue by reason and age, open exceptions, payments per
minute, held households), the same figures are Prometheus metrics, a redelivery changes nothing, and an open
dashboard is pushed the change (Server-Sent Events)."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
from gotong_contracts import csr_ledger, disbursement, enterprise, registry

from gotong.api.app import runtime
from gotong.db import create_engine
from gotong.eventstore import AppendRequest, EventData
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.plugin import create_test_database
from gotong.testing.wait import eventually
from ops_console.bootstrap import create_app
from ops_console.entrypoints.consumers import TOPICS
from ops_console.entrypoints.live import stream

CONSOLE = "https://console.test"


def at(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) - delta).isoformat().replace("+00:00", "Z")


async def produce(test_infra, bootstrap: str, service: str, streams: list[list], twice: bool = False) -> None:
    """The facts as a producing service publishes them: its outbox, its relay, its topic; the facts of one
    stream (one payment, one household) in order, in one partition."""
    url = await create_test_database(test_infra.database_url)
    engine = create_engine(url, pool_size=2)
    async with PostgresEventStore(engine).transaction() as tx:
        await tx.append_batch([AppendRequest(uuid4(), "fact", 0, [EventData(f.event_type, f.model_dump(mode="json"))
                                                                  for f in facts]) for facts in streams])
    relay = OutboxRelay(engine, service=service, bootstrap=bootstrap)
    await relay.drain()
    if twice:
        relay.state.checkpoint = relay.state.checkpoint.__class__(0, 0)
        await relay.drain()
    await relay.close()
    await engine.dispose()


def household(ref: str, version: int, verification: str, change: str, when: str) -> registry.HouseholdChanged:
    return registry.HouseholdChanged(household_ref=ref, household_version=version, change=change,
                                     village_code="32.73.01.1001", district_code="32.73.01", regency_code="32.73",
                                     province_code="32", verification=verification, members=[], occurred_at=when)


def payment(pid: str, cycle: str, status: str, attempt: int = 1) -> disbursement.PaymentRecorded:
    return disbursement.PaymentRecorded(payment_id=pid, household_ref="hh-1", program_id="pkh", program_code="PKH",
                                        cycle_id=cycle, period="2026-Q4", amount=750_000,
                                        region_code="32.73.01.1001", province_code="32", regency_code="32.73",
                                        funding_source="apbn", status=status, attempt=attempt, occurred_at=at())


def allocation(aid: str, target: str, status: str) -> csr_ledger.AllocationDecided:
    return csr_ledger.AllocationDecided(allocation_id=aid, company_id="co-1", target_kind="program", target_id="pkh",
                                        target_name=target, amount=1_000_000, sdgs=[1], status=status,
                                        occurred_at=at())


async def tagged_items(app, tag: str) -> dict[tuple[str, str], tuple[str, str, int]]:
    """This test's items in the read model (other tests publish on the same topics)."""
    async with runtime(app).database.read() as sql:
        rows = await sql.fetch("SELECT kind, item_id, state, reason, amount FROM console_items "
                               "WHERE item_id LIKE $1 AND state <> 'gone'", f"{tag}%")
    return {(r["kind"], r["item_id"][len(tag):]): (r["state"], r["reason"], r["amount"]) for r in rows}


async def paid_in_all(app) -> int:
    async with runtime(app).database.read() as sql:
        return int(await sql.fetchval("SELECT coalesce(sum(payments), 0) FROM console_paid_minutes"))


async def test_counters_change_when_facts_arrive_and_a_redelivery_changes_nothing(
        database_url, kafka_bootstrap, test_infra, idp, sign_in, console_settings_for):
    await ensure_topics(kafka_bootstrap, [*TOPICS, *(dlq_topic(t) for t in TOPICS)])
    app = create_app(console_settings_for(database_url, kafka_bootstrap), oidc_http=idp)
    tag = f"t{uuid4().hex[:8]}-"
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=CONSOLE) as browser:
        await sign_in(browser, idp, "ani")
        c1, c2, c3 = f"{tag}c1", f"{tag}c2", f"{tag}c3"
        await produce(test_infra, kafka_bootstrap, "registry", [
            [household(f"{tag}hh-a", 3, "flagged", "duplicate_nik", at(timedelta(days=3)))],
            [household(f"{tag}hh-b", 2, "under_review", "duplicate_nik", at(timedelta(hours=2)))],
            [household(f"{tag}hh-c", 5, "flagged", "income_mismatch", at(timedelta(days=40)))],
            [household(f"{tag}hh-d", 1, "flagged", "duplicate_nik", at()),
             household(f"{tag}hh-d", 2, "verified", "verified", at())],  # left the queue
        ], twice=True)
        await produce(test_infra, kafka_bootstrap, "disbursement", [
            [disbursement.CycleApproved(program_id="pkh", cycle_id=c1, period="2026-Q4", households=3,
                                        total_amount=2_250_000, occurred_at=at())],
            [disbursement.CycleApproved(program_id="pkh", cycle_id=c2, period="2026-Q4", households=1,
                                        total_amount=750_000, occurred_at=at()),
             disbursement.CycleClosed(program_id="pkh", cycle_id=c2, period="2026-Q4", paid_households=0,
                                      paid_amount=0, held_households=1_234, occurred_at=at())],
            [payment(f"{tag}p1", c1, "instructed"), payment(f"{tag}p1", c1, "paid")],
            [payment(f"{tag}p2", c1, "instructed"), payment(f"{tag}p2", c1, "failed")],
            [payment(f"{tag}p3", c1, "instructed"), payment(f"{tag}p3", c1, "paid"),
             payment(f"{tag}p3", c1, "returned")],
            [payment(f"{tag}p4", c1, "instructed"), payment(f"{tag}p4", c1, "failed"),
             payment(f"{tag}p4", c1, "reissued"), payment(f"{tag}p4", c1, "paid", attempt=2)],
        ], twice=True)
        await produce(test_infra, kafka_bootstrap, "csr-ledger", [
            [allocation(f"{tag}al-1", "PKH Jawa Barat", "pending_approval")],
            [allocation(f"{tag}al-2", "PKH Banten", "pending_approval"),
             allocation(f"{tag}al-2", "PKH Banten", "approved")],
        ])
        await produce(test_infra, kafka_bootstrap, "enterprise", [[
            enterprise.EnterpriseRegistered(enterprise_id=f"{tag}en-1", name="Koperasi Tenun", legal_form="koperasi",
                                            sdgs=[8], region_code="53.02", province_code="53", regency_code="53.02",
                                            groups_served=["women"], groups_employed=["women"], occurred_at=at())]])
        expected = {
            ("review", "hh-a"): ("flagged", "duplicate_nik", 0),
            ("review", "hh-b"): ("under_review", "duplicate_nik", 0),
            ("review", "hh-c"): ("flagged", "income_mismatch", 0),
            ("cycle", "c1"): ("paying", "", 0), ("cycle", "c2"): ("closed", "", 0), ("held", "c2"): ("held", "", 1_234),
            ("exception", "p2"): ("failed", "attempt 1", 0), ("exception", "p3"): ("returned", "attempt 1", 0),
            ("allocation", "al-1"): ("pending_approval", "PKH Jawa Barat", 0),
            ("approval", "en-1"): ("enterprise_verification", "enterprise_verification", 0),
        }
        await eventually(lambda: tagged_items(app, tag), lambda got: got == expected,
                         what="every fact of this test in the read model, each once", timeout=60)

        async def counters() -> dict:
            return (await browser.get("/dashboard/counters")).json()

        async def settled() -> tuple[dict, dict]:
            return await counters(), await counters()

        before, _ = await eventually(settled, lambda pair: pair[0] == pair[1] and pair[0]["held_households"] >= 1_234,
                                     what="the counters to settle")
        assert before["review_queue"]["income_mismatch"][">30d"] >= 1
        assert before["review_queue"]["duplicate_nik"]["1-7d"] >= 1
        paid_before = await paid_in_all(app)
        frames = stream(app, keepalive_s=0.2)
        assert f'"held_households": {before["held_households"]}' in await anext(frames)

        await produce(test_infra, kafka_bootstrap, "disbursement", [
            [disbursement.CycleApproved(program_id="pkh", cycle_id=c3, period="2026-Q4", households=1,
                                        total_amount=750_000, occurred_at=at()),
             disbursement.CycleClosed(program_id="pkh", cycle_id=c3, period="2026-Q4", paid_households=0,
                                      paid_amount=0, held_households=1_000, occurred_at=at())],
            [payment(f"{tag}p5", c1, "instructed"), payment(f"{tag}p5", c1, "failed")],
            [payment(f"{tag}p6", c1, "instructed"), payment(f"{tag}p6", c1, "paid")],
        ], twice=True)
        await produce(test_infra, kafka_bootstrap, "registry", [
            [household(f"{tag}hh-e", 1, "flagged", "duplicate_nik", at(timedelta(days=10)))]])
        after = await eventually(counters, lambda c: c["held_households"] == before["held_households"] + 1_000
                                 and c["exceptions_open"].get("failed", 0) == before["exceptions_open"]["failed"] + 1
                                 and c["reviews_total"] == before["reviews_total"] + 1,
                                 what="the counters to count the new facts")
        assert after["cycles"]["closed"] == before["cycles"]["closed"] + 1
        assert after["review_queue"]["duplicate_nik"]["7-30d"] == \
            before["review_queue"]["duplicate_nik"].get("7-30d", 0) + 1
        assert await paid_in_all(app) == paid_before + 1, "p6 paid once, though delivered twice"

        pushed = await eventually(lambda: anext(frames),
                                  lambda f: f'"held_households": {after["held_households"]}' in f,
                                  what="an open dashboard told of the change")
        assert f'"reviews_total": {after["reviews_total"]}' in pushed

        held = after["held_households"]
        page = await browser.get("/dashboard")
        assert f'data-counter="held_households">{held:,}<'.replace(",", ".") in page.text, "1.234 in Indonesian"
        english = await browser.get("/dashboard?lang=en")
        assert f'data-counter="held_households">{held:,}<' in english.text

        metrics = (await browser.get("/metrics")).text
        assert f"gotong_console_held_households {float(held)}" in metrics
        assert f'gotong_console_cycles{{state="closed"}} {float(after["cycles"]["closed"])}' in metrics
        assert f'gotong_console_exceptions_open{{kind="failed"}} {float(after["exceptions_open"]["failed"])}' in metrics

        allocations = await browser.get("/allocations")
        assert "PKH Jawa Barat" in allocations.text
        assert f"{tag}al-2" not in allocations.text, "an approved allocation waits no more"
