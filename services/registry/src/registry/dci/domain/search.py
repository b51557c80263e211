"""Rules of a DCI search that need no database: the purpose a ministry stated, what a transaction keeps of its
answer, and the answer's overall status."""

from __future__ import annotations

from typing import Any

from registry.dci.domain.schemas import SearchResponse, SearchResponseItem

DEFAULT_PAGE_SIZE = 100


def purpose_of(criteria: Any, fallback: str) -> str:
    """The purpose a ministry stated (consent or authorize `purpose`), for the personal-data access log."""
    for holder in (getattr(criteria, "consent", None), getattr(criteria, "authorize", None)):
        purpose = (holder or {}).get("purpose")
        if isinstance(purpose, dict):
            text = purpose.get("text") or purpose.get("code")
            if isinstance(text, str) and text.strip():
                return text.strip()[:200]
        elif isinstance(purpose, str) and purpose.strip():
            return purpose.strip()[:200]
    return fallback


def summary(response: SearchResponse) -> list[dict[str, Any]]:
    """What a transaction keeps of its answer: statuses and counts, never records."""
    return [item.model_dump(exclude={"data"}, exclude_none=True) for item in response.search_response]


def overall(items: list[SearchResponseItem]) -> str:
    return "succ" if any(i.status == "succ" for i in items) else "rjct"
