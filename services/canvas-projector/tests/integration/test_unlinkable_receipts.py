"""Unlinkable receipts: a payment's record in the log holds no household reference, so one receipt (everything it
shows) leads to no other receipt of the same household, and nothing public names a household. Households are
still counted once each, from a private table keyed by payment id, and from records sealed before the change
(which keep their reference: the leaf hash covers it, so their receipts still verify)."""

import json
from uuid import uuid4

import httpx
import pytest
from gotong_contracts.disbursement import PaymentRecorded

from canvas_projector.adapters.reached import Reached
from canvas_projector.adapters.read_models import PaymentFigures
from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from canvas_projector.domain.transparency import RECORD_FIELDS, verify_receipt
from canvas_projector.entrypoints.state import projector_state
from gotong.api.app import runtime
from gotong.eventstore.model import Position

HOUSEHOLD_A, HOUSEHOLD_B = "hh-a-" + uuid4().hex, "hh-b-" + uuid4().hex
#: What a record held before 2026-12: the household reference among the public fields.
OLD_FIELDS = ("payment_id", "attempt", "household_ref", "program_id", "program_code", "cycle_id", "period", "amount",
              "region_code", "desil", "status", "occurred_at")


def paid(household: str, program: str, period: str = "2026-Q4") -> PaymentRecorded:
    return PaymentRecorded(payment_id=str(uuid4()), household_ref=household, program_id=program.lower(),
                           program_code=program, cycle_id=f"{program}-{period}", period=period, amount=750_000,
                           region_code="32.73.01.1001", province_code="32", regency_code="32.73", desil=2,
                           funding_source="apbn", status="paid", occurred_at="2026-11-28T08:00:00Z")


@pytest.fixture
async def portal(database_url, tmp_path):
    settings = Settings(database_url=database_url, auth_required=False, relay_enabled=False,
                        tlog_signing_key_path=str(tmp_path / "tlog.pem"))
    app = create_app(settings, consumers=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://portal.test") as c:
            yield app, c


async def test_a_receipt_leads_to_no_other_receipt_of_the_same_household(portal):
    app, client = portal
    old = paid(HOUSEHOLD_A, "PKH", "2026-Q3")  # sealed before the household left the record
    a_pkh, a_bpnt, b_pkh = paid(HOUSEHOLD_A, "PKH"), paid(HOUSEHOLD_A, "BPNT"), paid(HOUSEHOLD_B, "PKH")
    async with runtime(app).database.transaction() as sql:
        log = TransparencyLogTable(sql)
        await transparency.stage(log, f"{old.payment_id}:1:paid", Position(1, 1),
                                 {k: v for k, v in old.model_dump(mode="json").items() if k in OLD_FIELDS})
        await transparency.stage_payments(log, [(Position(1, 2 + i), p)
                                                for i, p in enumerate((a_pkh, a_bpnt, b_pkh))])
        await transparency.seal(log, Position(1, 100))
        await transparency.sign_checkpoint(log, projector_state(app).tlog)

    answer = await client.get(f"/transparency/receipts/{a_pkh.payment_id}")
    assert answer.status_code == 200
    receipt = answer.json()
    assert set(receipt["record"]) == set(RECORD_FIELDS)
    assert "household_ref" not in RECORD_FIELDS
    shown = json.dumps(receipt)
    assert HOUSEHOLD_A not in shown
    assert a_bpnt.payment_id not in shown, "no way to the household's other receipts"
    assert old.payment_id not in shown
    vkey = (await client.get("/transparency/key")).text
    assert verify_receipt(receipt, vkey).size == 4

    before = (await client.get(f"/transparency/receipts/{old.payment_id}")).json()
    assert before["record"]["household_ref"] == HOUSEHOLD_A, "an old record stays as it was hashed"
    assert verify_receipt(before, vkey).size == 4

    for path in ("/", "/?lang=en", "/program/PKH", "/wilayah/32", "/kanvas", "/peta", "/canvas",
                 "/opendata/payments-by-province.csv", "/opendata/payments-by-province.json",
                 "/opendata/iati-activities.xml", "/transparency/checkpoints"):
        public = await client.get(path)
        assert public.status_code == 200, path
        assert HOUSEHOLD_A not in public.text, path
        assert HOUSEHOLD_B not in public.text, path
        assert a_bpnt.payment_id not in public.text, path

    async with runtime(app).database.read() as sql:
        platform, programs = await Reached(sql).reach()
        by_program = {g: h for g, h, _ in await PaymentFigures(sql).by_field("program_code")}
        private = await sql.fetch("SELECT payment_id, household_ref FROM tlog_payment_households")
    assert platform.households == 2, "household A once, however many payments and record shapes"
    assert (programs["PKH"].households, programs["BPNT"].households) == (2, 1)
    assert by_program == {"PKH": 2, "BPNT": 1}
    assert {(r["payment_id"], r["household_ref"]) for r in private} == {
        (a_pkh.payment_id, HOUSEHOLD_A), (a_bpnt.payment_id, HOUSEHOLD_A), (b_pkh.payment_id, HOUSEHOLD_B)}
