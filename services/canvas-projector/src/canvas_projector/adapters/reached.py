"""Who the payments reached, computed once for every page that shows it: households whose net payment is
positive (each household once however many programs paid it), net rupiah and provinces; per area for the maps,
and per month for the time chart. Also the register's desil 1-4 households per area (the maps' denominator)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from canvas_projector.adapters import log_figures
from canvas_projector.domain.canvas import Reach
from canvas_projector.domain.maps import AreaFigures
from gotong.adapters.sql import Sql

Level = Literal["province", "regency"]

#: The payments up to $1 (of program $2, or all): the log's leaves as typed rows (`tlog_figures`, kept with the
#: leaves: net = paid +, returned -, else 0; the household from the private table).
_RECORDS = ("WITH s AS (SELECT * FROM tlog_figures WHERE occurred_at <= $1 AND ($2::text IS NULL "
            "OR program_code = $2)) ")
_AREA = {"province": "province", "regency": "regency"}

_REACH = _RECORDS + """
, net AS (SELECT program_code AS code, household_ref AS hh, province, sum(net) AS amount FROM s GROUP BY 1, 2, 3)
SELECT grouping(code) AS everything, code, count(DISTINCT hh) FILTER (WHERE amount > 0) AS households,
       coalesce(sum(amount), 0)::bigint AS amount,
       count(DISTINCT province) FILTER (WHERE amount > 0) AS provinces
FROM net GROUP BY GROUPING SETS ((code), ())
"""

_BY_AREA = _RECORDS + """
, net AS (SELECT {area} AS area, household_ref AS hh, sum(net) AS amount FROM s GROUP BY 1, 2)
SELECT area, count(*) FILTER (WHERE amount > 0) AS households, coalesce(sum(amount), 0)::bigint AS amount
FROM net GROUP BY 1
"""

_MONTHLY = _RECORDS + """
SELECT program_code AS code, to_char(occurred_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM') AS month,
       sum(net)::bigint AS amount
FROM s GROUP BY 1, 2 ORDER BY 1, 2
"""

EVERYTHING = datetime.max.replace(tzinfo=UTC)


class Reached:
    """Payment figures from the transparency log's leaves (net of returned payments), up to a moment."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def reach(self, until: datetime = EVERYTHING) -> tuple[Reach, dict[str, Reach]]:
        """The whole platform's reach (each household once) and each program's."""
        platform, programs = Reach(), {}
        for r in await log_figures.fetch(self.sql, _REACH, until, None):
            reach = Reach(r["households"], r["amount"], r["provinces"])
            if r["everything"]:
                platform = reach
            else:
                programs[r["code"]] = reach
        return platform, programs

    async def by_area(self, level: Level, program: str | None = None,
                      until: datetime = EVERYTHING) -> dict[str, tuple[int, int]]:
        """Area code ("32" or "32.73") -> (households reached, net rupiah)."""
        rows = await log_figures.fetch(self.sql, _BY_AREA.replace("{area}", _AREA[level]), until, program)
        return {r["area"]: (r["households"], r["amount"]) for r in rows}

    async def monthly(self, until: datetime = EVERYTHING) -> dict[str, list[tuple[str, int]]]:
        """Program code -> [(month "2026-11" in WIB, net rupiah paid that month)], oldest first."""
        out: dict[str, list[tuple[str, int]]] = {}
        for r in await log_figures.fetch(self.sql, _MONTHLY, until, None):
            out.setdefault(r["code"], []).append((r["month"], r["amount"]))
        return out

    async def registered_poorest(self, level: Level, until: datetime = EVERYTHING) -> dict[str, int]:
        """Area code -> households in the register ranked desil 1-4 (not erased)."""
        column = "province_code" if level == "province" else "regency_code"
        rows = await log_figures.fetch(
            self.sql, f"SELECT {column} AS area, count(*) AS n FROM proj_registry_households WHERE erased = 'false' "
            f"AND desil BETWEEN 1 AND 4 AND changed_at <= $1 AND {column} IS NOT NULL GROUP BY 1", until,
            register=True)
        return {r["area"]: r["n"] for r in rows}

    async def areas(self, level: Level, program: str | None = None,
                    until: datetime = EVERYTHING) -> list[AreaFigures]:
        """Per area: households reached, rupiah, and the register's desil 1-4 households."""
        paid = await self.by_area(level, program, until)
        registered = await self.registered_poorest(level, until)
        return [AreaFigures(code, paid.get(code, (0, 0))[0], paid.get(code, (0, 0))[1], registered.get(code, 0))
                for code in sorted(set(paid) | set(registered))]
