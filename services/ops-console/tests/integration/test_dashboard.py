"""The dashboard follows the other services' published facts on the real broker: counters change when events
arrive (cycles by state, approvals waiting, the review queue by reason and age, open exceptions, payments per
minute, held households), the same figures are Prometheus metrics, a redelivery changes nothing, and an open
dashboard is pushed the change (Server-Sent Events)."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
from gotong_contracts import csr_ledger, disbursement, enterprise, registry

from gotong.db import create_engine
from gotong.eventstore import AppendRequest, EventData
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.plugin import create_test_database
from gotong.testing.wait import eventually
from ops_console.bootstrap import create_app
from ops_console.entrypoints.consumers import TOPICS
from ops_console.entrypoints.live import live_of, stream

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


async def test_counters_change_when_facts_arrive_and_a_redelivery_changes_nothing(
        database_url, kafka_bootstrap, test_infra, idp, sign_in, console_settings_for):
    await ensure_topics(kafka_bootstrap, [*TOPICS, *(dlq_topic(t) for t in TOPICS)])
    app = create_app(console_settings_for(database_url, kafka_bootstrap), oidc_http=idp)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=CONSOLE) as browser:
        await sign_in(browser, idp, "ani")
        before = (await browser.get("/dashboard/counters")).json()
        assert before["reviews_total"] == 0
        assert before["held_households"] == 0
        frames = stream(app, keepalive_s=0.2)
        first = await anext(frames)
        assert '"held_households": 0' in first

        c1, c2 = f"cycle-{uuid4().hex[:6]}", f"cycle-{uuid4().hex[:6]}"
        await produce(test_infra, kafka_bootstrap, "registry", [
            [household("hh-a", 3, "flagged", "duplicate_nik", at(timedelta(days=3)))],
            [household("hh-b", 2, "under_review", "duplicate_nik", at(timedelta(hours=2)))],
            [household("hh-c", 5, "flagged", "income_mismatch", at(timedelta(days=40)))],
            [household("hh-d", 1, "flagged", "duplicate_nik", at()),
             household("hh-d", 2, "verified", "verified", at())],  # left the queue
        ], twice=True)
        await produce(test_infra, kafka_bootstrap, "disbursement", [
            [disbursement.CycleApproved(program_id="pkh", cycle_id=c1, period="2026-Q4", households=3,
                                        total_amount=2_250_000, occurred_at=at())],
            [disbursement.CycleApproved(program_id="pkh", cycle_id=c2, period="2026-Q4", households=1,
                                        total_amount=750_000, occurred_at=at()),
             disbursement.CycleClosed(program_id="pkh", cycle_id=c2, period="2026-Q4", paid_households=0,
                                      paid_amount=0, held_households=1_234, occurred_at=at())],
            [payment("p1", c1, "instructed"), payment("p1", c1, "paid")],
            [payment("p2", c1, "instructed"), payment("p2", c1, "failed")],
            [payment("p3", c1, "instructed"), payment("p3", c1, "paid"), payment("p3", c1, "returned")],
            [payment("p4", c1, "instructed"), payment("p4", c1, "failed"), payment("p4", c1, "reissued"),
             payment("p4", c1, "paid", attempt=2)],
        ], twice=True)
        await produce(test_infra, kafka_bootstrap, "csr-ledger", [
            [allocation("al-1", "PKH Jawa Barat", "pending_approval")],
            [allocation("al-2", "PKH Banten", "pending_approval"), allocation("al-2", "PKH Banten", "approved")],
        ])
        await produce(test_infra, kafka_bootstrap, "enterprise", [[
            enterprise.EnterpriseRegistered(enterprise_id="en-1", name="Koperasi Tenun", legal_form="koperasi",
                                            sdgs=[8], region_code="53.02", province_code="53", regency_code="53.02",
                                            groups_served=["women"], groups_employed=["women"], occurred_at=at())]])

        expected = {
            "cycles": {"paying": 1, "closed": 1},
            "approvals_waiting": {"csr_allocation": 1, "enterprise_verification": 1},
            "review_queue": {"duplicate_nik": {"1-7d": 1, "<1d": 1}, "income_mismatch": {">30d": 1}},
            "reviews_total": 3,
            "exceptions_open": {"failed": 1, "returned": 1}, "exceptions_total": 2,
            "held_households": 1_234,
        }

        async def counters() -> dict:
            return (await browser.get("/dashboard/counters")).json()

        got = await eventually(counters, lambda c: {k: c[k] for k in expected} == expected,
                               what="the dashboard counting every fact", timeout=60)
        assert got["payments_this_minute"] + got["payments_last_minute"] == 3, "p1, p3 and p4's second attempt"

        pushed = await eventually(lambda: anext(frames), lambda f: '"held_households": 1234' in f,
                                  what="an open dashboard told of the change")
        assert '"reviews_total": 3' in pushed

        page = await browser.get("/dashboard")
        assert '<dd data-counter="held_households">' not in page.text  # held is a paragraph, not a list entry
        assert 'data-counter="held_households">1.234<' in page.text, "Indonesian thousands separator"
        english = await browser.get("/dashboard?lang=en")
        assert 'data-counter="held_households">1,234<' in english.text

        metrics = (await browser.get("/metrics")).text
        assert 'gotong_console_cycles{state="paying"} 1.0' in metrics
        assert 'gotong_console_exceptions_open{kind="failed"} 1.0' in metrics
        assert 'gotong_console_review_queue{age=">30d",reason="income_mismatch"} 1.0' in metrics
        assert "gotong_console_held_households 1234.0" in metrics
        assert 'gotong_console_approvals_waiting{kind="csr_allocation"} 1.0' in metrics

        allocations = await browser.get("/allocations")
        assert "PKH Jawa Barat" in allocations.text
        assert "PKH Banten" not in allocations.text
        assert live_of(app).version > 1
