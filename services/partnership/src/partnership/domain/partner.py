"""The Partner aggregate: an organisation in one helix strand; active partners count for projects."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import InvalidTransition, ValidationFailed
from partnership.domain.events import PartnerDeactivated, PartnerEnrolled, PartnerReactivated
from partnership.domain.values import Strand, check_kind


def name_key(strand: str, name: str) -> str:
    return f"{strand}:{' '.join(name.lower().split())}"


class Partner(Aggregate):
    stream_type: ClassVar[str] = "partner"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.initial_state()

    def initial_state(self) -> None:
        self.name = ""
        self.strand: Strand = "government"
        self.kind = ""
        self.region_code = ""
        self.nib: str | None = None
        self.website: str | None = None
        self.status = "active"
        self.deactivation_reason: str | None = None

    @classmethod
    def enrol(cls, id: UUID, *, name: str, strand: Strand, kind: str, region_code: str, nib: str | None = None,
              website: str | None = None, now: str | None = None) -> Partner:
        check_kind(strand, kind)
        if nib is not None and strand not in ("industry", "community"):
            raise ValidationFailed("a NIB (business number) belongs to companies and cooperatives", field="nib")
        partner = cls(id)
        partner._record(PartnerEnrolled(name=name, strand=strand, kind=kind, region_code=region_code, nib=nib,
                                        website=website, occurred_at=now))
        return partner

    def deactivate(self, reason: str, now: str | None = None) -> None:
        if self.status == "inactive":
            raise InvalidTransition("the partner is inactive already", field="status")
        self._record(PartnerDeactivated(reason=reason, occurred_at=now))

    def reactivate(self, now: str | None = None) -> None:
        if self.status == "active":
            raise InvalidTransition("the partner is active already", field="status")
        self._record(PartnerReactivated(occurred_at=now))

    @property
    def name_key(self) -> str:
        """Two partners of one strand may not share a name (ignoring case and spacing)."""
        return name_key(self.strand, self.name)

    def apply_partner_enrolled(self, e: PartnerEnrolled) -> None:
        self.name, self.strand, self.kind, self.region_code = e.name, e.strand, e.kind, e.region_code
        self.nib, self.website = e.nib, e.website

    def apply_partner_deactivated(self, e: PartnerDeactivated) -> None:
        self.status, self.deactivation_reason = "inactive", e.reason

    def apply_partner_reactivated(self, e: PartnerReactivated) -> None:
        self.status, self.deactivation_reason = "active", None

    def to_state(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "strand": self.strand, "kind": self.kind,
                "region_code": self.region_code, "nib": self.nib, "website": self.website, "status": self.status,
                "deactivation_reason": self.deactivation_reason, "version": self.version}
