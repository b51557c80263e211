"""The bulk import's preparation of a row gives what the single path gives: the same rejects, and for a good row
the events and read row that the aggregate's own `to_data()` and `household_row` give."""

from datetime import UTC, date, datetime, timedelta

import orjson
import pytest
from pydantic import ValidationError

from gotong.domain.clock import FixedClock
from gotong.domain.errors import DomainError
from gotong.eventstore.codec import dumps
from registry.adapters.crypto import KeyRing
from registry.adapters.households import household_row
from registry.adapters.reference import regions
from registry.application.import_prepare import (
    PrepareContext,
    Prepped,
    Reject,
    Row,
    fast_household,
    fast_row,
    fragments,
    prepare_row,
    registration,
)
from registry.application.personal import Personal, indexes, member_fact, member_personal
from registry.application.verification import CHECKS, local_checks
from registry.config import DEV_MASTER_SECRET
from registry.domain.household import Household, validate_household
from registry.domain.identity import make_nik
from registry.domain.model import Attributes, HouseholdIn
from registry.synthetic import Defects, Truth, households

CLOCK = FixedClock(datetime(2026, 10, 1, 3, 0, tzinfo=UTC))
CTX = PrepareContext(KeyRing.from_text(DEV_MASTER_SECRET), regions(), CLOCK.today(), CLOCK)
DEFECTS = Defects(invalid_nik=0.05, invalid_kk=0.05, duplicate_nik=0.05, dead_member=0.05, shared_account=0.05)


def generated() -> list[dict]:
    rows = list(households(300, seed=41, defects=DEFECTS, truth=Truth(), today=CLOCK.today()))
    head, born = rows[5]["members"][0], CLOCK.today() + timedelta(days=3)
    head["birth_date"], head["nik"] = born.isoformat(), make_nik(regions().district_of_nik(head["nik"][:6]), born,
                                                                 head["sex"], 1)
    rows[6]["members"][0]["name"] = "X"
    rows[7]["phone"] = "call me"
    rows[8]["attributes"]["floor"] = "marmer"
    rows[9]["members"] = []
    rows[10]["members"][0]["relation"] = "anak"
    rows[11]["unknown"] = 1
    rows[12]["members"][-1]["pregnant"] = rows[12]["members"][-1]["sex"] == "M"
    return rows


def single_path_error(data: dict) -> str | None:
    """The field the single path's validation names (`POST /v1/households`), or None when it accepts the row."""
    try:
        validate_household(HouseholdIn.model_validate(data), regions=CTX.regions, today=CTX.today)
    except ValidationError as err:
        return ".".join(str(p) for p in err.errors()[0]["loc"])
    except DomainError as err:
        return err.field or ""
    return None


@pytest.mark.parametrize("data", generated(), ids=lambda d: d["kk"])
def test_a_row_is_rejected_exactly_when_the_single_path_refuses_it_naming_the_same_field(data):
    result = prepare_row(CTX, Row(1, data))
    expected = single_path_error(data)
    if expected is None:
        assert isinstance(result, Prepped)
    else:
        assert isinstance(result, Reject)
        assert result.field == expected


def test_the_rows_hold_every_defect_the_generator_plants_and_each_hand_made_error():
    rows = generated()
    fields = [single_path_error(d) for d in rows]
    assert None in fields
    assert "kk" in fields
    assert any(f and f.startswith("members.") and f.endswith(".nik") for f in fields)
    assert {i: fields[i] for i in range(5, 13)} == {
        5: "members.0.birth_date", 6: "members.0.name", 7: "phone", 8: "attributes.floor", 9: "members",
        10: "members", 11: "unknown", 12: f"members.{len(rows[12]['members']) - 1}.pregnant"}


def _through_the_aggregate(p: Prepped, data: dict, reasons, deaths, review_id) -> tuple[list, tuple]:
    """What the single path records for the row `data` (with the member references `p` drew)."""
    given = HouseholdIn.model_validate(data)
    facts = [member_fact(m, fact["member_ref"]) for m, fact in zip(given.members, p.members, strict=True)]
    h = Household.register(p.household_id, p.village_code, facts, given.attributes, p.pii, "import", clock=CLOCK)
    h.checked(reasons, deaths, CHECKS, review_id=review_id)
    h.stamp_state("registered")
    return [(e.event_type, e.schema_version, e.to_data()) for e in h.pending_events], household_row(h)


