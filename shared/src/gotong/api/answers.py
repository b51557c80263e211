"""Typed answers for routes: a base that keeps every field a query returns, links, and the two list shapes.

Response models document the contract (OpenAPI, generated clients) without dropping what a query adds later:
`Answer` allows extra members, so a new column appears in the answer before the model names it.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Answer(BaseModel):
    """Base of response models: the named fields are the contract; more may follow."""

    model_config = ConfigDict(extra="allow")


class Link(Answer):
    """A way out of the current state: what to do, with which method, where."""

    action: str
    method: str = Field(examples=["POST"])
    href: str = Field(examples=["/v1/reviews/7/approval"])


class Listing(Answer, Generic[T]):
    """A page of a list found by offset: how many there are in all, and this page's items."""

    total: int = Field(ge=0)
    items: list[T]


class Page(Answer, Generic[T]):
    """A page of a list found by cursor: pass `next_cursor` back as `cursor` for the next page (None: the end)."""

    items: list[T]
    next_cursor: str | None = None
    limit: int = Field(ge=1)
