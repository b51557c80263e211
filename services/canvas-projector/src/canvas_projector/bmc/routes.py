"""The canvas as JSON (`/canvas`) and as a portal page (`/kanvas`), for the platform or one program, as of a date."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from canvas_projector.bmc.model import BLOCKS, build_canvas
from canvas_projector.bmc.queries import load_facts
from canvas_projector.portal.i18n import STRINGS
from canvas_projector.portal.routes import templates
from gotong.eventstore.postgres import driver_connection

router = APIRouter(tags=["canvas"])
Program = Annotated[str, Query(max_length=50, description="program code; default: the whole platform")]
AsOf = Annotated[date | None, Query(description="the canvas as it stood at the end of this day (UTC)")]


async def _canvas(request: Request, program: str, as_of: date | None) -> dict[str, Any]:
    async with request.app.state.engine.connect() as conn:
        facts = await load_facts(await driver_connection(conn, begin=False), as_of)
        await conn.rollback()
    return build_canvas(facts, program, as_of.isoformat() if as_of else None).to_json()


@router.get("/canvas", summary="Business Model Canvas: nine blocks with approach tags and evidence")
async def canvas(request: Request, program: Program = "platform", as_of: AsOf = None) -> dict[str, Any]:
    return await _canvas(request, program, as_of)


@router.get("/kanvas", response_class=HTMLResponse, include_in_schema=False)
async def canvas_page(request: Request, program: Program = "platform", as_of: AsOf = None,
                      lang: Annotated[str, Query(pattern="^(id|en)$")] = "id") -> HTMLResponse:
    data = await _canvas(request, program, as_of)
    t = STRINGS[lang]
    return templates.TemplateResponse(request, "canvas.html", {
        "lang": lang, "t": t, "title": t["canvas_title"], "canvas": data, "blocks": BLOCKS})