def _same_row(a: tuple, b: tuple) -> None:
    assert a[:7] == b[:7]
    assert a[9:] == b[9:]
    assert orjson.loads(a[7]) == orjson.loads(b[7])
    assert orjson.loads(a[8]) == orjson.loads(b[8])


def test_a_prepared_households_events_and_row_are_the_aggregates_own_when_every_check_passes():
    prepared = [(r, d) for r, d in ((prepare_row(CTX, Row(1, d)), d) for d in generated()) if isinstance(r, Prepped)]
    assert len(prepared) > 200
    for p, data in prepared:
        events, row = _through_the_aggregate(p, data, [], [], None)
        assert p.payloads() == events
        _same_row(p.row, row)


def test_the_events_encoded_in_the_worker_are_written_as_the_same_json():
    prepared = [r for r in (prepare_row(CTX, Row(1, d)) for d in generated()[:40]) if isinstance(r, Prepped)]
    assert prepared
    for p in prepared:
        for (_, _, data), (_, _, payload) in zip(p.events, p.payloads(), strict=True):
            assert orjson.loads(dumps(fragments(data))) == payload
            assert dumps(fragments(data)) == dumps(payload)


def test_a_flagged_or_dead_members_household_built_again_gives_the_aggregates_own():
    prepared = [(r, d) for r, d in ((prepare_row(CTX, Row(1, d)), d) for d in generated()[:40])
                if isinstance(r, Prepped)]
    for i, (p, data) in enumerate(prepared):
        reasons = [{"code": "civil_registry_not_found", "member_ref": p.refs[0]}] if i % 2 else []
        deaths = [(p.refs[-1], date(2026, 9, 1))] if i % 3 == 0 else []
        h = Household.register(p.household_id, p.village_code, p.facts(), Attributes.model_validate(p.attributes),
                               p.pii, "import", clock=CLOCK)
        h.checked(reasons, deaths, CHECKS, review_id=7 if reasons else None)
        events, row = registration(h, p.attributes)
        expected_events, expected_row = _through_the_aggregate(p, data, reasons, deaths, 7 if reasons else None)
        assert events == expected_events
        _same_row(row, expected_row)
        assert [e[0] for e in events][-1] == ("HouseholdFlagged" if reasons else "HouseholdVerified")


class NothingRegistered:
    """Index lookups of an empty register."""

    async def nik_owners(self, nik_hashes):
        return []

    async def kk_owners(self, kk_hashes):
        return []

    async def name_match_owners(self, match_hashes, besides):
        return []


async def test_a_household_being_written_by_the_previous_batch_counts_as_registered():
    from registry.adapters.civil_registry import DukcapilSimulator
    from registry.application.verification import Candidate, verify

    first, second = [r for r in (prepare_row(CTX, Row(1, d)) for d in generated()[20:40]) if isinstance(r, Prepped)][:2]
    shared = first.indexes()
    mine = second.indexes()
    mine.niks[0] = (shared.niks[0][0], *mine.niks[0][1:])  # the same NIK as the first household's head
    candidate = Candidate(second.household_id, mine, local=second.local())
    alone = await verify(NothingRegistered(), [candidate], DukcapilSimulator(), CTX.today)
    assert not any(r["code"] == "duplicate_nik" for r in alone[second.household_id].reasons)
    beside = await verify(NothingRegistered(), [candidate], DukcapilSimulator(), CTX.today,
                          writing=[(first.household_id, shared)])
    assert {"code": "duplicate_nik", "member_ref": mine.niks[0][1], "other_households": str(first.household_id)} in \
        beside[second.household_id].reasons


