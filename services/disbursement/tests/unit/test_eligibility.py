"""Each shipped program's formula and rules on hand-made households: caps, tranches, deaths before the
cut-off, holds, exclusions, and the explanation of every decision."""

from datetime import date

import pytest

from disbursement.adapters.shipped import shipped_programs
from disbursement.domain.eligibility import Household, age_at, evaluate
from disbursement.domain.programs import ProgramDefinition

CUTOFF = date(2026, 10, 1)
PROGRAMS = {p.code: p for p in shipped_programs()}


def member(ref: str, birth: str, **facts: object) -> dict[str, object]:
    return {"member_ref": ref, "age_band": "19-59", "birth_month": birth, **facts}


def household(members: list[dict[str, object]], *, desil: int | None = 2, verification: str = "verified",
              village: str = "32.73.01.1001") -> Household:
    parts = village.split(".")
    return Household("hh-1", 3, village, ".".join(parts[:3]), ".".join(parts[:2]), parts[0], verification, desil,
                     "DTSEN-2026.1", "2026-Q3", members)


def test_every_shipped_program_is_valid_configuration():
    assert set(PROGRAMS) == {"PKH", "BPNT", "BLT-DD", "CSR-PANGAN-JABAR"}
    assert PROGRAMS["CSR-PANGAN-JABAR"].funding_source == "csr"


def test_pkh_pays_a_quarter_of_the_annual_components():
    h = household([member("m1", "1990-01", pregnant=True), member("m2", "2016-05", school_level="sd")])
    d = evaluate(PROGRAMS["PKH"], h, CUTOFF)
    assert d.outcome == "eligible"
    assert d.amount == (3_000_000 + 900_000) // 4 == 975_000
    assert d.members_counted == 2


def test_pkh_counts_at_most_four_members_the_highest_components():
    members = [member("m1", "1990-01", pregnant=True), member("m2", "2023-01"),  # early childhood 3,000,000
               member("m3", "1950-01"),  # elderly 2,400,000
               member("m4", "2008-01", school_level="sma"),  # 2,000,000
               member("m5", "2012-01", school_level="smp"),  # 1,500,000 (5th: over the cap)
               member("m6", "2017-01", school_level="sd")]  # 900,000 (6th)
    d = evaluate(PROGRAMS["PKH"], household(members), CUTOFF)
    assert d.members_counted == 4
    assert d.amount == (3_000_000 + 3_000_000 + 2_400_000 + 2_000_000) // 4
    dropped = {m.member_ref: m.reason for m in d.members if not m.counted}
    assert set(dropped) == {"m5", "m6"}
    assert "batas 4" in dropped["m5"]


def test_a_member_who_counts_twice_counts_once_at_the_highest_component():
    d = evaluate(PROGRAMS["PKH"], household([member("m1", "1950-01", severe_disability=True)]), CUTOFF)
    assert d.amount == 2_400_000 // 4
    assert d.members_counted == 1


def test_a_death_before_the_cutoff_excludes_the_member():
    h = household([member("m1", "1950-01", alive=False, died_on="2026-09-30"),
                   member("m2", "2016-05", school_level="sd")])
    d = evaluate(PROGRAMS["PKH"], h, CUTOFF)
    assert d.amount == 900_000 // 4
    m1 = next(m for m in d.members if m.member_ref == "m1")
    assert not m1.counted
    assert "meninggal 2026-09-30" in m1.reason


def test_a_death_after_the_cutoff_still_counts_for_this_cycle():
    h = household([member("m1", "1950-01", alive=False, died_on="2026-10-02")])
    assert evaluate(PROGRAMS["PKH"], h, CUTOFF).amount == 2_400_000 // 4


def test_a_member_who_left_before_the_cutoff_does_not_count():
    h = household([member("m1", "1950-01", left_on="2026-08-01"), member("m2", "2016-05", school_level="sd")])
    assert evaluate(PROGRAMS["PKH"], h, CUTOFF).amount == 900_000 // 4


def test_a_household_whose_only_member_died_before_the_cutoff_gets_nothing_and_says_why():
    d = evaluate(PROGRAMS["PKH"], household([member("m1", "1950-01", alive=False, died_on="2026-01-01")]), CUTOFF)
    assert d.outcome == "not_eligible"
    assert d.amount == 0
    comp = next(r for r in d.rules if r.rule_id == "pkh-komponen")
    assert comp.result == "fail"
    assert comp.facts["members_matching"] == 0


def test_age_is_taken_at_the_cutoff():
    assert age_at("1966-10", CUTOFF) == 60
    assert age_at("1966-11", CUTOFF) == 59
    h = household([member("m1", "1966-11")])
    assert evaluate(PROGRAMS["PKH"], h, CUTOFF).outcome == "not_eligible"


def test_bpnt_is_two_hundred_thousand_a_month_paid_per_quarter():
    d = evaluate(PROGRAMS["BPNT"], household([member("m1", "1980-01")], desil=4), CUTOFF)
    assert d.outcome == "eligible"
    assert d.amount == 600_000


