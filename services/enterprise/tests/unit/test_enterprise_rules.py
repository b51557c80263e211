"""The enterprise aggregate as a specification: every status transition allowed and refused (with the reason),
four eyes on verification, identity checks, and household links."""

from datetime import date
from itertools import product

import pytest

from enterprise.domain.enterprise import _WHY_NOT, TRANSITIONS, Enterprise, check_household_ref, events
from gotong.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed

NOW = "2026-11-01T08:00:00+00:00"
TODAY = date(2026, 11, 1)
PATH = {"registered": [], "verified": ["verify"], "active": ["verify", "activate"],
        "suspended": ["verify", "activate", "suspend"]}


def registered(**over) -> Enterprise:
    fields = {"name": "Koperasi Batik Tulis Difabel Sragen", "nib": "8120201000003", "legal_form": "koperasi",
              "mission": "Perajin batik penyandang disabilitas", "sdgs": [10, 8, 8], "region_code": "33.14",
              "groups_served": ["disabled"], "groups_employed": ["women", "disabled"], "registered_by": "ops-1",
              "now": NOW, **over}
    return Enterprise.register(**fields)


def in_status(status: str) -> Enterprise:
    e = registered()
    for action in PATH[status]:
        e.change_status(action, "rev-1", NOW, reason="reports_overdue" if action == "suspend" else None)
    return e


@pytest.mark.parametrize(("action", "status"), sorted(product(TRANSITIONS, PATH)))
def test_every_action_from_every_status(action, status):
    e = in_status(status)
    starts, target = TRANSITIONS[action]
    reason = "misreporting" if action == "suspend" else None
    if status in starts:
        e.change_status(action, "rev-2", NOW, reason=reason)
        assert e.status == target
        assert e.history[-1]["status"] == target
    else:
        with pytest.raises(InvalidTransition) as refused:
            e.change_status(action, "rev-2", NOW, reason=reason)
        assert refused.value.detail == f"cannot {action} this enterprise: {_WHY_NOT[(action, status)]}"
        assert refused.value.field == "status"
        assert e.status == status, "a refused transition changes nothing"
        assert not e.pending_events[len(PATH[status]) + 1:]


def test_the_registrant_cannot_verify_their_own_registration():
    e = registered(registered_by="ops-7")
    with pytest.raises(Forbidden, match="four eyes"):
        e.change_status("verify", "ops-7", NOW)
    e.change_status("verify", "ops-8", NOW)
    assert e.status == "verified"


def test_suspension_needs_a_reason_and_reinstatement_clears_it():
    e = in_status("active")
    with pytest.raises(ValidationFailed) as err:
        e.change_status("suspend", "rev-1", NOW)
    assert err.value.field == "reason"
    e.change_status("suspend", "rev-1", NOW, reason="legal_issue")
    assert e.suspension_reason == "legal_issue"
    e.change_status("reinstate", "rev-1", NOW)
    assert (e.status, e.suspension_reason) == ("active", None)


def test_replaying_the_stream_gives_the_same_enterprise():
    e = in_status("active")
    e.link_household("hh_3f9a01", "employee", ["women"], date(2026, 1, 5), NOW, TODAY)
    e.change_status("suspend", "rev-1", NOW, reason="mission_drift")
    recorded = [(i + 1, events.decode(ev.event_type, ev.schema_version, ev.to_data()))
                for i, ev in enumerate(e.pending_events)]
    again = Enterprise.replay(e.id, recorded)
    assert (again.status, again.version, again.history, again.links) == (e.status, e.version, e.history, e.links)
    assert again.sdgs == [8, 10], "SDGs deduplicated and sorted"


def test_one_enterprise_per_nib():
    assert registered().id == registered(name="Other").id
    assert registered().id != registered(nib="8120201000004").id


@pytest.mark.parametrize(("over", "field"), [({"nib": "81202010000"}, "nib"), ({"nib": "81202O1000003"}, "nib"),
                                             ({"sdgs": []}, "sdgs"), ({"sdgs": [18]}, "sdgs")])
def test_registration_refuses_bad_identity_and_sdgs(over, field):
    with pytest.raises(ValidationFailed) as err:
        registered(**over)
    assert err.value.field == field


@pytest.mark.parametrize("ref", ["3273014506890001", "3273 0145 0689 0001", "32.73.01.4506890001"])
def test_a_nik_or_kk_number_is_never_accepted_as_household_ref_nor_echoed(ref):
    with pytest.raises(ValidationFailed) as err:
        check_household_ref(ref)
    assert err.value.field == "household_ref"
    assert "4506890001" not in err.value.detail


@pytest.mark.parametrize("ref", ["hh", "hh 3f9a", "hh_3f9a/..", "x" * 65])
def test_household_ref_shape(ref):
    with pytest.raises(ValidationFailed):
        check_household_ref(ref)


@pytest.mark.parametrize("status", ["registered", "suspended"])
def test_households_link_only_to_verified_or_active_enterprises(status):
    with pytest.raises(InvalidTransition):
        in_status(status).link_household("hh_3f9a01", "employee", [], date(2026, 1, 5), NOW, TODAY)


@pytest.mark.parametrize("status", ["verified", "active"])
def test_an_employee_link_is_a_graduation_signal_a_client_link_is_not(status):
    e = in_status(status)
    assert e.link_household("hh_3f9a01", "employee", ["women"], date(2026, 1, 5), NOW, TODAY) is True
    assert e.link_household("hh_3f9a01", "client", [], date(2026, 1, 5), NOW, TODAY) is False


def test_link_rules_duplicates_future_dates_and_ending():
    e = in_status("active")
    with pytest.raises(ValidationFailed) as future:
        e.link_household("hh_3f9a01", "employee", [], date(2026, 11, 2), NOW, TODAY)
    assert future.value.field == "started_on"
    e.link_household("hh_3f9a01", "employee", [], date(2026, 1, 5), NOW, TODAY)
    with pytest.raises(Conflict):
        e.link_household("hh_3f9a01", "employee", [], date(2026, 2, 5), NOW, TODAY)
    with pytest.raises(ValidationFailed) as early:
        e.end_link("hh_3f9a01", "employee", date(2025, 12, 31), NOW)
    assert early.value.field == "ended_on"
    with pytest.raises(InvalidTransition):
        e.end_link("hh_3f9a01", "client", date(2026, 6, 30), NOW)
    e.end_link("hh_3f9a01", "employee", date(2026, 6, 30), NOW)
    with pytest.raises(InvalidTransition):
        e.end_link("hh_3f9a01", "employee", date(2026, 7, 30), NOW)
    assert e.link_household("hh_3f9a01", "employee", [], date(2026, 8, 1), NOW, TODAY) is True, "hired again"


def test_profile_updates_record_only_what_changed():
    e = registered()
    assert e.update_profile(NOW, name=" Koperasi Batik Tulis Difabel Sragen ", sdgs=[8, 10]) is False
    assert len(e.pending_events) == 1, "no change, no event"
    assert e.update_profile(NOW, legal_form="pt", groups_served=["disabled", "youth", "youth"]) is True
    assert e.pending_events[-1].changed == ["legal_form", "groups_served"]
    assert (e.legal_form, e.groups_served, e.nib) == ("pt", ["disabled", "youth"], "8120201000003")
    with pytest.raises(ValidationFailed) as err:
        e.update_profile(NOW, sdgs=[0])
    assert err.value.field == "sdgs"
    recorded = [(i + 1, events.decode(ev.event_type, ev.schema_version, ev.to_data()))
                for i, ev in enumerate(e.pending_events)]
    assert Enterprise.replay(e.id, recorded).legal_form == "pt"
