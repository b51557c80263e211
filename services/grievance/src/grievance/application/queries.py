"""Read-side queries: the public status answer and the officers' lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from gotong.domain.errors import NotFound
from grievance.adapters.reads import CaseReads
from grievance.domain.catalogue import FOLLOW_UP_TEXT, REASONS, STATUS_TEXT, follow_up_of

WIB = ZoneInfo("Asia/Jakarta")


def _wib_date(iso: str | None) -> str | None:
    return datetime.fromisoformat(iso).astimezone(WIB).date().isoformat() if iso else None


def follow_up_outcome(row: Any) -> dict[str, Any] | None:
    """What the owning service answered an upheld case's follow-up, in plain words (None while none answered)."""
    result = row["follow_up_result"]
    action = follow_up_of(row["kind"], row["category"] or "")
    if result is None or action is None:
        return None
    text_id, text_en = FOLLOW_UP_TEXT.get(action, {}).get(result, (result, result))
    return {"action": action, "result": result, "text_id": text_id, "text_en": text_en}


async def public_status(reads: CaseReads, tracking_number: str) -> dict[str, Any]:
    """Status and a plain-language outcome: nothing about who or which household (no personal data)."""
    row = await reads.by_tracking_number(tracking_number.strip().upper())
    if row is None:
        raise NotFound("no case has this tracking number", field="tracking_number")
    status_id, status_en = STATUS_TEXT[row["status"]]
    outcome = None
    if row["outcome"] is not None and row["status"] in ("decided", "closed"):
        text_id, text_en = REASONS[row["outcome"]][row["reason_code"]]
        outcome = {"result": row["outcome"], "text_id": text_id, "text_en": text_en}
    return {"tracking_number": tracking_number.strip().upper(), "kind": row["kind"], "status": row["status"],
            "status_text_id": status_id, "status_text_en": status_en, "outcome": outcome,
            "follow_up": _public(follow_up_outcome(row)), "appealed": row["appealed"],
            "received_on": _wib_date(row["received_at"]),
            "decision_due_on": _wib_date(row["due_at"]) if row["status"] not in ("decided", "closed") else None}


def _public(outcome: dict[str, Any] | None) -> dict[str, Any] | None:
    """The public answer says what happened, not which service was asked."""
    return None if outcome is None else {k: v for k, v in outcome.items() if k != "action"}


async def case(reads: CaseReads, case_id: Any) -> dict[str, Any]:
    row = await reads.get(case_id)
    if row is None:
        raise NotFound(f"case {case_id} does not exist", field="case_id")
    return {**row, "follow_up_outcome": follow_up_outcome(row)}
