"""Made-up households for tests, the benchmark and local experiments: registry contract events (as the
registry would publish them) and a bulk loader for the replica. Nothing here is personal data."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

import orjson
from gotong_contracts.registry import HouseholdChanged, MemberFacts

from disbursement.domain.eligibility import present_until
from gotong.adapters.sql import Sql

NS = UUID("0d7c5a40-5a0e-5b7e-8f57-6f7e0b2f9d11")
VILLAGES = ["32.73.01.1001", "32.04.05.2003", "35.78.02.1004", "35.07.11.2002", "53.71.03.1001",
            "31.71.01.1001", "73.71.04.1002", "64.72.01.1003"]


def household_ref(n: int) -> str:
    return f"HH-{uuid5(NS, str(n)).hex[:20]}"


def member(ref: str, birth_month: str, **facts: Any) -> MemberFacts:
    return MemberFacts(member_ref=ref, age_band="19-59", birth_month=birth_month, **facts)


def changed(ref: str, version: int, *, members: Sequence[MemberFacts] | None = None, desil: int | None = 2,
            village: str = "32.73.01.1001", verification: str = "verified", change: str = "registered",
            ) -> HouseholdChanged:
    p = village.split(".")
    if members is None:  # one adult, present
        members = [member(f"M-{ref}-1", "1985-01")]
    return HouseholdChanged(household_ref=ref, household_version=version, change=change, village_code=village,
                            district_code=".".join(p[:3]), regency_code=".".join(p[:2]), province_code=p[0],
                            verification=verification, members=list(members), desil=desil,
                            desil_rule_version="DTSEN-2026.1", occurred_at=datetime.now(UTC).isoformat())


REPLICA_COLUMNS = ("household_ref", "household_version", "village_code", "district_code", "regency_code",
                   "province_code", "verification", "desil", "desil_rule_version", "desil_snapshot", "members",
                   "present_until")


def random_rows(count: int, *, seed: int = 7, desil_max: int = 4, start: int = 0) -> Iterable[tuple[Any, ...]]:
    """Replica rows for `count` verified households in desil 1..desil_max with one to five members."""
    rng = random.Random(seed)
    for i in range(start, start + count):
        village = VILLAGES[i % len(VILLAGES)]
        p = village.split(".")
        members = [{"member_ref": f"M-{i}-{j}", "age_band": "19-59", "birth_month": f"{rng.randint(1950, 2024)}-0"
                    f"{rng.randint(1, 9)}", "school_level": rng.choice(["none", "sd", "smp", "sma"]),
                    "pregnant": False, "severe_disability": False, "alive": True}
                   for j in range(rng.randint(1, 5))]
        yield (household_ref(i), 1, village, ".".join(p[:3]), ".".join(p[:2]), p[0], "verified",
               rng.randint(1, desil_max), "DTSEN-2026.1", "2026-Q3", orjson.dumps(members).decode(),
               present_until(members))


async def copy_households(sql: Sql, rows: Iterable[tuple[Any, ...]]) -> None:
    """Bulk-load replica rows with COPY (benchmark and tests; the service itself learns them from events)."""
    await sql.execute("CREATE TEMP TABLE IF NOT EXISTS households_stage (household_ref text, household_version "
                         "int, village_code text, district_code text, regency_code text, province_code text, "
                         "verification text, desil smallint, desil_rule_version text, desil_snapshot text, "
                         "members text, present_until date)")
    await sql.execute("TRUNCATE households_stage")
    await sql.copy("households_stage", list(rows), REPLICA_COLUMNS)
    cols = ", ".join(REPLICA_COLUMNS)
    await sql.execute(f"INSERT INTO households ({cols}) SELECT {cols.replace('members', 'members::jsonb')} "
                         "FROM households_stage ON CONFLICT (household_ref) DO NOTHING")
