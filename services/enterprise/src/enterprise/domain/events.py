"""The enterprise service's own domain events (internal: what is published is `gotong_contracts.enterprise`,
mapped in `application/publishing.py`). One registry for the enterprise and impact report streams."""

from __future__ import annotations

from typing import Any, ClassVar

from enterprise.domain.catalogue import Action, EnterpriseStatus, Group, LegalForm, Relation, SuspensionReason
from gotong.domain.events import DomainEvent, EventRegistry

events = EventRegistry()


@events.register
class EnterpriseRegistered(DomainEvent):
    event_type: ClassVar[str] = "EnterpriseRegistered"
    name: str
    nib: str
    legal_form: LegalForm
    mission: str
    sdgs: list[int]
    region_code: str
    groups_served: list[Group]
    groups_employed: list[Group]
    registered_by: str
    occurred_at: str


@events.register
class EnterpriseProfileUpdated(DomainEvent):
    """The whole profile after the change, and which fields changed."""

    event_type: ClassVar[str] = "EnterpriseProfileUpdated"
    name: str
    legal_form: LegalForm
    mission: str
    sdgs: list[int]
    region_code: str
    groups_served: list[Group]
    groups_employed: list[Group]
    changed: list[str]
    occurred_at: str


@events.register
class EnterpriseStatusChanged(DomainEvent):
    event_type: ClassVar[str] = "EnterpriseStatusChanged"
    action: Action
    previous_status: EnterpriseStatus
    status: EnterpriseStatus
    reason: SuspensionReason | None = None
    note: str | None = None
    officer: str
    occurred_at: str


@events.register
class HouseholdLinked(DomainEvent):
    event_type: ClassVar[str] = "HouseholdLinked"
    household_ref: str
    relation: Relation
    groups: list[Group]
    started_on: str
    region_code: str
    occurred_at: str


@events.register
class HouseholdLinkEnded(DomainEvent):
    event_type: ClassVar[str] = "HouseholdLinkEnded"
    household_ref: str
    relation: Relation
    ended_on: str
    occurred_at: str


# -- impact reports -----------------------------------------------------------------------------------

@events.register
class ImpactReportSubmitted(DomainEvent):
    event_type: ClassVar[str] = "ImpactReportSubmitted"
    enterprise_id: str
    period: str
    version: int
    metrics: dict[str, int]
    employees_by_group: dict[str, int] = {}
    note: str | None = None
    submitted_by: str
    occurred_at: str


@events.register
class ImpactReportAccepted(DomainEvent):
    """Carries what the contract publishes (event-carried state: metrics and derived figures at acceptance)."""

    event_type: ClassVar[str] = "ImpactReportAccepted"
    enterprise_id: str
    period: str
    version: int
    supersedes_version: int | None
    metrics: dict[str, int]
    derived: dict[str, Any]
    province_code: str
    regency_code: str
    reviewed_by: str
    occurred_at: str


@events.register
class ImpactReportReturned(DomainEvent):
    event_type: ClassVar[str] = "ImpactReportReturned"
    version: int
    reason: str
    reviewed_by: str
    occurred_at: str
