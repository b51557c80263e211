"""Internal events -> the published contract (`gotong_contracts.partnership`), for the kit's relay.

What is published is carried by the aggregates' own events: a partner's events with their `occurred_at`, an
agreement's status events with `published` (its public state after the change), and a project's `ProjectChanged`
(its public state and Triple Helix assessment). Everything else stays internal: purposes, reasons, contact
persons, NIBs, milestones' evidence.

Before this, the service wrote what it published to a separate `publication` stream per aggregate. A database from
then still holds those streams: their events are the contract already and are sent as stored (a relay that starts
over publishes the same history), while the aggregates' events of that time carry no `occurred_at`/`published`
and stay internal, so nothing is published twice.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from gotong_contracts import partnership as contract
from gotong_contracts.base import IntegrationEvent

from gotong.application.uow import UnitOfWork
from gotong.eventstore.model import RecordedEvent

#: Stream type and ids of the legacy publication streams (read, never written).
PUBLICATION = "publication"
_NAMESPACE = UUID("8f1d4a52-3c1e-4a8e-9b1f-6a7f0d2c5e11")
_STATUS_EVENTS = frozenset({"AgreementDrafted", "AgreementSigned", "AgreementActivated", "AgreementEnded",
                            "AgreementTerminated"})


def publication_stream(aggregate_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"publication:{aggregate_id}")


async def published_before(uow: UnitOfWork, aggregate_id: UUID) -> int:
    """How many events the legacy publication stream of an aggregate holds (0 for one born since)."""
    recorded = await uow.load(publication_stream(aggregate_id))
    return recorded[-1].version if recorded else 0


def _map(e: RecordedEvent) -> IntegrationEvent | None:
    d = e.data
    if e.event_type == "PartnerEnrolled" and d.get("occurred_at"):
        return contract.PartnerRegistered(
            partner_id=str(e.stream_id), name=d["name"], strand=d["strand"], kind=d["kind"],
            region_code=d["region_code"], province_code=d["region_code"][:2], occurred_at=d["occurred_at"])
    if e.event_type in ("PartnerDeactivated", "PartnerReactivated") and d.get("occurred_at"):
        return contract.PartnerStatusChanged(
            partner_id=str(e.stream_id), status="inactive" if e.event_type == "PartnerDeactivated" else "active",
            occurred_at=d["occurred_at"])
    if e.event_type in _STATUS_EVENTS and d.get("published"):
        return contract.AgreementStatusChanged(agreement_id=str(e.stream_id), **d["published"])
    if e.event_type == "ProjectChanged":
        return contract.ProjectChanged.model_validate(d)
    return None


def publish_contract(event: RecordedEvent) -> tuple[str, int, dict[str, Any]] | None:
    if event.stream_type == PUBLICATION:  # a legacy publication: the contract as it was sent then
        return event.event_type, event.schema_version, dict(event.data)
    published = _map(event)
    if published is None:
        return None
    return published.event_type, published.schema_version, published.model_dump(mode="json")
