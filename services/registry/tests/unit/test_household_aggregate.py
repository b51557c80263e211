"""The household aggregate as a specification, without a database: the input rules that name their field,
each command's refusals (with the reason) and events, merge and erasure, and the published state."""

from datetime import date, timedelta
from uuid import uuid4

import pytest

from gotong.domain.errors import InvalidTransition, NotFound, ValidationFailed
from registry.adapters.reference import regions
from registry.domain.household import (
    Household,
    HouseholdErased,
    HouseholdMergedAway,
    HouseholdRanked,
    HouseholdsMerged,
    MemberDied,
    MemberLeft,
    events,
    public_state,
    validate_household,
)
from registry.domain.identity import region_parts
from registry.domain.model import Attributes, HouseholdIn, MemberFact, age_band, age_on
from registry.synthetic import households

VILLAGE = "32.73.01.1001"
TOMORROW = date.today() + timedelta(days=1)


def fact(ref: str, relation: str = "anak", **over) -> MemberFact:
    return MemberFact(**{"member_ref": ref, "relation": relation, "sex": "F", "birth_month": "2010-04", **over})


def family(*refs: str) -> Household:
    members = [fact("m1", "kepala"), *(fact(r) for r in refs)]
    return Household.register(uuid4(), VILLAGE, members, Attributes(), pii="sealed-1")


def new_events(h: Household) -> list[str]:
    return [type(e).__name__ for e in h.pending_events]


# --- input rules ------------------------------------------------------------------------------------------
def valid_input() -> dict:
    return next(households(1, seed=31))


def test_a_valid_household_passes():
    validate_household(HouseholdIn.model_validate(valid_input()), regions=regions(), today=date.today())


@pytest.mark.parametrize(("change", "field", "detail"), [
    (lambda h: h["members"].__setitem__(0, {**h["members"][0], "relation": "anak"}), "p.members",
     "a household has exactly one member with relation 'kepala'"),
    (lambda h: h["members"].append({**h["members"][0], "relation": "famili"}), "p.members.{last}.nik",
     "the same NIK appears twice in this household"),
    (lambda h: h.__setitem__("kk", "1234"), "p.kk", "No. KK must be exactly 16 digits"),
    (lambda h: h.__setitem__("village_code", "99.99.99.9999"), "p.village_code",
     "'99.99.99.9999' is not a Kepmendagri 2025 village code"),
])
def test_each_input_rule_names_its_field(change, field, detail):
    data = valid_input()
    change(data)
    with pytest.raises(ValidationFailed) as err:
        validate_household(HouseholdIn.model_validate(data), prefix="p.", regions=regions(), today=date.today())
    assert err.value.field == field.replace("{last}", str(len(data["members"]) - 1))
    assert err.value.detail == detail


def test_only_a_woman_can_be_pregnant_and_nobody_is_born_tomorrow():
    data = valid_input()
    men = [i for i, m in enumerate(data["members"]) if m["sex"] == "M"]
    data["members"][men[0]]["pregnant"] = True
    with pytest.raises(ValidationFailed, match="only a woman can be recorded as pregnant") as err:
        validate_household(HouseholdIn.model_validate(data), regions=regions(), today=date.today())
    assert err.value.field == f"members.{men[0]}.pregnant"


# --- commands ---------------------------------------------------------------------------------------------
def test_a_member_leaves_and_the_head_cannot_leave_others_behind():
    h = family("m2", "m3")
    with pytest.raises(InvalidTransition, match="the head cannot leave while others remain") as err:
        h.member_left("m1", date(2026, 1, 1), "moved_out")
    assert err.value.field == "member_ref"
    with pytest.raises(ValidationFailed, match="the date of leaving is in the future") as err:
        h.member_left("m2", TOMORROW, "moved_out")
    assert err.value.field == "on"
    with pytest.raises(NotFound, match="member m9 is not in this household") as err:
        h.member_left("m9", date(2026, 1, 1), "moved_out")
    assert err.value.field == "member_ref"
    h.member_left("m2", date(2026, 1, 1), "split", to_household="hh-new")
    left = h.pending_events[-1]
    assert isinstance(left, MemberLeft)
    assert (left.member_ref, left.on, left.reason, left.to_household) == ("m2", date(2026, 1, 1), "split", "hh-new")
    assert h.members["m2"].left_on == date(2026, 1, 1)
    with pytest.raises(InvalidTransition, match="this member already left the household"):
        h.member_left("m2", date(2026, 2, 1), "moved_out")


def test_the_head_may_leave_once_the_others_are_gone_or_dead():
    h = family("m2", "m3")
    h.member_left("m2", date(2026, 1, 1), "moved_out")
    assert h.member_died("m3", date(2026, 2, 1), "ops")
    h.member_left("m1", date(2026, 3, 1), "moved_out")
    assert h.members["m1"].left_on == date(2026, 3, 1)


