"""What routes depend on: a read-only snapshot of the database (`runtime(app).database.read()`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request

from gotong.adapters.sql import Sql
from gotong.api.app import runtime


async def _read(request: Request) -> AsyncIterator[Sql]:
    async with runtime(request.app).database.read() as sql:
        yield sql


#: One consistent read-only snapshot around the route function, rolled back (and its connection back in the pool)
#: when the function returns, before the response is sent.
ReadDep = Annotated[Sql, Depends(_read, scope="function")]
Lang = Annotated[str, Query(pattern="^(id|en)$")]
