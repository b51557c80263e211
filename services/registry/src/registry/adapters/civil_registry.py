"""The civil-registry check (Dukcapil), behind a port, with a local simulator for tests and demos.

The real service answers per NIK whether the person exists, whether name, birth date and sex match its
records, and whether a death is recorded. The simulator answers the same from a seed and configurable
rates, plus explicit death records and unknown NIKs — deterministic, so tests and demos repeat.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, NamedTuple, Protocol


class CivilQuery(NamedTuple):
    nik: str
    name: str
    birth_date: date
    sex: str


@dataclass(frozen=True)
class CivilAnswer:
    status: Literal["match", "mismatch", "not_found", "dead"]
    fields: tuple[str, ...] = ()
    died_on: date | None = None


#: The answer for most people, made once (an answer is immutable).
MATCH = CivilAnswer("match")


class CivilRegistry(Protocol):
    async def check(self, people: Sequence[CivilQuery]) -> list[CivilAnswer]: ...


@dataclass
class DukcapilSimulator:
    """Answers from a hash of (seed, NIK): `death_rate` of people are recorded dead, `mismatch_rate` have a
    different name or birth date on record, `not_found_rate` are unknown; `deaths` and `unknown` pin people."""

    seed: str = "gotong"
    death_rate: float = 0.0
    mismatch_rate: float = 0.0
    not_found_rate: float = 0.0
    deaths: dict[str, date] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    mismatches: dict[str, tuple[str, ...]] = field(default_factory=dict)

    _keyed: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the keyed hash's state after the key, made once and copied per NIK (the key block is a whole compression)
        self._keyed = hashlib.blake2b(key=self.seed.encode()[:64], digest_size=8)

    def _draw(self, nik: str) -> float:
        digest = self._keyed.copy()
        digest.update(nik.encode())
        return int.from_bytes(digest.digest(), "big") / 2**64

    def answer(self, q: CivilQuery) -> CivilAnswer:
        nik = q.nik
        if self.deaths and nik in self.deaths:
            return CivilAnswer("dead", died_on=self.deaths[nik])
        if self.unknown and nik in self.unknown:
            return CivilAnswer("not_found")
        if self.mismatches and nik in self.mismatches:
            return CivilAnswer("mismatch", self.mismatches[nik])
        u = self._draw(nik)
        if u < self.death_rate:
            return CivilAnswer("dead", died_on=date.today() - timedelta(days=1 + int(u * 1e6) % 700))
        u -= self.death_rate
        if u < self.mismatch_rate:
            return CivilAnswer("mismatch", ("name",) if int(u * 1e6) % 2 else ("birth_date",))
        u -= self.mismatch_rate
        if u < self.not_found_rate:
            return CivilAnswer("not_found")
        return MATCH

    async def check(self, people: Sequence[CivilQuery]) -> list[CivilAnswer]:
        if self.deaths or self.unknown or self.mismatches:
            return [self.answer(q) for q in people]
        # Most people match: their draw is past every rate. Only those under the rates' sum (with room to spare
        # for `answer`'s rounding) are answered one by one; a bulk import asks for a thousand households at once.
        bound = (self.death_rate + self.mismatch_rate + self.not_found_rate) * (1 + 1e-9)
        draw = self._draw
        return [self.answer(q) if draw(q.nik) < bound else MATCH for q in people]
