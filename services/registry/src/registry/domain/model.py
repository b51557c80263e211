"""What the registry records about a household: the input forms (with personal data) and the facts
(without it) that events, projections and other services see."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from registry.domain.identity import Sex

Relation = Literal["kepala", "istri", "suami", "anak", "menantu", "cucu", "orang_tua", "mertua", "famili", "lainnya"]
Schooling = Literal["none", "paud", "sd", "smp", "sma", "higher"]
Disability = Literal["none", "mild", "severe"]


class Attributes(BaseModel):
    """Socio-economic conditions for the proxy means test (BPS/DTSEN style questionnaire, simplified)."""

    model_config = ConfigDict(extra="forbid")

    floor: Literal["tanah", "bambu", "kayu", "semen", "keramik"] = "semen"
    wall: Literal["bambu", "kayu", "tembok_tanpa_plester", "tembok"] = "tembok"
    roof: Literal["ijuk", "seng", "asbes", "genteng", "beton"] = "genteng"
    floor_area_m2: float = Field(default=36, gt=0, le=2000)
    water: Literal["sungai", "mata_air", "sumur", "isi_ulang", "ledeng", "kemasan"] = "sumur"
    lighting: Literal["tanpa_listrik", "listrik_non_pln", "pln_450", "pln_900", "pln_1300_plus"] = "pln_900"
    cooking_fuel: Literal["kayu", "minyak_tanah", "lpg_3kg", "lpg_besar", "listrik"] = "lpg_3kg"
    sanitation: Literal["tidak_ada", "bersama", "sendiri"] = "sendiri"
    assets: list[Literal["sepeda_motor", "mobil", "kulkas", "tv", "ac", "laptop", "smartphone", "emas", "lahan"]] = []
    livestock: int = Field(default=0, ge=0, le=10_000, description="heads of cattle-equivalent")
    income_band: int = Field(default=2, ge=1, le=5, description="1 = under Rp1 jt/month … 5 = over Rp10 jt")
    expenditure_band: int = Field(default=2, ge=1, le=5)


class MemberIn(BaseModel):
    """A member as an officer or an import file gives it; `nik`, `name`, `birth_date`, `phone` are personal."""

    model_config = ConfigDict(extra="forbid")

    nik: str
    name: str = Field(min_length=2, max_length=120)
    sex: Sex
    birth_date: date
    relation: Relation
    schooling: Schooling = "none"
    occupation: str = Field(default="tidak_bekerja", max_length=60)
    disability: Disability = "none"
    pregnant: bool = False


class HouseholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kk: str
    village_code: str
    address: str = Field(min_length=3, max_length=300)
    phone: str | None = Field(default=None, pattern=r"^\+?\d{8,15}$")
    bank_account: str | None = Field(default=None, pattern=r"^\d{6,20}$")
    members: list[MemberIn] = Field(min_length=1, max_length=40)
    attributes: Attributes = Attributes()


class MemberFact(BaseModel):
    """A member without personal data (kept in events in the clear; the rest is sealed)."""

    model_config = ConfigDict(extra="forbid")

    member_ref: str
    relation: Relation
    sex: Sex
    birth_month: str
    schooling: Schooling = "none"
    occupation: str = "tidak_bekerja"
    disability: Disability = "none"
    pregnant: bool = False
    alive: bool = True
    died_on: date | None = None
    left_on: date | None = None


def age_on(birth_month: str, on: date) -> int:
    year, month = int(birth_month[:4]), int(birth_month[5:7])
    return on.year - year - (1 if on.month < month else 0)


def age_band(age: int) -> Literal["0-6", "7-12", "13-15", "16-18", "19-59", "60+"]:
    if age <= 6:
        return "0-6"
    if age <= 12:
        return "7-12"
    if age <= 15:
        return "13-15"
    if age <= 18:
        return "16-18"
    return "19-59" if age < 60 else "60+"
