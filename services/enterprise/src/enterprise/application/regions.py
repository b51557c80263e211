"""Region codes checked against the Kepmendagri 2025 reference data (`gotong.reference`)."""

from __future__ import annotations

import logging
import re

from gotong.domain.errors import ValidationFailed
from gotong.reference import region_names

log = logging.getLogger("enterprise")
_CODE = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")


def check_region(code: str, field: str = "region_code") -> tuple[str, str, str]:
    """(code, province, regency) for a regency, district or village code that exists."""
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise ValidationFailed("region_code must be a Kepmendagri code like 32.73 (regency), 32.73.01 "
                               "(district) or 32.73.01.1001 (village)", field=field)
    parts = code.split(".")
    if len(parts) < 2:
        raise ValidationFailed("region_code must name a regency or city (kabupaten/kota) or finer, not only a "
                               "province", field=field)
    names = region_names(max_level=4)
    if not names:
        log.warning("region reference data not found; region codes are checked by shape only")
    elif code not in names:
        raise ValidationFailed("region_code is not a Kepmendagri 2025 region", field=field)
    return code, parts[0], ".".join(parts[:2])


def region_name(code: str) -> str | None:
    return region_names(max_level=4).get(code)
