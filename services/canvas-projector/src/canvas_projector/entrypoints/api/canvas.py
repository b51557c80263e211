"""The canvas as JSON (`/canvas`), for the platform or one approved program, as of a date (the portal's page is
`portal/canvas_pages.py`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from canvas_projector.adapters.read_models import CanvasFacts
from canvas_projector.application import queries
from canvas_projector.entrypoints.api.deps import ReadDep
from canvas_projector.entrypoints.api.portal.canvas_pages import router as pages
from gotong.api.problem import problem_responses

router = APIRouter(tags=["canvas"])
Program = Annotated[str, Query(max_length=50, description="program code; default: the whole platform")]
AsOf = Annotated[date | None, Query(description="the canvas as it stood at the end of this day (UTC)")]


@router.get("/canvas", summary="Business Model Canvas: nine blocks with approach tags and evidence",
            responses=problem_responses(404))
async def canvas(sql: ReadDep, program: Program = "platform", as_of: AsOf = None) -> dict[str, Any]:
    return await queries.canvas(CanvasFacts(sql), program, as_of)


router.include_router(pages)  # the portal's canvas, map and time pages (not in the OpenAPI document)
