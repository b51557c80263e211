"""What the routes need beyond the kit's runtime: the key ring (built once per app)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from gotong.api.app import runtime
from grievance.adapters.reads import CaseReads
from grievance.application.commands import Deps


def _deps(request: Request) -> Deps:
    deps: Deps = request.app.state.grievance
    return deps


DepsDep = Annotated[Deps, Depends(_deps)]


async def read(request: Request, fn: Any, *args: Any) -> Any:
    """A query on one consistent read-only snapshot."""
    async with runtime(request.app).database.read() as sql:
        return await fn(CaseReads(sql), *args)