def test_bpnt_refuses_desil_five_and_explains_with_the_snapshot():
    d = evaluate(PROGRAMS["BPNT"], household([], desil=5), CUTOFF)
    assert d.outcome == "not_eligible"
    assert d.amount == 0
    rule = next(r for r in d.rules if r.rule_id == "bpnt-desil")
    assert rule.result == "fail"
    assert rule.facts == {"desil": 5, "band": [1, 4], "desil_snapshot": "2026-Q3",
                          "desil_rule_version": "DTSEN-2026.1"}
    assert d.as_dict()["rule_version"] == "BPNT-2026.2"


def test_a_household_without_desil_is_not_eligible():
    assert evaluate(PROGRAMS["BPNT"], household([], desil=None), CUTOFF).outcome == "not_eligible"


def test_households_under_review_are_held_not_dropped():
    d = evaluate(PROGRAMS["BPNT"], household([member("m1", "1980-01")], verification="under_review"), CUTOFF)
    assert d.outcome == "held"
    assert d.amount == 600_000
    assert next(r for r in d.rules if r.kind == "verification").result == "hold"


def test_pending_verification_is_not_eligible():
    assert evaluate(PROGRAMS["BPNT"], household([], verification="pending"), CUTOFF).outcome == "not_eligible"


def test_blt_is_flat_for_chosen_regions_only():
    adult = [member("m1", "1980-01")]
    assert evaluate(PROGRAMS["BLT-DD"], household(adult, desil=3, village="35.78.01.1001"), CUTOFF).amount == 300_000
    d = evaluate(PROGRAMS["BLT-DD"], household([], desil=3, village="31.71.01.1001"), CUTOFF)
    assert d.outcome == "not_eligible"
    assert next(r for r in d.rules if r.rule_id == "blt-wilayah").facts["matched"] is None


def test_blt_excludes_pkh_recipients_of_the_same_period():
    h = household([member("m1", "1980-01")], desil=1)
    d = evaluate(PROGRAMS["BLT-DD"], h, CUTOFF, other_programs=frozenset({"PKH"}))
    assert d.outcome == "not_eligible"
    assert next(r for r in d.rules if r.rule_id == "blt-bukan-pkh").facts == {"other_programs": ["PKH"]}


def test_csr_program_needs_young_children_or_elderly_in_west_java():
    ok = household([member("m1", "2024-02")], desil=1)
    assert evaluate(PROGRAMS["CSR-PANGAN-JABAR"], ok, CUTOFF).amount == 250_000
    no = household([member("m1", "1990-02")], desil=1)
    assert evaluate(PROGRAMS["CSR-PANGAN-JABAR"], no, CUTOFF).outcome == "not_eligible"


def test_a_csr_program_must_name_its_allocation():
    data = PROGRAMS["CSR-PANGAN-JABAR"].model_dump()
    data["csr_allocation_id"] = None
    with pytest.raises(ValueError, match="csr_allocation_id"):
        ProgramDefinition.model_validate(data)


def test_per_member_amounts_must_divide_into_tranches():
    data = PROGRAMS["PKH"].model_dump()
    data["benefit"]["annual"]["sd"] = 900_001
    with pytest.raises(ValueError, match="tranches"):
        ProgramDefinition.model_validate(data)


def test_a_household_with_nobody_present_at_the_cutoff_gets_no_food_aid():
    h = household([member("m1", "1950-01", alive=False, died_on="2026-06-01"),
                   member("m2", "1990-01", left_on="2026-07-01")])
    d = evaluate(PROGRAMS["BPNT"], h, CUTOFF)
    assert d.outcome == "not_eligible"
    rule = next(r for r in d.rules if r.rule_id == "bpnt-anggota")
    assert rule.result == "fail"
    assert [m.counted for m in d.members] == [False, False]


def test_presence_from_the_replica_column_decides_as_the_members_themselves_do():
    """The bulk path (members not loaded, `present_until` from the replica) and the explained path (members
    loaded) agree on every household, for every program that needs only presence."""
    import random
    from dataclasses import replace

    from disbursement.domain.eligibility import present_until

    rng = random.Random(5)
    dates = [None, "2026-06-30", "2026-09-30", "2026-10-01", "2026-10-02", "2027-01-01"]
    for _ in range(2_000):
        members = [member(f"m{j}", f"{rng.randint(1940, 2024)}-0{rng.randint(1, 9)}",
                          alive=rng.random() > 0.2, died_on=rng.choice(dates), left_on=rng.choice(dates))
                   for j in range(rng.randint(0, 4))]
        for m in members:
            if m["died_on"] is not None:
                m["alive"] = False
        full = household(members)
        bulk = replace(full, members=None, present_until=present_until(members))
        for code in ("BPNT", "BLT-DD"):
            a, b = evaluate(PROGRAMS[code], full, CUTOFF), evaluate(PROGRAMS[code], bulk, CUTOFF)
            assert (a.outcome, a.amount) == (b.outcome, b.amount), (code, members)
