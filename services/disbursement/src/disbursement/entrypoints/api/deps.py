"""What routes share: the typed service state and reads on one snapshot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request

from disbursement.adapters.tables import Reading
from disbursement.entrypoints.state import Service, service
from gotong.api.app import Runtime

P = ParamSpec("P")
R = TypeVar("R")


def _service(request: Request) -> Service:
    return service(request.app)


ServiceDep = Annotated[Service, Depends(_service)]


async def read(rt: Runtime, fn: Callable[Concatenate[Reading, P], Awaitable[R]], *args: P.args,
               **kwargs: P.kwargs) -> R:
    """Run a query on one read-only snapshot."""
    async with rt.database.read() as sql:
        return await fn(Reading(sql), *args, **kwargs)
