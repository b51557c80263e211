"""Region codes (Kepmendagri 2025): the rule, with the reference data passed in (the domain reads no file)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from gotong.domain.errors import ValidationFailed

_CODE = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")


@dataclass(frozen=True)
class Regions:
    """The codes that exist (code -> name); empty when the reference data is missing (shape checks only)."""

    names: Mapping[str, str]

    def check(self, code: str, field: str = "region_code") -> str:
        """A province (35), regency/city (35.78), district or village code that exists; returns the code."""
        if not _CODE.fullmatch(code):
            raise ValidationFailed("a Kepmendagri region code such as 35 (province) or 35.78 (regency/city)",
                                   field=field)
        if self.names and code not in self.names:
            raise ValidationFailed(f"region {code} is not in the Kepmendagri 2025 reference", field=field)
        return code

    def name(self, code: str) -> str | None:
        return self.names.get(code)
