"""Queries that assemble an answer from read-side adapters and domain rules (plain reads are adapter calls)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from canvas_projector.adapters.read_models import CanvasFacts, PaymentFigures, Replicas
from canvas_projector.domain.canvas import Canvas, build_canvas
from canvas_projector.domain.iati import Activity, build_activities


def end_of(as_of: date | None) -> datetime:
    """The canvas as it stood at the end of this day (UTC); without a day, everything."""
    return datetime.combine(as_of, time.max, tzinfo=UTC) if as_of else datetime.max.replace(tzinfo=UTC)


async def canvas(facts: CanvasFacts, program: str, as_of: date | None) -> dict[str, Any]:
    """The Business Model Canvas of a program (or "platform") as of a day, as JSON."""
    return (await canvas_of(facts, program, as_of)).to_json()


async def canvas_of(facts: CanvasFacts, program: str, as_of: date | None) -> Canvas:
    """The canvas of an approved program (or "platform") as of a day; a program not approved by then: NotFound."""
    known = await facts.until(end_of(as_of))
    return build_canvas(known, program, as_of.isoformat() if as_of else None)


async def iati_activities(payments: PaymentFigures, replicas: Replicas, reporting_org: str) -> list[Activity]:
    """Programs and company CSR funds as IATI activities."""
    programs = await replicas.programs()
    periods = await payments.per_program_period()
    flows = await replicas.csr_flows()
    return build_activities(reporting_org, programs, periods, flows)
