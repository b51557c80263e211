"""Region codes (Kepmendagri 2025) checked against the reference data; today's date on the WIB calendar."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from gotong.domain.errors import ValidationFailed
from gotong.reference import region_names

WIB = ZoneInfo("Asia/Jakarta")
_CODE = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")


def today() -> date:
    """Dates people reason about (terms, due dates) follow the calendar in Jakarta."""
    return datetime.now(WIB).date()


def check_region(code: str, field: str = "region_code") -> str:
    """A province (35), regency/city (35.78), district or village code that exists; returns the code."""
    if not _CODE.fullmatch(code):
        raise ValidationFailed("a Kepmendagri region code such as 35 (province) or 35.78 (regency/city)",
                               field=field)
    known = region_names(4)
    if known and code not in known:
        raise ValidationFailed(f"region {code} is not in the Kepmendagri 2025 reference", field=field)
    return code


def region_name(code: str) -> str | None:
    return region_names(4).get(code)
