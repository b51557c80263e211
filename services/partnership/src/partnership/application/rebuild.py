"""Rebuild the read tables from the event store, the source of truth (after a bug in a projection, or to
add a column): every partner, agreement and project stream is replayed and written again. Contact persons
are not events and stay as they are; nothing is published."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert

from gotong.eventstore import EventStoreTx
from gotong.eventstore.tables import events
from partnership.application import store
from partnership.tables import agreements, milestones, partners, projects


async def rebuild_read_tables(tx: EventStoreTx) -> dict[str, int]:
    conn = tx.connection
    for table in (milestones, projects, agreements, partners):
        await conn.execute(delete(table))
    streams = (await conn.execute(
        select(events.c.stream_id, events.c.stream_type)
        .where(events.c.stream_type.in_(["partner", "agreement", "project"]))
        .group_by(events.c.stream_id, events.c.stream_type).order_by(func.min(events.c.position)))).all()
    counts = {"partner": 0, "agreement": 0, "project": 0}
    for stream_id, stream_type in streams:
        published = (await conn.execute(text(
            "SELECT version, data FROM events WHERE stream_id = :s ORDER BY version DESC LIMIT 1"),
            {"s": store.publication_stream(stream_id)})).first()
        extra: dict[str, Any] = {"id": stream_id, "published_version": published.version if published else 0}
        if stream_type == "partner":
            partner = await store.load(store.partner_repo, tx, stream_id, "partner_id")
            await conn.execute(insert(partners).values(**store.partner_values(partner), **extra))
        elif stream_type == "agreement":
            agreement = await store.load(store.agreement_repo, tx, stream_id, "agreement_id")
            await conn.execute(insert(agreements).values(**store.agreement_values(agreement), **extra))
        else:
            project = await store.load(store.project_repo, tx, stream_id, "project_id")
            extra["helix_complete"] = bool(published and published.data.get("helix_complete"))
            await conn.execute(insert(projects).values(**store.project_values(project), **extra))
            await store.write_milestones(conn, project)
        counts[stream_type] += 1
    return counts
