"""Indonesian identity numbers and region codes, validated the way Dukcapil issues them.

NIK (Nomor Induk Kependudukan), 16 digits: `PPKKCC` the district (kecamatan) of first registration,
`DDMMYY` the birth date with 40 added to the day for women, then a 4-digit serial that is never `0000`.
No. KK (Kartu Keluarga), 16 digits: the same six-digit district prefix, the issue date, a serial.
Region codes are Kepmendagri 2025: `32` province, `32.73` regency, `32.73.01` district, `32.73.01.1001` village.
The code list is reference data the caller passes in (`Regions`, loaded by `registry.adapters.reference`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from gotong.domain.errors import ValidationFailed

Sex = Literal["M", "F"]


@dataclass(frozen=True)
class Regions:
    """The Kepmendagri region codes: names of every region, the village and district codes."""

    names: dict[str, str]
    villages: frozenset[str]
    districts: frozenset[str]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, int]]) -> Regions:
        """From (code, name, level) rows: level 3 a district, 4 a village."""
        names: dict[str, str] = {}
        villages: set[str] = set()
        districts: set[str] = set()
        for code, name, level in rows:
            names[code] = name
            if level == 4:
                villages.add(code)
            elif level == 3:
                districts.add(code)
        return cls(names, frozenset(villages), frozenset(districts))

    def district_of_nik(self, digits6: str) -> str:
        return f"{digits6[0:2]}.{digits6[2:4]}.{digits6[4:6]}"


def region_parts(village_code: str) -> tuple[str, str, str]:
    """(province, regency, district) of a village code."""
    parts = village_code.split(".")
    return parts[0], ".".join(parts[:2]), ".".join(parts[:3])


def check_village(village_code: str, field: str = "village_code", *, regions: Regions) -> str:
    if village_code not in regions.villages:
        raise ValidationFailed(f"{village_code!r} is not a Kepmendagri 2025 village code", field=field)
    return village_code


def nik_birth(nik: str) -> tuple[int, int, int, Sex]:
    """(day, month, two-digit year, sex) encoded in a NIK's digits 7–12."""
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex: Sex = "F" if day > 40 else "M"
    return (day - 40 if day > 40 else day), month, yy, sex


def check_nik(nik: str, *, regions: Regions, birth_date: date | None = None, sex: Sex | None = None,
              field: str = "nik") -> str:
    """Raise ValidationFailed naming `field` unless the NIK is well formed and matches birth date and sex.
    The message never repeats the number itself (it is personal data)."""
    if len(nik) != 16 or not nik.isdigit():
        raise ValidationFailed("NIK must be exactly 16 digits", field=field)
    if regions.district_of_nik(nik[:6]) not in regions.districts:
        raise ValidationFailed("NIK digits 1–6 are not an existing district (kecamatan) code", field=field)
    day, month, yy, nik_sex = nik_birth(nik)
    try:
        date(2000 + yy, month, day)  # 2000 is a leap year: 29 Feb passes here, the full check is below
    except ValueError:
        raise ValidationFailed("NIK digits 7–12 are not a birth date DDMMYY (day + 40 for women)",
                               field=field) from None
    if nik[12:] == "0000":
        raise ValidationFailed("NIK serial (digits 13–16) cannot be 0000", field=field)
    if sex is not None and sex != nik_sex:
        raise ValidationFailed("NIK digits 7–8 do not match the member's sex (women have day + 40)", field=field)
    if birth_date is not None and (birth_date.day, birth_date.month, birth_date.year % 100) != (day, month, yy):
        raise ValidationFailed("NIK digits 7–12 do not match the member's birth date", field=field)
    return nik


def check_kk(kk: str, field: str = "kk", *, regions: Regions) -> str:
    if len(kk) != 16 or not kk.isdigit():
        raise ValidationFailed("No. KK must be exactly 16 digits", field=field)
    if regions.district_of_nik(kk[:6]) not in regions.districts:
        raise ValidationFailed("No. KK digits 1–6 are not an existing district (kecamatan) code", field=field)
    if kk[12:] == "0000":
        raise ValidationFailed("No. KK serial (digits 13–16) cannot be 0000", field=field)
    return kk


def make_nik(district_code: str, birth_date: date, sex: Sex, serial: int) -> str:
    day = birth_date.day + (40 if sex == "F" else 0)
    return f"{district_code.replace('.', '')}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"
