"""The grievance cases replica (`proj_grievance_cases`, from `grievance.events`): keyed writes, so a redelivery or
a replay changes nothing, and the rows the accountability figures are computed from."""

from __future__ import annotations

from datetime import datetime

from canvas_projector.domain.grievances import CaseRow, GrievanceFigures, grievance_figures
from gotong.adapters.sql import Sql


class GrievanceCases:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def received(self, case_id: str, kind: str, category: str, region_code: str, received_at: datetime,
                       due_at: datetime) -> None:
        await self.sql.execute(
            "INSERT INTO proj_grievance_cases (case_id, kind, category, region_code, received_at, due_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id) DO NOTHING",
            case_id, kind, category, region_code, received_at, due_at)

    async def decided(self, case_id: str, outcome: str, at: datetime) -> None:
        """The first decision's time stays (time to decision); the latest outcome wins (an appeal may overturn)."""
        await self.sql.execute(
            "UPDATE proj_grievance_cases SET decided_at = coalesce(decided_at, $3), outcome = $2 WHERE case_id = $1",
            case_id, outcome, at)

    async def breached(self, case_id: str) -> None:
        await self.sql.execute("UPDATE proj_grievance_cases SET breached = true WHERE case_id = $1", case_id)

    async def rows(self, until: datetime) -> list[CaseRow]:
        found = await self.sql.fetch(
            "SELECT kind, region_code, received_at, due_at, decided_at, outcome, breached FROM proj_grievance_cases "
            "WHERE received_at <= $1", until)
        return [CaseRow(r["kind"], r["region_code"], r["received_at"], r["due_at"], r["decided_at"], r["outcome"],
                        r["breached"]) for r in found]

    async def figures(self, now: datetime) -> GrievanceFigures:
        """The one computation of the published grievance figures, as they stand at `now`: the portal's page and
        the canvas both call this."""
        return grievance_figures(await self.rows(now), now)