def test_a_death_is_recorded_once_and_never_in_the_future():
    h = family("m2")
    with pytest.raises(ValidationFailed, match="date of death is in the future") as err:
        h.member_died("m2", TOMORROW, "ops")
    assert err.value.field == "died_on"
    assert h.member_died("m2", date(2026, 5, 1), "civil_registry") is True
    died = h.pending_events[-1]
    assert isinstance(died, MemberDied)
    assert (died.member_ref, died.died_on, died.source) == ("m2", date(2026, 5, 1), "civil_registry")
    assert (h.members["m2"].alive, h.members["m2"].died_on) == (False, date(2026, 5, 1))
    assert h.member_died("m2", date(2026, 5, 2), "ops") is False
    assert new_events(h).count("MemberDied") == 1


def test_attributes_change_only_when_they_differ_and_a_review_is_not_overridden_by_an_automatic_pass():
    h = family()
    h.update_attributes(Attributes())
    assert new_events(h) == ["HouseholdRegistered"]
    h.update_attributes(Attributes(income_band=1))
    assert h.attributes.income_band == 1
    h.verified(["nik", "kk"])
    assert h.verification == "verified"
    h.flagged([{"code": "duplicate_kk"}])
    h.decide_review("rejected", proposed_by="a", approved_by="b", note="cek lagi")
    assert h.verification == "rejected"
    h.verified(["nik"])
    assert h.verification == "flagged", "a review decides, not a later automatic pass: a new review opens"
    assert new_events(h)[-2:] == ["ReviewDecided", "HouseholdFlagged"]


def test_ranking_records_the_previous_desil():
    h = family()
    h.ranked(3, 4, 0.31, "DTSEN-2026.1", "2026-Q3")
    h.ranked(2, 2, 0.22, "DTSEN-2026.2", "2026-Q4")
    second = h.pending_events[-1]
    assert isinstance(second, HouseholdRanked)
    assert (second.desil, second.desil_province, second.previous_desil, second.rule_version, second.snapshot) == (
        2, 2, 3, "DTSEN-2026.2", "2026-Q4")
    assert (h.desil, h.desil_province, h.rule_version) == (2, 2, "DTSEN-2026.2")


def test_a_correction_and_a_new_member_replace_the_sealed_personal_data():
    h = family("m2")
    h.add_member(fact("m3"), "birth", pii="sealed-2")
    assert (set(h.members), h.pii) == ({"m1", "m2", "m3"}, "sealed-2")
    h.correct("32.73.01.1002", [fact("m1", "kepala")], pii="sealed-3", reason="salah ketik")
    assert (h.village_code, set(h.members), h.pii) == ("32.73.01.1002", {"m1"}, "sealed-3")


def test_a_merge_moves_the_members_and_demotes_the_absorbed_head():
    target, other = family("m2"), Household.register(uuid4(), VILLAGE, [fact("o1", "kepala"), fact("o2")],
                                                     Attributes(), pii="x")
    with pytest.raises(ValidationFailed, match="a household cannot be merged into itself") as err:
        target.absorb(target, pii="y")
    assert err.value.field == "absorbed"
    target.absorb(other, pii="merged")
    merged = target.pending_events[-1]
    assert isinstance(merged, HouseholdsMerged)
    assert merged.absorbed == str(other.id)
    assert {m.member_ref: m.relation for m in merged.members} == {"o1": "famili", "o2": "anak"}
    assert {r: m.relation for r, m in target.members.items()} == {"m1": "kepala", "m2": "anak", "o1": "famili",
                                                                    "o2": "anak"}
    assert target.pii == "merged"
    away = other.pending_events[-1]
    assert isinstance(away, HouseholdMergedAway)
    assert (away.into, other.merged_into) == (str(target.id), str(target.id))
    for change in (lambda: other.update_attributes(Attributes(income_band=1)),
                   lambda: other.add_member(fact("o3"), "birth", pii="z"), lambda: target.absorb(other, pii="again")):
        with pytest.raises(InvalidTransition, match=f"this household was merged into {target.id}; change that one"):
            change()


def test_an_erased_household_changes_no_more():
    h = family("m2")
    h.erase("subject_request", "470/12/DS/2026")
    assert (h.erased, h.pii) == (True, "")
    erased = h.pending_events[-1]
    assert isinstance(erased, HouseholdErased)
    assert (erased.ground, erased.reference) == ("subject_request", "470/12/DS/2026")
    for change in (lambda: h.erase("court_order", "PN-12/2026"),
                   lambda: h.member_died("m2", date(2026, 1, 1), "ops"),
                   lambda: h.correct(VILLAGE, [], pii="p", reason="r")):
        with pytest.raises(InvalidTransition):
            change()
    with pytest.raises(InvalidTransition, match="this household was erased already"):
        h.erase("court_order", "PN-12/2026")
    with pytest.raises(InvalidTransition, match="personal data was erased; it cannot change any more"):
        h.flagged([])


