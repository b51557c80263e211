"""Typed event store errors; the API renders them as 409 problem+json."""

from __future__ import annotations

from uuid import UUID

from gotong.domain.errors import DomainError


class ConcurrencyError(DomainError):
    """Someone else appended to the stream first; reload and decide again."""

    status = 409
    code = "concurrency-conflict"
    title = "The resource was changed by someone else"


class WrongExpectedVersion(ConcurrencyError):
    def __init__(self, stream_id: UUID, expected: int, actual: int | None = None) -> None:
        detail = f"stream {stream_id} expected at version {expected}"
        if actual is not None:
            detail += f", but it is at version {actual}"
        super().__init__(detail)
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class StreamNotFound(DomainError):
    status = 404
    code = "not-found"
    title = "Not found"
