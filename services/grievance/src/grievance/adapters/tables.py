"""The grievance service's tables and their projectors.

`cases` (no personal data: the sealed fields stay in the events) and `follow_ups` (the outbox of requests to the
owning services: a row is written in the transaction that decides a case, removed in the one that records the
answer) are projections, rebuilt by `gotong grievance rebuild`. `case_keys` holds each case's data key wrapped by
the master key: not a projection; deleting a row erases the case's personal data everywhere. The kit's tables
live in `kit_metadata`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from gotong.adapters.sql import Sql
from gotong.application.uow import EventContext, Projectors
from grievance.domain.case import Case
from grievance.domain.catalogue import WARN_BEFORE
from grievance.domain.events import CaseDecided, FollowUpRecorded, events

metadata = MetaData()

cases = Table(
    "cases", metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("tracking_number", Text, nullable=False, unique=True),
    Column("kind", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("region_code", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("officer", Text),
    Column("subject_ref", Text),
    Column("anonymous", Boolean, nullable=False),
    Column("evidence", Integer, nullable=False),
    Column("proposed_outcome", Text),
    Column("proposed_by", Text),
    Column("outcome", Text),
    Column("reason_code", Text),
    Column("decided_by", Text),
    Column("appealed", Boolean, nullable=False),
    Column("follow_up", Text),
    Column("follow_up_result", Text),
    Column("erased", Boolean, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("warn_at", DateTime(timezone=True), nullable=False),
    Column("warned", Boolean, nullable=False),
    Column("breached", Boolean, nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False),
    Index("cases_region_status", "region_code", "status"),
    # what the SLA job scans: open cases whose warning or deadline may be due
    Index("cases_sla_due", "warn_at", postgresql_where=text(
        "status = ANY (ARRAY['received', 'triaged', 'investigating']) AND NOT breached")),
)

follow_ups = Table(
    "follow_ups", metadata,
    Column("case_id", UUID(as_uuid=True), primary_key=True),
    Column("decision_version", Integer, nullable=False),
    Column("action", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text),
)

case_keys = Table(
    "case_keys", metadata,
    Column("case_id", UUID(as_uuid=True), primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

projectors = Projectors(tables=["cases", "follow_ups"])


def _ts(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


#: The columns of a `cases` row, in the order `case_row` gives them.
CASE_COLUMNS = (
    "id", "tracking_number", "kind", "category", "channel", "region_code", "status", "officer", "subject_ref",
    "anonymous", "evidence", "proposed_outcome", "proposed_by", "outcome", "reason_code", "decided_by", "appealed",
    "follow_up", "follow_up_result", "erased", "received_at", "due_at", "warn_at", "warned", "breached",
    "decided_at", "closed_at", "version")
_UPDATED = [c for c in CASE_COLUMNS
            if c not in ("id", "tracking_number", "kind", "category", "channel", "region_code", "subject_ref",
                         "anonymous", "received_at")]
_SAVE_CASE = (
    f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(CASE_COLUMNS) + 1))}) "
    f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _UPDATED)}")


def case_row(c: Case) -> tuple[Any, ...]:
    """The case's `cases` row (codes and references only), in `CASE_COLUMNS` order."""
    due = datetime.fromisoformat(c.due_at)
    proposal = c.proposal
    last = c.follow_ups[-1]["result"] if c.follow_ups else None
    return (c.id, c.tracking_number, c.kind, c.category, c.channel, c.region_code, c.status, c.officer,
            c.subject_ref, c.anonymous, len(c.evidence), proposal.outcome if proposal else None,
            proposal.proposed_by if proposal else None, c.outcome, c.reason_code, c.decided_by, c.appealed,
            c.follow_up, last, c.erased, _ts(c.received_at), due, due - WARN_BEFORE, c.warned_for == c.due_at,
            c.breached_for == c.due_at, _ts(c.decided_at), _ts(c.closed_at), c.version)


@projectors.state(Case)
async def save_case(sql: Sql, c: Case) -> None:
    await sql.execute(_SAVE_CASE, *case_row(c))


@projectors.on(events, CaseDecided)
async def follow_up_requested(sql: Sql, e: CaseDecided, context: EventContext) -> None:
    if e.follow_up is None:
        return
    await sql.execute(
        """
        INSERT INTO follow_ups (case_id, decision_version, action, next_attempt_at) VALUES ($1, $2, $3, $4)
        ON CONFLICT (case_id) DO UPDATE SET decision_version = excluded.decision_version,
            action = excluded.action, attempts = 0, next_attempt_at = excluded.next_attempt_at, last_error = NULL
        """, context.stream_id, context.version, e.follow_up, datetime.fromisoformat(e.occurred_at))


@projectors.on(events, FollowUpRecorded)
async def follow_up_answered(sql: Sql, e: FollowUpRecorded, context: EventContext) -> None:
    await sql.execute("DELETE FROM follow_ups WHERE case_id = $1", context.stream_id)
