"""What the partnership routes share: scopes, reads on a read-only snapshot, dates defaulting to today (WIB)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request

from gotong.api.app import runtime
from gotong.api.auth import Principal, require_scopes
from gotong.api.pagination import PageParams, encode_cursor
from gotong.api.problem import problem_responses
from partnership.adapters.reads import PartnershipReads
from partnership.application.regions import today

Writer = Annotated[Principal, require_scopes("partnership:write")]
Approver = Annotated[Principal, require_scopes("partnership:approve")]
Reader = Annotated[Principal, require_scopes("partnership:read")]
READ = [require_scopes("partnership:read")]
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
READ_ERRORS = problem_responses(401, 403, 404, 422)
AsOf = Annotated[date | None, Query(description="judge as of this date (WIB); default today")]
Region = Annotated[str | None, Query(pattern=r"^\d{2}(\.\d{2}){0,2}(\.\d{4})?$",
                                     description="Kepmendagri code; includes everything inside it")]


def as_of_or_today(as_of: date | None) -> date:
    return as_of or today()


async def read(request: Request, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
    """A query on one consistent read-only snapshot."""
    async with runtime(request.app).database.read() as sql:
        return await fn(PartnershipReads(sql), *args, **kwargs)


def paged(items: list[dict[str, Any]], page: PageParams) -> dict[str, Any]:
    last = items[-1]["id"] if items else None
    return {"items": items, "limit": page.limit,
            "next_cursor": encode_cursor(last) if last is not None and len(items) >= page.limit else None}
