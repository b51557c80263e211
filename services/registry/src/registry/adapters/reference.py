"""Reference data from files, loaded once by the composition root and passed to the domain: the Kepmendagri region
codes (shipped with the kit, `gotong.reference`) and the versioned PMT rules (`rules/<version>.json`)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from gotong.domain.errors import ValidationFailed
from gotong.reference import region_rows
from registry.domain.identity import Regions
from registry.domain.pmt import DEFAULT_RULE, PmtRule

RULES = Path(__file__).parent / "rules"


@functools.cache
def regions() -> Regions:
    return Regions.from_rows(region_rows())


def rule_versions() -> list[str]:
    return sorted(p.stem for p in RULES.glob("*.json"))


def load_rule(version: str = DEFAULT_RULE) -> PmtRule:
    known = rule_versions()
    if version not in known:  # a name from the list, never a path: no other file is ever opened
        raise ValidationFailed(f"no PMT rule version {version[:40]!r}; known: {known}", field="rule_version")
    return _read_rule(version)


@functools.cache
def _read_rule(version: str) -> PmtRule:
    spec = json.loads((RULES / f"{version}.json").read_text())
    return PmtRule(spec["version"], spec)
