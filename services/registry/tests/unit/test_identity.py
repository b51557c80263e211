"""NIK, No. KK and village validation: the table of good and bad numbers, the +40 rule for women."""

from datetime import date

import pytest

from gotong.domain.errors import ValidationFailed
from registry.adapters.reference import regions
from registry.domain.identity import check_kk, check_nik, check_village, make_nik

REGIONS = regions()

BANDUNG_SUKASARI = "32.73.01"


@pytest.mark.parametrize(("nik", "birth", "sex"), [
    ("3273011705900001", date(1990, 5, 17), "M"),
    ("3273015705900001", date(1990, 5, 17), "F"),   # women: day + 40
    ("3273014102000123", date(2000, 2, 1), "F"),
    ("3273012902960009", date(1996, 2, 29), "M"),   # leap day
])
def test_good_nik(nik, birth, sex):
    assert check_nik(nik, birth_date=birth, sex=sex, regions=REGIONS) == nik


@pytest.mark.parametrize(("nik", "birth", "sex", "fragment"), [
    ("327301170590001", None, None, "exactly 16 digits"),
    ("32730117059000a1", None, None, "exactly 16 digits"),
    ("9999991705900001", None, None, "district"),
    ("3273013205900001", None, None, "birth date"),      # day 32
    ("3273011713900001", None, None, "birth date"),      # month 13
    ("3273011705900000", None, None, "0000"),
    ("3273011705900001", date(1990, 5, 17), "F", "sex"),  # a woman's NIK has day + 40
    ("3273015705900001", date(1990, 5, 17), "M", "sex"),
    ("3273011705900001", date(1991, 5, 17), "M", "birth date"),
    ("3273011705900001", date(1990, 5, 18), "M", "birth date"),
])
def test_bad_nik_names_the_field_and_never_echoes_the_number(nik, birth, sex, fragment):
    with pytest.raises(ValidationFailed) as err:
        check_nik(nik, birth_date=birth, sex=sex, field="members.0.nik", regions=REGIONS)
    assert err.value.field == "members.0.nik"
    assert fragment in err.value.detail
    assert nik not in err.value.detail


@pytest.mark.parametrize(("kk", "ok"), [
    ("3273010101200001", True), ("327301010120000", False), ("9973010101200001", False),
    ("3273010101200000", False), ("32730101012000x1", False),
])
def test_kk(kk, ok):
    if ok:
        assert check_kk(kk, regions=REGIONS) == kk
    else:
        with pytest.raises(ValidationFailed) as err:
            check_kk(kk, regions=REGIONS)
        assert err.value.field == "kk"


def test_village_must_exist():
    assert check_village("32.73.01.1001", regions=REGIONS) == "32.73.01.1001"
    with pytest.raises(ValidationFailed) as err:
        check_village("32.73.01.9999", regions=REGIONS)
    assert err.value.field == "village_code"


def test_make_nik_round_trips():
    nik = make_nik(BANDUNG_SUKASARI, date(1985, 12, 3), "F", 42)
    assert nik == "3273014312850042"
    assert check_nik(nik, birth_date=date(1985, 12, 3), sex="F", regions=REGIONS) == nik
