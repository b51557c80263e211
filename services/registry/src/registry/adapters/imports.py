"""The bulk import's writes: each batch's keys, read rows and indexes by COPY, its rejects and resume point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gotong.adapters.sql import Sql
from registry.adapters.households import HOUSEHOLD_COLUMNS


@dataclass(frozen=True)
class ImportRun:
    next_line: int
    done: bool


class ImportTables:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def start(self, sha: str, file_name: str) -> ImportRun:
        await self.sql.execute("INSERT INTO import_runs (file_sha256, file_name) VALUES ($1, $2) "
                               "ON CONFLICT DO NOTHING", sha, file_name)
        run = await self.sql.fetchrow("SELECT next_line, done FROM import_runs WHERE file_sha256 = $1", sha)
        assert run is not None
        return ImportRun(run["next_line"], run["done"])

    async def write_households(self, *, keys: Sequence[tuple[Any, ...]], rows: Sequence[tuple[Any, ...]],
                               at: datetime, kks: Sequence[tuple[Any, ...]], niks: Sequence[tuple[Any, ...]],
                               names: Sequence[tuple[Any, ...]]) -> None:
        """New households' keys, read rows (`household_row`) and blind indexes."""
        await self.sql.copy("household_keys", keys, ["household_id", "wrapped_dek", "key_id"])
        await self.sql.copy("households", [(*r, at, at) for r in rows],
                            [*HOUSEHOLD_COLUMNS, "registered_at", "updated_at"])
        await self.sql.copy("kk_index", kks, ["kk_hash", "household_id"])
        await self.sql.copy("person_index", niks, ["nik_hash", "household_id", "member_ref", "active", "name_check"])
        await self.sql.copy("name_index", names, ["match_hash", "name_hash", "household_id", "member_ref"])

    async def progress(self, sha: str, *, next_line: int, imported: int,
                       rejects: Sequence[tuple[int, str | None, str]]) -> None:
        if rejects:
            await self.sql.executemany("INSERT INTO import_rejects VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                                       [(sha, line, field, reason) for line, field, reason in rejects])
        await self.sql.execute("UPDATE import_runs SET next_line = $2, imported = imported + $3, "
                               "rejected = rejected + $4 WHERE file_sha256 = $1",
                               sha, next_line, imported, len(rejects))

    async def finish(self, sha: str) -> None:
        await self.sql.execute("UPDATE import_runs SET done = true, finished_at = now() WHERE file_sha256 = $1", sha)

    async def rejects(self, sha: str) -> list[tuple[int, str | None, str]]:
        rows = await self.sql.fetch("SELECT line, field, reason FROM import_rejects WHERE file_sha256 = $1 "
                                    "ORDER BY line", sha)
        return [(r["line"], r["field"], r["reason"]) for r in rows]
