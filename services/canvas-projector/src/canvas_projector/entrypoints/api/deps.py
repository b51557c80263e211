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


#: One consistent read-only snapshot for the request, rolled back at the end.
ReadDep = Annotated[Sql, Depends(_read)]
Lang = Annotated[str, Query(pattern="^(id|en)$")]
