"""Bounded, cursor-based pagination: `limit` (max from settings) and an opaque `cursor`."""

from __future__ import annotations

import base64
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query, Request
from pydantic import BaseModel

from gotong.domain.errors import ValidationFailed

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    limit: int


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        return orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError) as err:
        raise ValidationFailed("cursor is not one this API issued", field="cursor") from err


class PageParams(BaseModel):
    limit: int
    after: Any = None

    def next_cursor(self, last: Any, count: int) -> str | None:
        return encode_cursor(last) if count >= self.limit else None


async def page_params(request: Request, limit: Annotated[int, Query(ge=1)] = 50,
                      cursor: Annotated[str | None, Query(max_length=512)] = None) -> PageParams:
    maximum = request.app.state.settings.page_size_max
    if limit > maximum:
        raise ValidationFailed(f"limit must be at most {maximum}", field="limit")
    return PageParams(limit=limit, after=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageParams, Depends(page_params)]


def link_header(request: Request, next_cursor: str | None) -> dict[str, str]:
    if not next_cursor:
        return {}
    url = request.url.include_query_params(cursor=next_cursor)
    return {"Link": f'<{url}>; rel="next"'}
