# ruff: noqa: B023
# (the per-household helpers below are called only inside their own loop iteration)
"""Synthetic households for tests, demos and benchmarks — deterministic from a seed.

Households are spread over villages in proportion to the 2025 regency population
(`gotong.reference`, 2025 population), with valid NIK and No. KK for their district, a realistic
composition (heads, spouses, children by age, elderly parents, pregnancies, disability) and socio-economic
attributes driven by one latent welfare level, so the ranking spreads them over all ten desil.

Defects can be injected at rates like those the audits of the old DTKS found: invalid NIK or KK, the same
NIK in two households, members who are dead at Dukcapil, bank accounts shared between households.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from gotong.reference import regency_population
from registry.adapters.reference import regions
from registry.domain.identity import make_nik

MALE = ["Budi", "Agus", "Ahmad", "Muhammad", "Joko", "Slamet", "Eko", "Dedi", "Hendra", "Rudi", "Bambang", "Wahyu",
        "Andi", "Yusuf", "Rizki", "Fajar", "Dimas", "Arif", "Teguh", "Sutrisno", "Iwan", "Imam", "Hadi", "Asep",
        "Ujang", "Made", "Ketut", "Wayan", "Nyoman", "Putu", "Bayu", "Rahmat", "Hasan", "Ilham", "Taufik"]
FEMALE = ["Siti", "Sri", "Dewi", "Nur", "Ani", "Rina", "Yuni", "Wati", "Lestari", "Fitri", "Indah", "Ratna",
          "Wulan", "Putri", "Ayu", "Rini", "Endang", "Sumiati", "Suryani", "Aisyah", "Fatimah", "Nurul", "Dian",
          "Eka", "Kartini", "Ningsih", "Tuti", "Yanti", "Lilis", "Neng", "Komang", "Kadek"]
FAMILY = ["Santoso", "Wijaya", "Saputra", "Hidayat", "Kurniawan", "Setiawan", "Pratama", "Nugroho", "Susanto",
          "Gunawan", "Siregar", "Nasution", "Simanjuntak", "Lubis", "Harahap", "Purba", "Hasibuan", "Sihombing",
          "Rahayu", "Wulandari", "Lestari", "Handayani", "Permata", "Kusuma", "Utami", "Firmansyah", "Ramadhan",
          "Maulana", "Syahputra", "Hakim", "Sembiring", "Tarigan", "Manurung", "Pohan", "Daulay", ""]
STREETS = ["Jl. Merdeka", "Jl. Sudirman", "Jl. Diponegoro", "Gg. Mawar", "Gg. Melati", "Jl. Raya Desa",
           "Jl. Pahlawan", "Dusun Krajan", "Jl. Kenanga", "Jl. Masjid"]


@dataclass
class Defects:
    invalid_nik: float = 0.0
    invalid_kk: float = 0.0
    duplicate_nik: float = 0.0
    dead_member: float = 0.0
    shared_account: float = 0.0


@dataclass
class Truth:
    """What the generator knows and the register must find out: deaths at Dukcapil, planted defects."""

    deaths: dict[str, date] = field(default_factory=dict)
    defects: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))


class _Places:
    def __init__(self) -> None:
        weights = list(regency_population().items())
        villages: dict[str, list[str]] = defaultdict(list)
        for code in sorted(regions().villages):
            villages[code[:5]].append(code)
        self.regencies = [code for code, _ in weights if villages.get(code)]
        self.villages = villages
        self.cumulative = list(itertools.accumulate(w for code, w in weights if villages.get(code)))

    def village(self, rng: random.Random) -> str:
        regency = self.regencies[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]
        return rng.choice(self.villages[regency])


_places: _Places | None = None


def _name(rng: random.Random, sex: str, family: str) -> str:
    given = rng.choice(MALE if sex == "M" else FEMALE)
    middle = rng.choice(MALE if sex == "M" else FEMALE) if rng.random() < 0.3 else ""
    middle = "" if middle == given else middle
    return " ".join(p for p in (given, middle, family) if p)


def _birth(rng: random.Random, today: date, min_age: int, max_age: int) -> date:
    return today - timedelta(days=rng.randint(min_age * 365 + 1, max_age * 365 + 300))


def households(n: int, seed: int = 1, defects: Defects | None = None, truth: Truth | None = None,
               today: date | None = None) -> Iterator[dict[str, Any]]:
    """`n` households as import rows (the JSON-lines format), deterministic for a given seed."""
    global _places
    _places = _places or _Places()
    rng = random.Random(seed)
    defects = defects or Defects()
    today = today or date(2026, 10, 1)
    serials: dict[str, int] = defaultdict(int)
    recent_niks: list[str] = []
    recent_accounts: list[str] = []
    for i in range(n):
        village = _places.village(rng)
        district = village[:8]
        wealth = rng.gauss(0, 1)
        family = rng.choice(FAMILY)
        head_sex = "M" if rng.random() < 0.85 else "F"
        members: list[dict[str, Any]] = []

        def person(sex: str, born: date, relation: str, **extra: Any) -> dict[str, Any]:
            serials[district] += 1
            nik = make_nik(district, born, sex, serials[district] % 9999 + 1)  # type: ignore[arg-type]
            age = (today - born).days // 365
            schooling = ("paud" if 4 <= age <= 6 else "sd" if 7 <= age <= 12 else "smp" if 13 <= age <= 15
                         else "sma" if 16 <= age <= 18 and rng.random() < 0.8 - 0.1 * (wealth < -1) else "none")
            return {"nik": nik, "name": _name(rng, sex, family if relation != "istri" else rng.choice(FAMILY)),
                    "sex": sex, "birth_date": born.isoformat(), "relation": relation, "schooling": schooling,
                    "occupation": "tidak_bekerja" if age < 18 or age > 70 else rng.choice(
                        ["petani", "buruh", "pedagang", "nelayan", "wiraswasta", "karyawan", "ibu_rumah_tangga"]),
                    "disability": "severe" if rng.random() < 0.012 else "mild" if rng.random() < 0.02 else "none",
                    "pregnant": False, **extra}

        head_born = _birth(rng, today, 22, 75)
        members.append(person(head_sex, head_born, "kepala"))
        if head_sex == "M" and rng.random() < 0.85:
            spouse_born = _birth(rng, today, 20, min(70, (today - head_born).days // 365))
            spouse = person("F", spouse_born, "istri")
            if (today - spouse_born).days // 365 < 40 and rng.random() < 0.06:
                spouse["pregnant"] = True
            members.append(spouse)
        youngest_parent = min((today - date.fromisoformat(m["birth_date"])).days // 365 for m in members)
        children = min(max(0, round(rng.gauss(1.9 + 0.5 * (wealth < 0), 1.2))), max(0, youngest_parent - 18))
        for _ in range(children):
            members.append(person(rng.choice("MF"), _birth(rng, today, 0, max(0, min(25, youngest_parent - 18))),
                                  "anak"))
        if rng.random() < 0.12:
            members.append(person(rng.choice("MF"), _birth(rng, today, 62, 88), "orang_tua"))

        w = wealth + rng.gauss(0, 0.5)

        def pick(options: list[str], shift: float = 0.0) -> str:
            k = len(options)
            x = (w + shift + 2.2) / 4.4 * k
            return options[min(k - 1, max(0, int(x + rng.gauss(0, 0.6))))]

        assets = [a for a, t in (("smartphone", -1.5), ("tv", -1.2), ("sepeda_motor", -0.8), ("kulkas", -0.2),
                                 ("emas", 0.4), ("laptop", 0.8), ("lahan", 0.9), ("ac", 1.3), ("mobil", 1.6))
                  if w + rng.gauss(0, 0.6) > t]
        attributes = {
            "floor": pick(["tanah", "bambu", "kayu", "semen", "keramik"], 0.4),
            "wall": pick(["bambu", "kayu", "tembok_tanpa_plester", "tembok"], 0.5),
            "roof": pick(["ijuk", "seng", "asbes", "genteng", "beton"], 0.5),
            "floor_area_m2": round(max(12.0, 45 + 25 * w + rng.gauss(0, 10)), 1),
            "water": pick(["sungai", "mata_air", "sumur", "isi_ulang", "ledeng", "kemasan"]),
            "lighting": pick(["tanpa_listrik", "listrik_non_pln", "pln_450", "pln_900", "pln_1300_plus"], 0.6),
            "cooking_fuel": pick(["kayu", "minyak_tanah", "lpg_3kg", "lpg_besar", "listrik"], 0.3),
            "sanitation": pick(["tidak_ada", "bersama", "sendiri"], 0.5),
            "assets": assets,
            "livestock": max(0, int(rng.gauss(1 if w < 0 else 0.3, 1.5))),
            "income_band": min(5, max(1, int(w + 2.6 + rng.gauss(0, 0.5)))),
            "expenditure_band": min(5, max(1, int(w + 2.5 + rng.gauss(0, 0.5)))),
        }
        serials["kk:" + district] += 1
        issued = today - timedelta(days=rng.randint(30, 3650))
        kk = f"{district.replace('.', '')}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}" \
             f"{serials['kk:' + district] % 9999 + 1:04d}"
        account = f"{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.55 else None
        row: dict[str, Any] = {
            "kk": kk, "village_code": village,
            "address": f"{rng.choice(STREETS)} No. {rng.randint(1, 200)}, RT {rng.randint(1, 15):03d}/RW "
                       f"{rng.randint(1, 12):03d}",
            "phone": f"08{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.7 else None,
            "bank_account": account, "members": members, "attributes": attributes,
        }
        # defects, planted after the honest row is built so the honest stream does not depend on the rates
        d = random.Random(seed * 1_000_003 + i)
        honest_head_nik = members[0]["nik"]
        if d.random() < defects.invalid_nik:
            victim = d.randrange(len(members))
            members[victim]["nik"] = members[victim]["nik"][:12] + "0000"
            if truth is not None:
                truth.defects["invalid_nik"].append(i)
        if d.random() < defects.invalid_kk:
            row["kk"] = "99" + row["kk"][2:]
            if truth is not None:
                truth.defects["invalid_kk"].append(i)
        if recent_niks and d.random() < defects.duplicate_nik:
            template = members[-1]
            dup = recent_niks[d.randrange(len(recent_niks))]
            members.append({**template, "nik": dup, "relation": "famili", "pregnant": False,
                            "birth_date": _nik_birth(dup).isoformat(), "sex": "F" if int(dup[6:8]) > 40 else "M"})
            if truth is not None:
                truth.defects["duplicate_nik"].append(i)
        if truth is not None and d.random() < defects.dead_member:
            truth.deaths[members[-1]["nik"]] = today - timedelta(days=d.randint(30, 700))
            truth.defects["dead_member"].append(i)
        if recent_accounts and d.random() < defects.shared_account:
            row["bank_account"] = recent_accounts[d.randrange(len(recent_accounts))]
            if truth is not None:
                truth.defects["shared_account"].append(i)
        recent_niks = (recent_niks + [honest_head_nik])[-50:]
        if account:
            recent_accounts = (recent_accounts + [account])[-50:]
        yield row


def _nik_birth(nik: str) -> date:
    day = int(nik[6:8])
    day = day - 40 if day > 40 else day
    yy = int(nik[10:12])
    year = 2000 + yy if yy <= 26 else 1900 + yy
    return date(year, int(nik[8:10]), day)
