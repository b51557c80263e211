"""The Kepmendagri 2025 region reference (`gotong.reference`), read once and handed to the domain's rule; today's
date on the WIB calendar, from a clock."""

from __future__ import annotations

import functools
from datetime import date

from gotong.domain.clock import SYSTEM_CLOCK, Clock
from gotong.reference import region_names
from partnership.domain.regions import Regions
from partnership.domain.values import wib_date


@functools.cache
def regions() -> Regions:
    return Regions(region_names(4))


def today(clock: Clock = SYSTEM_CLOCK) -> date:
    """Dates people reason about (terms, due dates) follow the calendar in Jakarta."""
    return wib_date(clock.now())


def check_region(code: str, field: str = "region_code") -> str:
    """A province (35), regency/city (35.78), district or village code that exists; returns the code."""
    return regions().check(code, field)


def region_name(code: str) -> str | None:
    return regions().name(code)
