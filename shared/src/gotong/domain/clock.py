"""The clock the domain is handed: aggregates never call `date.today()` themselves, so rules are testable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC."""
        ...

    def today(self) -> date:
        """Today's date in UTC (what storage uses)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(UTC).date()


@dataclass
class FixedClock:
    """A clock for tests: stands still until moved."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def today(self) -> date:
        return self.at.date()

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


SYSTEM_CLOCK: Clock = SystemClock()