def test_replaying_the_events_rebuilds_the_same_household():
    h = family("m2", "m3")
    h.member_left("m2", date(2026, 1, 1), "moved_out")
    h.member_died("m3", date(2026, 2, 1), "ops")
    h.update_attributes(Attributes(floor="tanah"))
    h.ranked(1, 1, 0.1, "v1", "2026-Q3")
    h.flagged([{"code": "x"}])
    again = Household.replay(h.id, enumerate(h.pending_events, start=1))
    assert (again.members, again.attributes, again.desil, again.verification, again.pii) == (
        h.members, h.attributes, 1, "flagged", "sealed-1")


# --- the published state ----------------------------------------------------------------------------------
def test_the_published_state_has_codes_and_facts_and_no_personal_data():
    members = [fact("m1", "kepala", birth_month="1960-10"), fact("m2", pregnant=True, birth_month="2000-01"),
               fact("m3", disability="severe", alive=False, died_on=date(2026, 2, 1), birth_month="2019-11"),
               fact("m4", schooling="smp", left_on=date(2026, 3, 1), birth_month="2012-12")]
    state = public_state("hh-1", 7, "ranked", VILLAGE, "verified", members, 2, "DTSEN-2026.1", date(2026, 10, 1))
    assert state == {
        "household_ref": "hh-1", "household_version": 7, "change": "ranked", "village_code": VILLAGE,
        "district_code": "32.73.01", "regency_code": "32.73", "province_code": "32", "verification": "verified",
        "desil": 2, "desil_rule_version": "DTSEN-2026.1",
        "members": [
            {"member_ref": "m1", "age_band": "60+", "birth_month": "1960-10", "school_level": "none",
             "pregnant": False, "severe_disability": False, "alive": True, "died_on": None, "left_on": None},
            {"member_ref": "m2", "age_band": "19-59", "birth_month": "2000-01", "school_level": "none",
             "pregnant": True, "severe_disability": False, "alive": True, "died_on": None, "left_on": None},
            {"member_ref": "m3", "age_band": "0-6", "birth_month": "2019-11", "school_level": "none",
             "pregnant": False, "severe_disability": True, "alive": False, "died_on": "2026-02-01",
             "left_on": None},
            {"member_ref": "m4", "age_band": "13-15", "birth_month": "2012-12", "school_level": "smp",
             "pregnant": False, "severe_disability": False, "alive": True, "died_on": None,
             "left_on": "2026-03-01"}]}


def test_the_last_event_of_a_command_carries_the_state_after_it():
    h = family("m2")
    h.member_died("m2", date(2026, 5, 1), "ops")
    h.stamp_state("member_died")
    last = h.pending_events[-1]
    assert last.state is not None
    assert (last.state["change"], last.state["household_version"], last.state["members"][1]["alive"]) == (
        "member_died", h.version, False)
    assert h.pending_events[0].state is None
    assert h.public_state("x") == public_state(str(h.id), h.version, "x", VILLAGE, "pending",
                                               list(h.members.values()), None, None)


@pytest.mark.parametrize(("age", "band"), [(0, "0-6"), (6, "0-6"), (7, "7-12"), (12, "7-12"), (13, "13-15"),
                                           (15, "13-15"), (16, "16-18"), (18, "16-18"), (19, "19-59"),
                                           (59, "19-59"), (60, "60+")])
def test_age_bands(age, band):
    assert age_band(age) == band


def test_age_is_counted_in_whole_years_from_the_birth_month():
    assert age_on("1966-10", date(2026, 10, 1)) == 60
    assert age_on("1966-11", date(2026, 10, 31)) == 59
    assert age_on("1966-09", date(2026, 10, 1)) == 60


def test_region_parts_of_a_village_code():
    assert region_parts("32.73.01.1001") == ("32", "32.73", "32.73.01")


@pytest.mark.parametrize(("ground", "reference", "field"), [
    ("because", "470/12/DS/2026", "ground"),
    ("subject_request", "Budi Santoso di Desa Sukamaju", "reference"),  # a sentence could name people
    ("subject_request", "ab", "reference"),
    ("subject_request", "470/12\x00", "reference"),
])
def test_erasure_names_a_legal_ground_and_a_document_not_free_text(ground, reference, field):
    h = family("m2")
    with pytest.raises(ValidationFailed) as caught:
        h.erase(ground, reference)
    assert caught.value.field == field
    assert not h.erased
    assert not any(isinstance(e, HouseholdErased) for e in h.pending_events)


def test_a_first_release_erasure_is_read_without_its_free_text():
    """v1 kept the request as free text; it is never read back (it could name people)."""
    old = events.decode("HouseholdErased", 1, {"basis": "permintaan Ibu Siti, Desa Sukamaju"})
    assert isinstance(old, HouseholdErased)
    assert (old.ground, old.reference) == ("unspecified", None)
    assert "Siti" not in old.model_dump_json()
