"""Rebuild a service's read tables from its event store: the proof that they are projections, nothing more.

Empties every table the service's `Projectors` own, then, in one transaction: runs the event projectors over
every event in global commit order, and the state projectors over every aggregate (loaded through its
repository, as a command would). Nobody sees a half-built table: the transaction commits at the end.
Event projectors and state projectors must write different tables (a row is owned by one kind).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from gotong.adapters.sql import Database
from gotong.application.repository import Repository
from gotong.application.uow import Projectors
from gotong.domain.aggregate import Aggregate
from gotong.eventstore.postgres import PostgresEventStoreTx, recorded_from_row, select_events_sql

_PAGE = 5000


@dataclass
class Rebuilt:
    events: int = 0
    aggregates: dict[str, int] = field(default_factory=dict)
    tables: tuple[str, ...] = ()


async def rebuild(database: Database, projectors: Projectors,
                  repositories: Sequence[Repository[Aggregate]] = ()) -> Rebuilt:
    """Empty `projectors.tables` and replay the whole event store into them, in one transaction."""
    repos = {r.aggregate.stream_type: r for r in repositories}
    report = Rebuilt(tables=projectors.tables)
    async with database.transaction() as sql:
        if projectors.tables:
            await sql.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in projectors.tables) + " RESTART IDENTITY")
        streams: dict[UUID, str] = {}
        last: tuple[int, int] = (0, 0)
        query = select_events_sql("WHERE (tx_id, position) > ($1::text::xid8, $2::bigint) "
                                  "ORDER BY tx_id, position LIMIT $3")
        while True:
            rows = await sql.fetch(query, str(last[0]), last[1], _PAGE)
            if not rows:
                break
            for row in rows:
                recorded = recorded_from_row(row)
                await projectors.replay_event(sql, recorded)
                if recorded.stream_type in repos and projectors.projects_state_of(recorded.stream_type):
                    streams.setdefault(recorded.stream_id, recorded.stream_type)
                report.events += 1
            assert recorded.position is not None
            last = (recorded.position.tx_id, recorded.position.position)
        tx = PostgresEventStoreTx.on(sql)
        for stream_id, stream_type in streams.items():
            aggregate = await repos[stream_type].find(tx, stream_id)
            if aggregate is None:
                continue
            for _cls, project in projectors.projects_state_of(stream_type):
                await project(sql, aggregate)
            report.aggregates[stream_type] = report.aggregates.get(stream_type, 0) + 1
    return report


__all__ = ["Rebuilt", "rebuild"]
