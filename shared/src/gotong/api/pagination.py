"""Bounded, cursor-based pagination: `limit` (max from settings) and an opaque `cursor`."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Depends, Query, Request
from pydantic import BaseModel

from gotong.domain.bounds import INT32_MAX
from gotong.domain.errors import ValidationFailed

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next one (None: this was the last)."""

    items: list[T]
    next_cursor: str | None = None
    limit: int


def encode_cursor(value: Any) -> str:
    """Opaque to clients: base64url (unpadded) of the JSON of where the next page starts."""
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        return orjson.loads(raw)
    except (ValueError, binascii.Error, orjson.JSONDecodeError) as err:
        raise ValidationFailed("cursor is not one this API issued", field="cursor") from err


class PageParams(BaseModel):
    """`limit` (1..settings.page_size_max, default 50) and `after`, the decoded cursor (None: first page)."""

    limit: int
    after: Any = None

    def next_cursor(self, last: Any, count: int) -> str | None:
        """A cursor after `last` when this page came back full (there may be more), else None."""
        return encode_cursor(last) if count >= self.limit else None


async def page_params(request: Request,
                      limit: Annotated[int, Query(ge=1, le=INT32_MAX,
                                                  description="1 to the service's page size maximum")] = 50,
                      cursor: Annotated[str | None, Query(max_length=512)] = None) -> PageParams:
    maximum = request.app.state.settings.page_size_max
    if not 1 <= limit <= maximum:
        raise ValidationFailed(f"limit must be between 1 and {maximum}", field="limit")
    return PageParams(limit=limit, after=decode_cursor(cursor) if cursor else None)


PageDep = Annotated[PageParams, Depends(page_params)]


def link_header(request: Request, next_cursor: str | None) -> dict[str, str]:
    """`{"Link": '<...?cursor=...>; rel="next"'}` for the response headers, or {} on the last page."""
    if not next_cursor:
        return {}
    url = request.url.include_query_params(cursor=next_cursor)
    return {"Link": f'<{url}>; rel="next"'}
