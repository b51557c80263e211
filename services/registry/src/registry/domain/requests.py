"""A registration request: someone asked that a household not in the register be registered (an upheld *usul*
from the grievance service, or the registry's own desk), and a village officer or the review desk completes it
by registering the household from its Kartu Keluarga — or declines it with a reason code.

The request is an aggregate on the registry's event store (`registration_request` streams): opened
(`RegistrationRequested`), then `RegistrationCompleted` (with the household it became) or `RegistrationDeclined`.
It holds no personal data: the region, the grievance case's id, codes and officers. Its id is derived from the
case that asked (`request_id_for`), so the same case asking twice finds the request it opened.

A re-assessment of a household already registered is not a request: it flags the household for review
(`Household.flag_for_grievance`, reason `reassessment`).
"""

from __future__ import annotations

from typing import ClassVar, Literal
from uuid import UUID, uuid5

from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import InvalidTransition, ValidationFailed
from gotong.domain.events import DomainEvent
from registry.domain.household import events

RequestStatus = Literal["open", "completed", "declined"]
RequestSource = Literal["grievance", "ops"]
#: Why a request is declined: codes (a sentence could name the family).
DeclineReason = Literal["already_registered", "not_found_in_field", "outside_region", "duplicate_request"]
DECLINE_REASONS: dict[str, str] = {
    "already_registered": "the household is in the register already",
    "not_found_in_field": "the field visit found no such household",
    "outside_region": "the household lives outside the region of the request",
    "duplicate_request": "another request covers this household",
}
#: The namespace of request ids derived from the case that asked.
_NAMESPACE = UUID("6f1e3a52-8d2b-4e1f-9c1a-2b7d4e5f6a70")


def request_id_for(source: str, case_ref: str) -> UUID:
    """The request a case opens: the same case always names the same request (idempotent across retries)."""
    return uuid5(_NAMESPACE, f"{source}:{case_ref}")


def in_region(village_code: str, region_code: str) -> bool:
    """Whether a village lies in a region (the region itself, or a region above it)."""
    return village_code == region_code or village_code.startswith(region_code + ".")


@events.register
class RegistrationRequested(DomainEvent):
    event_type: ClassVar[str] = "RegistrationRequested"
    region_code: str
    source: RequestSource
    case_ref: str | None = None
    requested_by: str


@events.register
class RegistrationCompleted(DomainEvent):
    event_type: ClassVar[str] = "RegistrationCompleted"
    household_ref: str
    village_code: str
    by: str


@events.register
class RegistrationDeclined(DomainEvent):
    event_type: ClassVar[str] = "RegistrationDeclined"
    reason: DeclineReason
    by: str


class RegistrationRequest(Aggregate):
    """open → completed (a household was registered for it) | declined (with a reason code)."""

    stream_type: ClassVar[str] = "registration_request"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.initial_state()

    def initial_state(self) -> None:
        self.status: RequestStatus = "open"
        self.region_code = ""
        self.source: RequestSource = "ops"
        self.case_ref: str | None = None
        self.requested_by = ""
        self.household_ref: str | None = None
        self.decided_by: str | None = None
        self.decline_reason: DeclineReason | None = None

    @classmethod
    def open(cls, id: UUID, region_code: str, source: RequestSource, case_ref: str | None,
             requested_by: str) -> RegistrationRequest:
        request = cls(id)
        request._record(RegistrationRequested(region_code=region_code, source=source, case_ref=case_ref,
                                              requested_by=requested_by))
        return request

    def check_open(self) -> None:
        if self.status != "open":
            raise InvalidTransition(f"this registration request is {self.status} already", field="request_id")

    def check_village(self, village_code: str, *, field: str = "village_code") -> None:
        """The household registered for the request lives in the request's region."""
        if not in_region(village_code, self.region_code):
            raise ValidationFailed(f"the request is for region {self.region_code}; this village is outside it",
                                   field=field)

    def complete(self, household_ref: UUID, village_code: str, by: str) -> None:
        self.check_open()
        self.check_village(village_code)
        self._record(RegistrationCompleted(household_ref=str(household_ref), village_code=village_code, by=by))

    def decline(self, reason: DeclineReason, by: str) -> None:
        self.check_open()
        if reason not in DECLINE_REASONS:
            raise ValidationFailed("one of " + ", ".join(DECLINE_REASONS), field="reason")
        self._record(RegistrationDeclined(reason=reason, by=by))

    def view(self) -> dict[str, object]:
        return {"request_id": str(self.id), "status": self.status, "region_code": self.region_code,
                "source": self.source, "case_ref": self.case_ref, "requested_by": self.requested_by,
                "household_ref": self.household_ref, "decided_by": self.decided_by,
                "decline_reason": self.decline_reason, "version": self.version}

    def apply_registration_requested(self, e: RegistrationRequested) -> None:
        self.region_code, self.source, self.case_ref, self.requested_by = (e.region_code, e.source, e.case_ref,
                                                                           e.requested_by)

    def apply_registration_completed(self, e: RegistrationCompleted) -> None:
        self.status, self.household_ref, self.decided_by = "completed", e.household_ref, e.by

    def apply_registration_declined(self, e: RegistrationDeclined) -> None:
        self.status, self.decline_reason, self.decided_by = "declined", e.reason, e.by
