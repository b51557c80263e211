"""Region codes (Kepmendagri 2025): the rule, with the reference data passed in (the domain reads no file)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gotong.domain.errors import ValidationFailed

_CODE = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")


def province_and_regency(code: str) -> tuple[str, str]:
    """`32.73.01` -> (`32`, `32.73`)."""
    parts = code.split(".")
    return parts[0], ".".join(parts[:2])


@dataclass(frozen=True)
class Regions:
    """The codes that exist (code -> name); empty when the reference data is missing (shape checks only)."""

    names: Mapping[str, str]

    def check(self, code: str, field: str = "region_code") -> tuple[str, str, str]:
        """(code, province, regency) for a regency, district or village code that exists."""
        code = code.strip()
        if not _CODE.fullmatch(code):
            raise ValidationFailed("region_code must be a Kepmendagri code like 32.73 (regency), 32.73.01 "
                                   "(district) or 32.73.01.1001 (village)", field=field)
        if "." not in code:
            raise ValidationFailed("region_code must name a regency or city (kabupaten/kota) or finer, not only a "
                                   "province", field=field)
        if self.names and code not in self.names:
            raise ValidationFailed("region_code is not a Kepmendagri 2025 region", field=field)
        return (code, *province_and_regency(code))

    def name(self, code: str) -> str | None:
        return self.names.get(code)
