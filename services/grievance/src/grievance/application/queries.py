"""Read-side queries: the public status answer and the officers' lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from gotong.domain.errors import NotFound
from grievance.adapters.reads import CaseReads
from grievance.domain.catalogue import REASONS, STATUS_TEXT

WIB = ZoneInfo("Asia/Jakarta")


def _wib_date(iso: str | None) -> str | None:
    return datetime.fromisoformat(iso).astimezone(WIB).date().isoformat() if iso else None


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
            "appealed": row["appealed"], "received_on": _wib_date(row["received_at"]),
            "decision_due_on": _wib_date(row["due_at"]) if row["status"] not in ("decided", "closed") else None}


async def case(reads: CaseReads, case_id: Any) -> dict[str, Any]:
    row = await reads.get(case_id)
    if row is None:
        raise NotFound(f"case {case_id} does not exist", field="case_id")
    return row
