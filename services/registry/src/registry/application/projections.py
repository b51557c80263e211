"""The registry's projectors: what `uow.save` (and `gotong registry rebuild`) writes from Household events.

- state of a Household -> its `households` read row and its blind indexes (`kk_index`, `person_index`,
  `name_index`: recomputed from its sealed personal data under its own key; none once erased or merged away);
- review events (flagged, proposed, sent back, decided) -> `review_queue`;
- ranking-run events (proposed, approved, rejected) -> `ranking_proposals`.
"""

from __future__ import annotations

from typing import Any

from gotong.adapters.sql import Database, Sql
from gotong.application.rebuild import Rebuilt, rebuild
from gotong.application.repository import Repository
from gotong.application.uow import EventContext, Projectors
from registry.adapters.crypto import KeyRing
from registry.adapters.households import HouseholdTable
from registry.adapters.ranking import RankingProposals
from registry.adapters.reviews import ReviewQueue
from registry.application.commands import repo
from registry.application.personal import Indexes, Personal, indexes
from registry.domain.household import (
    Household,
    HouseholdFlagged,
    ProposalSentBack,
    ReviewDecided,
    ReviewProposed,
    events,
)
from registry.domain.ranking import RankingApproved, RankingProposed, RankingRejected

#: The tables these projectors own (a rebuild empties them and replays the event store into them).
TABLES = ("households", "kk_index", "person_index", "name_index", "review_queue", "ranking_proposals")


def household_indexes(keyring: KeyRing, h: Household, wrapped_dek: bytes | None) -> Indexes | None:
    """The blind indexes of a household as it is now: none once erased, merged away or without its key."""
    if h.erased or h.merged_into or not h.pii or wrapped_dek is None:
        return None
    dek = keyring.unwrap(wrapped_dek)
    return indexes(keyring, Personal.unseal(dek, h.id, h.pii), h.village_code, h.members)


def build_projectors(keyring: KeyRing) -> Projectors:
    projectors = Projectors(tables=TABLES)

    @projectors.state(Household)
    async def household_state(sql: Sql, h: Household) -> None:
        table = HouseholdTable(sql)
        written = await table.write(h)
        await table.write_indexes(h.id, household_indexes(keyring, h, written.wrapped_dek), fresh=written.inserted)

    @projectors.on(events, HouseholdFlagged)
    async def review_opened(sql: Sql, e: HouseholdFlagged, at: EventContext) -> None:
        await ReviewQueue(sql).flagged(at.stream_id, e.reasons, e.review_id, at.occurred_at)

    @projectors.on(events, ReviewProposed)
    async def review_proposed(sql: Sql, e: ReviewProposed, at: EventContext) -> None:
        await ReviewQueue(sql).proposed(at.stream_id, e.proposed_by, e.decision, e.note)

    @projectors.on(events, ProposalSentBack)
    async def proposal_sent_back(sql: Sql, e: ProposalSentBack, at: EventContext) -> None:
        await ReviewQueue(sql).sent_back(at.stream_id)

    @projectors.on(events, ReviewDecided)
    async def review_decided(sql: Sql, e: ReviewDecided, at: EventContext) -> None:
        await ReviewQueue(sql).decided(at.stream_id, e.approved_by, at.occurred_at)

    @projectors.on(events, RankingProposed)
    async def ranking_proposed(sql: Sql, e: RankingProposed, at: EventContext) -> None:
        await RankingProposals(sql).proposed(at.stream_id, on=e.on, snapshot=e.snapshot, rule_version=e.rule_version,
                                             proposed_by=e.proposed_by, at=at.occurred_at)

    @projectors.on(events, RankingApproved)
    async def ranking_approved(sql: Sql, e: RankingApproved, at: EventContext) -> None:
        await RankingProposals(sql).approved(at.stream_id, by=e.approved_by, households=e.households,
                                             changed=e.changed, at=at.occurred_at)

    @projectors.on(events, RankingRejected)
    async def ranking_rejected(sql: Sql, e: RankingRejected, at: EventContext) -> None:
        await RankingProposals(sql).rejected(at.stream_id, by=e.rejected_by, reason=e.reason, at=at.occurred_at)

    return projectors


async def rebuild_read_tables(database: Database, projectors: Projectors) -> Rebuilt:
    """Empty the tables the projectors own and replay the whole event store into them (one transaction)."""
    repositories: list[Repository[Any]] = [repo]
    return await rebuild(database, projectors, repositories)
