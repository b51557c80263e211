"""The DCI's rules without a database: what a Group record holds for each scope, which DCI event types a stored
household event is, the purpose a ministry stated, and a search answer's overall status."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from uuid import UUID

from registry.dci.domain.records import IDENTITY, RECORD_TYPE, SOCIOECONOMIC, group_record
from registry.dci.domain.schemas import SearchResponse, SearchResponseItem
from registry.dci.domain.search import overall, purpose_of, summary
from registry.dci.domain.subscriptions import EVENT_TYPES, event_type, kinds

HOUSEHOLD = UUID("01938000-0000-7000-8000-000000000001")
TODAY = date(2026, 11, 29)


def _row() -> dict:
    member = {"member_ref": "m-1", "sex": "F", "birth_month": "1990-05", "relation": "head", "schooling": "sma",
              "disability": "none", "pregnant": False, "alive": True, "occupation": "farmer"}
    child = {"member_ref": "m-2", "sex": "M", "birth_month": "2020-01", "relation": "child", "alive": True}
    gone = {"member_ref": "m-3", "sex": "M", "birth_month": "1960-01", "relation": "parent", "alive": True,
            "left_on": "2025-01-01"}
    dead = {"member_ref": "m-4", "sex": "M", "birth_month": "1950-01", "relation": "parent", "alive": False,
            "died_on": "2026-01-01"}
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return {"household_id": HOUSEHOLD, "members": [member, child, gone, dead], "village_code": "32.73.01.1001",
            "district_code": "32.73.01", "regency_code": "32.73", "province_code": "32", "desil": 2,
            "desil_province": 3, "rule_version": "pmt-2026", "verification": "verified", "registered_at": at,
            "updated_at": at, "attributes": {"income_band": 1, "floor": "earth"}}


PERSONAL = {"kk": "3273010101010001", "address": "Jl. Contoh 1",
            "members": {"m-1": {"nik": "3273014101900001", "name": "Siti", "birth_date": "1990-05-01"}}}


def test_a_record_without_extra_scopes_holds_no_identity_and_no_socioeconomic_data():
    record = group_record(_row(), None, scopes=frozenset({"dci:search"}), today=TODAY)
    assert record["@type"] == RECORD_TYPE
    assert [i["identifier_type"] for i in record["group_identifier"]] == ["HOUSEHOLD_REF"]
    assert "address" not in record["place"]
    assert "additional_attributes" not in record
    assert [m["member_identifier"][0]["identifier_value"] for m in record["member_list"]] == ["m-1", "m-2", "m-4"]
    assert record["group_size"] == 2  # the member who left is not listed, the dead one does not count
    head = record["member_list"][0]
    assert "occupation" not in head
    assert "identifier" not in head["demographic_info"]
    assert "name" not in head["demographic_info"]
    assert head["demographic_info"]["sex"] == "female"
    assert record["poverty_score"] == 2
    assert record["poverty_score_province"] == 3


def test_personal_data_shows_only_with_the_identity_scope():
    without = group_record(_row(), PERSONAL, scopes=frozenset({"dci:search"}), today=TODAY)
    assert "3273010101010001" not in str(without)
    assert "Siti" not in str(without)
    record = group_record(_row(), PERSONAL, scopes=frozenset({"dci:search", IDENTITY}), today=TODAY)
    assert [i["identifier_value"] for i in record["group_identifier"]] == [str(HOUSEHOLD), "3273010101010001"]
    assert record["place"]["address"] == "Jl. Contoh 1"
    head = record["member_list"][0]["demographic_info"]
    assert head["identifier"][0]["identifier_value"] == "3273014101900001"
    assert head["name"]["given_name"] == "Siti"
    assert "identifier" not in record["member_list"][1]["demographic_info"]  # no personal data for this member


def test_socioeconomic_attributes_and_occupations_need_their_scope():
    record = group_record(_row(), None, scopes=frozenset({"dci:search", SOCIOECONOMIC}), today=TODAY)
    assert record["additional_attributes"] == [{"name": "floor", "value": "earth"},
                                               {"name": "income_band", "value": 1}]
    assert record["member_list"][0]["occupation"] == "farmer"


def test_event_types_are_named_with_or_without_the_prefix_in_any_case():
    assert event_type("spdci:common:RegistryEventType:REGISTER") == "REGISTER"
    assert event_type("newhouseholdmember") == "NewHouseHoldMember"
    assert event_type("death") == "DEATH"
    assert event_type("BIRTH") is None
    assert set(EVENT_TYPES.values()) == {"REGISTER", "NewHouseHoldMember", "DEATH", "DESIL_CHANGE", "UPDATE"}


def test_household_events_map_to_dci_event_types():
    assert kinds("HouseholdRegistered", {"state": {}}) == {"REGISTER", "UPDATE"}
    assert kinds("HouseholdRegistered", {}) == {"REGISTER"}
    assert kinds("MemberDied", {}) == {"DEATH"}
    assert kinds("MemberAdded", {"state": {}}) == {"NewHouseHoldMember", "UPDATE"}
    assert kinds("HouseholdRanked", {}) == {"DESIL_CHANGE", "UPDATE"}
    assert kinds("HouseholdCorrected", {"state": {}}) == {"UPDATE"}
    assert kinds("HouseholdCorrected", {"state": None}) == set()


def test_the_stated_purpose_comes_from_consent_or_authorize():
    fallback = "no purpose stated"
    assert purpose_of(SimpleNamespace(consent={"purpose": {"text": "  PKH eligibility  "}}), fallback) == \
        "PKH eligibility"
    assert purpose_of(SimpleNamespace(consent=None, authorize={"purpose": {"code": "health"}}), fallback) == "health"
    assert purpose_of(SimpleNamespace(consent={"purpose": "x" * 300}), fallback) == "x" * 200
    assert purpose_of(SimpleNamespace(consent={"purpose": "   "}), fallback) == fallback
    assert purpose_of(SimpleNamespace(), fallback) == fallback


def test_a_search_succeeds_when_one_item_does_and_keeps_no_records():
    ok = SearchResponseItem(reference_id="a", timestamp="t", status="succ")
    no = SearchResponseItem(reference_id="b", timestamp="t", status="rjct", status_reason_code="rjct.sort.invalid")
    assert overall([ok, no]) == "succ"
    assert overall([no]) == "rjct"
    assert overall([]) == "rjct"
    response = SearchResponse(transaction_id="t", correlation_id="c", search_response=[ok, no])
    assert summary(response) == [{"reference_id": "a", "timestamp": "t", "status": "succ"},
                                 {"reference_id": "b", "timestamp": "t", "status": "rjct",
                                  "status_reason_code": "rjct.sort.invalid"}]
