"""NIK and No. KK refusals with their whole sentence and field (never the number itself), and a household's
members checked against their own NIK: a NIK that encodes another sex or birth date names that member."""

from datetime import date, timedelta

import pytest

from gotong.domain.errors import ValidationFailed
from registry.adapters.reference import regions
from registry.domain.household import validate_household
from registry.domain.identity import check_kk, check_nik
from registry.domain.model import HouseholdIn
from registry.synthetic import households

REGIONS = regions()
GOOD_NIK = "3273011705900001"  # Bandung, Sukasari; born 17-05-1990; a man


@pytest.mark.parametrize(("nik", "detail"), [
    ("327301170590001", "NIK must be exactly 16 digits"),
    ("32730117059000a1", "NIK must be exactly 16 digits"),
    ("9999991705900001", "NIK digits 1–6 are not an existing district (kecamatan) code"),
    ("3273013205900001", "NIK digits 7–12 are not a birth date DDMMYY (day + 40 for women)"),
    ("3273012902970001", "NIK digits 7–12 are not a birth date DDMMYY (day + 40 for women)"),  # no 29 Feb 1997
    ("3273011705900000", "NIK serial (digits 13–16) cannot be 0000"),
])
def test_a_malformed_nik_is_refused_whole(nik, detail):
    with pytest.raises(ValidationFailed) as err:
        check_nik(nik, field="members.2.nik", regions=REGIONS)
    assert (err.value.detail, err.value.field) == (detail, "members.2.nik")
    assert nik not in err.value.detail


def test_a_nik_must_match_the_members_sex_and_birth_date():
    assert check_nik(GOOD_NIK, birth_date=date(1990, 5, 17), sex="M", regions=REGIONS) == GOOD_NIK
    leap_day = "3273012902960001"
    assert check_nik(leap_day, birth_date=date(1996, 2, 29), regions=REGIONS) == leap_day
    with pytest.raises(ValidationFailed) as err:
        check_nik(GOOD_NIK, sex="F", regions=REGIONS)
    assert err.value.detail == "NIK digits 7–8 do not match the member's sex (women have day + 40)"
    for born in (date(1990, 5, 18), date(1990, 6, 17), date(1991, 5, 17)):
        with pytest.raises(ValidationFailed) as err:
            check_nik(GOOD_NIK, birth_date=born, regions=REGIONS)
        assert err.value.detail == "NIK digits 7–12 do not match the member's birth date"


@pytest.mark.parametrize(("kk", "detail"), [
    ("327301000001", "No. KK must be exactly 16 digits"),
    ("9999990101010001", "No. KK digits 1–6 are not an existing district (kecamatan) code"),
    ("3273010101010000", "No. KK serial (digits 13–16) cannot be 0000"),
])
def test_a_malformed_kk_is_refused_whole(kk, detail):
    with pytest.raises(ValidationFailed) as err:
        check_kk(kk, field="rows.3.kk", regions=REGIONS)
    assert (err.value.detail, err.value.field) == (detail, "rows.3.kk")
    assert check_kk("3273010101010001", regions=REGIONS) == "3273010101010001"


def household_with(change) -> dict:
    data = next(households(1, seed=41))
    change(data["members"][-1])
    return data


@pytest.mark.parametrize(("change", "detail", "suffix"), [
    (lambda m: m.update(sex="F" if m["sex"] == "M" else "M"),
     "NIK digits 7–8 do not match the member's sex (women have day + 40)", "nik"),
    (lambda m: m.update(birth_date=(date.fromisoformat(str(m["birth_date"])) + timedelta(days=1)).isoformat()),
     "NIK digits 7–12 do not match the member's birth date", "nik"),
])
def test_each_member_is_checked_against_their_own_nik(change, detail, suffix):
    data = household_with(change)
    with pytest.raises(ValidationFailed) as err:
        validate_household(HouseholdIn.model_validate(data), prefix="rows.0.", regions=REGIONS, today=date.today())
    assert (err.value.detail, err.value.field) == (detail, f"rows.0.members.{len(data['members']) - 1}.{suffix}")


def test_a_member_may_be_born_today_but_not_tomorrow():
    today = date.today()
    for born, ok in ((today, True), (today + timedelta(days=1), False)):
        data = next(households(1, seed=41))
        last = data["members"][-1]
        last["birth_date"] = born.isoformat()
        last["nik"] = last["nik"][:6] + f"{born.day + (40 if last['sex'] == 'F' else 0):02d}" \
            f"{born.month:02d}{born.year % 100:02d}" + last["nik"][12:]
        if ok:
            validate_household(HouseholdIn.model_validate(data), regions=REGIONS, today=date.today())
            continue
        with pytest.raises(ValidationFailed) as err:
            validate_household(HouseholdIn.model_validate(data), regions=REGIONS, today=date.today())
        assert (err.value.detail, err.value.field) == ("birth date is in the future",
                                                       f"members.{len(data['members']) - 1}.birth_date")


def test_a_pregnant_man_is_refused_whole():
    data = next(households(1, seed=41))
    i = next(i for i, m in enumerate(data["members"]) if m["sex"] == "M")
    data["members"][i]["pregnant"] = True
    with pytest.raises(ValidationFailed) as err:
        validate_household(HouseholdIn.model_validate(data), regions=REGIONS, today=date.today())
    assert (err.value.detail, err.value.field) == ("only a woman can be recorded as pregnant",
                                                   f"members.{i}.pregnant")
