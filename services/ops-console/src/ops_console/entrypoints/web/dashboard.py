"""The live dashboard: counters from the console's read model, rendered on the server (the page works without
JavaScript by reloading) and pushed to the browser by Server-Sent Events when they change."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from gotong.api.app import runtime
from ops_console.entrypoints.live import live_of, stream
from ops_console.entrypoints.web.officer import OfficerDep
from ops_console.entrypoints.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
async def dashboard(request: Request, officer: OfficerDep) -> HTMLResponse:
    counters = live_of(request.app).counters
    return page(request, "dashboard.html", officer=officer, c=counters.as_json(),
                as_of=runtime(request.app).clock.now())


@router.get("/dashboard/counters")
async def counters(request: Request, officer: OfficerDep) -> dict[str, Any]:
    return live_of(request.app).counters.as_json()


@router.get("/dashboard/stream")
async def live(request: Request, officer: OfficerDep) -> StreamingResponse:
    async def frames() -> Any:
        async for frame in stream(request.app):
            if await request.is_disconnected():
                break
            yield frame

    return StreamingResponse(frames(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
