"""Small value rules shared by the aggregates: helix strands and their kinds, document hashes, evidence."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from gotong.domain.errors import ValidationFailed

Strand = Literal["government", "campus", "industry", "community"]
#: The three strands a project needs to be "Triple Helix complete"; community is the optional fourth.
CORE_STRANDS: tuple[Strand, ...] = ("government", "campus", "industry")
STRANDS: tuple[Strand, ...] = get_args(Strand)

#: What kind of organisation a partner is, per strand (pemda = local government, OPD = its agencies,
#: BUMN/BUMD = state/regional-owned companies, UMKM = micro, small and medium enterprises).
KINDS: dict[Strand, tuple[str, ...]] = {
    "government": ("ministry", "national_agency", "pemprov", "pemkab", "pemkot", "opd", "pemdes"),
    "campus": ("university", "institute", "polytechnic", "academy", "research_institute"),
    "industry": ("company", "bumn", "bumd", "umkm", "startup"),
    "community": ("ngo", "community_group", "cooperative", "foundation", "religious_org", "social_enterprise"),
}

ContributionKind = Literal["money", "in_kind", "expertise", "facilities", "research_output"]
CONTRIBUTION_KINDS: tuple[ContributionKind, ...] = get_args(ContributionKind)

_SHA256 = re.compile(r"[0-9a-f]{64}")


def check_kind(strand: Strand, kind: str) -> None:
    if kind not in KINDS[strand]:
        raise ValidationFailed(f"a {strand} partner's kind is one of: {', '.join(KINDS[strand])}", field="kind")


def sha256_hex(value: str, field: str) -> str:
    """A document is referenced by the SHA-256 of its bytes: 64 hex digits (normalised to lower case)."""
    digest = value.strip().lower()
    if not _SHA256.fullmatch(digest):
        raise ValidationFailed("must be a SHA-256 digest: 64 hexadecimal characters", field=field)
    return digest


def check_evidence(sha256: str | None, url: str | None, field: str = "evidence") -> str | None:
    """Evidence is a document hash, a URL (https), or both; at least one."""
    if sha256 is None and url is None:
        raise ValidationFailed("give evidence: a document's sha256, an https URL, or both", field=field)
    if url is not None and not re.fullmatch(r"https://[^\s]{4,2000}", url):
        raise ValidationFailed("the evidence URL must be an https:// address", field=f"{field}.url")
    return sha256_hex(sha256, f"{field}.sha256") if sha256 is not None else None


#: Dates people reason about here (terms, due dates) follow the calendar in Jakarta (WIB).
WIB = ZoneInfo("Asia/Jakarta")


def wib_date(moment: datetime) -> date:
    """The WIB calendar date of a moment (the clock is passed in; the domain never reads it)."""
    return moment.astimezone(WIB).date()
