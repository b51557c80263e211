"""The canvas as JSON (`/canvas`) and as a portal page (`/kanvas`), for the platform or one program, as of a date."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from canvas_projector.adapters.read_models import CanvasFacts
from canvas_projector.application import queries
from canvas_projector.domain.canvas import BLOCKS
from canvas_projector.entrypoints.api.deps import Lang, ReadDep
from canvas_projector.entrypoints.api.portal import render
from canvas_projector.entrypoints.api.portal.i18n import STRINGS

router = APIRouter(tags=["canvas"])
Program = Annotated[str, Query(max_length=50, description="program code; default: the whole platform")]
AsOf = Annotated[date | None, Query(description="the canvas as it stood at the end of this day (UTC)")]


@router.get("/canvas", summary="Business Model Canvas: nine blocks with approach tags and evidence")
async def canvas(sql: ReadDep, program: Program = "platform", as_of: AsOf = None) -> dict[str, Any]:
    return await queries.canvas(CanvasFacts(sql), program, as_of)


@router.get("/kanvas", response_class=HTMLResponse, include_in_schema=False)
async def canvas_page(request: Request, sql: ReadDep, program: Program = "platform", as_of: AsOf = None,
                      lang: Lang = "id") -> HTMLResponse:
    data = await queries.canvas(CanvasFacts(sql), program, as_of)
    return render(request, "canvas.html", lang, STRINGS[lang]["canvas_title"], canvas=data, blocks=BLOCKS)