def _mutations(good: dict) -> list[dict]:
    """`good` with one value changed at a time: values the models convert, bounds on either side, wrong types."""
    def household(**change) -> dict:
        return {**good, **change}

    def member(**change) -> dict:
        return {**good, "members": [{**good["members"][0], **change}, *good["members"][1:]]}

    def attributes(**change) -> dict:
        return {**good, "attributes": {**good["attributes"], **change}}

    def without(name: str) -> dict:
        return {k: v for k, v in good.items() if k != name}

    head = good["members"][0]
    return [
        household(phone=81234567890), household(phone="+62 812 3456 7890"), household(phone="+6281234567890"),
        household(phone=None), household(bank_account="12345"), household(bank_account="123456"),
        household(address="ab"), household(address="abc"), household(address="x" * 300),
        household(address="x" * 301), household(kk=int(good["kk"])), household(unknown=1), household(members=[]),
        household(members=good["members"] * 41), household(attributes=None), household(attributes={}),
        without("attributes"), without("phone"), without("address"),
        member(name="X"), member(name="Xy"), member(name="x" * 120), member(name="x" * 121),
        member(birth_date=head["birth_date"].replace("-", "")), member(birth_date=head["birth_date"] + "T00:00"),
        member(birth_date="2020-02-30"), member(pregnant="true"), member(pregnant=1), member(sex="m"),
        member(relation="KEPALA"), member(occupation="x" * 60), member(occupation="x" * 61), member(nik=1),
        member(extra=1), {**good, "members": [{k: v for k, v in head.items() if k != "schooling"},
                                              *good["members"][1:]]},
        attributes(floor_area_m2="36"), attributes(floor_area_m2="36.5"), attributes(floor_area_m2=" 36"),
        attributes(floor_area_m2=0), attributes(floor_area_m2=2000), attributes(floor_area_m2=2000.5),
        attributes(floor_area_m2=True), attributes(floor_area_m2="1e3"), attributes(livestock=10_000),
        attributes(livestock=10_001), attributes(livestock=-1), attributes(livestock=2.0),
        attributes(livestock="007"), attributes(livestock="7"), attributes(income_band=0), attributes(income_band=5),
        attributes(income_band=6), attributes(assets="tv"), attributes(assets=["tv", "x"]), attributes(assets=[]),
        attributes(floor="marmer"), attributes(unknown=1),
    ]


def _models_value(data: dict) -> tuple | None:
    """What `HouseholdIn` makes of `data`, in `fast_household`'s shape (None: it refuses the row)."""
    try:
        h = HouseholdIn.model_validate(data)
    except ValidationError:
        return None
    return (h.kk, h.village_code, h.address, h.phone, h.bank_account,
            [(m.nik, m.name, m.sex, m.birth_date, m.birth_date.isoformat(), m.relation, m.schooling, m.occupation,
              m.disability, m.pregnant) for m in h.members], list(h.attributes.model_dump(mode="json").items()))


def test_the_fast_path_takes_only_what_the_models_accept_and_reads_it_as_they_do():
    rows = generated()
    good = next(d for d in rows if single_path_error(d) is None)
    taken = 0
    for data in rows + _mutations(good):
        fast = fast_household(data)
        if fast is None:
            continue
        taken += 1
        assert _models_value(data) == (*fast[:5], [tuple(m) for m in fast.members], list(fast.attributes.items()))
        if fast_row(CTX, Row(1, data)) is not None:
            assert single_path_error(data) is None
    assert taken > 250


def test_the_fast_path_takes_the_generated_rows_and_a_csv_rows_numbers_in_text():
    good = [d for d in generated() if single_path_error(d) is None]
    assert all(fast_row(CTX, Row(1, d)) is not None for d in good)
    text = {**good[0], "attributes": {k: str(v) if k in ("floor_area_m2", "livestock", "income_band") else v
                                      for k, v in good[0]["attributes"].items()}}
    assert fast_row(CTX, Row(1, text)) is not None


def test_the_fast_path_seals_indexes_and_checks_what_the_full_path_does():
    for data in generated()[:60]:
        p = fast_row(CTX, Row(1, data))
        if p is None:
            continue
        given = HouseholdIn.model_validate(data)
        sealed = Personal.unseal(CTX.keyring.unwrap(p.wrapped_dek), p.household_id, p.pii)
        assert sealed == Personal(given.kk, given.address, given.phone, given.bank_account,
                                  {ref: member_personal(m) for ref, m in zip(p.refs, given.members, strict=True)})
        facts = {f.member_ref: f for f in p.facts()}
        assert p.indexes() == indexes(CTX.keyring, sealed, given.village_code, facts)
        assert p.local() == local_checks(sealed, facts, CTX.today)
        assert p.village_code == given.village_code
