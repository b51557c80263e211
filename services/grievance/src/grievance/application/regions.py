"""The Kepmendagri 2025 region reference (`gotong.reference`), read once: a case's region must exist."""

from __future__ import annotations

import functools
import logging

from gotong.domain.errors import ValidationFailed
from gotong.reference import region_names

log = logging.getLogger("grievance")


@functools.cache
def _known() -> frozenset[str]:
    names = region_names(max_level=4)
    if not names:
        log.warning("region reference data not found; region codes are checked by shape only")
    return frozenset(names)


def check_region(code: str) -> None:
    known = _known()
    if known and code not in known:
        raise ValidationFailed("region_code is not a Kepmendagri 2025 region", field="region_code")
