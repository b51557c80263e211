"""Grievance facts -> the cases replica (the figures are computed from it in one place:
`GrievanceCases.figures`)."""

from __future__ import annotations

from datetime import datetime

from gotong_contracts import grievance

from canvas_projector.adapters.grievance_cases import GrievanceCases


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def apply_grievance_fact(cases: GrievanceCases, fact: object) -> None:
    """Received, decided, breached; other facts (status moves, warnings, follow-ups) change no figure."""
    match fact:
        case grievance.CaseReceived():
            await cases.received(fact.case_id, fact.kind, fact.category, fact.region_code, _at(fact.occurred_at),
                                 _at(fact.due_at))
        case grievance.CaseDecided():
            await cases.decided(fact.case_id, fact.outcome, _at(fact.occurred_at))
        case grievance.SlaBreached():
            await cases.breached(fact.case_id)
        case _:
            return
