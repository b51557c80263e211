"""Queries that assemble an answer from read-side adapters and domain rules (plain reads are adapter calls)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from canvas_projector.adapters.read_models import CanvasFacts, PaymentFigures, Replicas
from canvas_projector.domain.canvas import build_canvas
from canvas_projector.domain.iati import Activity, build_activities


def end_of(as_of: date | None) -> datetime:
    """The canvas as it stood at the end of this day (UTC); without a day, everything."""
    return datetime.combine(as_of, time.max, tzinfo=UTC) if as_of else datetime.max.replace(tzinfo=UTC)


async def canvas(facts: CanvasFacts, program: str, as_of: date | None) -> dict[str, Any]:
    """The Business Model Canvas of a program (or "platform") as of a day, as JSON."""
    known = await facts.until(end_of(as_of))
    return build_canvas(known, program, as_of.isoformat() if as_of else None).to_json()


async def iati_activities(payments: PaymentFigures, replicas: Replicas, reporting_org: str) -> list[Activity]:
    """Programs and company CSR funds as IATI activities."""
    programs = await replicas.programs()
    periods = await payments.per_program_period()
    flows = await replicas.csr_flows()
    return build_activities(reporting_org, programs, periods, flows)
