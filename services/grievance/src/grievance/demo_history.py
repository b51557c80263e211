"""A demo month behind the four showcase cases: 24 fictional cases received 5 to 40 days before the load, most
decided (some late, their SLA breach raised at the deadline as the periodic job would), so the transparency
portal's accountability figures (which hide anything from fewer than 10 cases) have something to show under
`gotong up`. Each step is dated by a clock moved through the case's life."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from gotong.application.uow import Projectors, UnitOfWorkFactory
from gotong.domain.clock import FixedClock
from gotong.eventstore import EventMetadata
from grievance.adapters.reads import CaseReads
from grievance.application import commands as c
from grievance.application.inputs import CaseSubmit, Investigate, Proposal, Triage
from grievance.domain.catalogue import SLA_DAYS, Channel

NAMESPACE = UUID("5d1e0a8e-6c1b-4f0e-9a57-3c2d4b1e7f90")
REGIONS = ("32.73.01.1001", "35.07.02.2003", "73.71.03.1002")
#: kind, category, days ago received, days to a decision (None: still open), outcome, reason
CASES: tuple[tuple[str, str, int, int | None, str, str], ...] = (
    ("sanggah", "inclusion", 40, 9, "upheld", "verified_in_field"),
    ("sanggah", "inclusion", 38, 12, "rejected", "not_verified"),
    ("sanggah", "desil", 36, 16, "upheld", "documents_confirm"),
    ("sanggah", "inclusion", 33, 6, "rejected", "outside_criteria"),
    ("sanggah", "desil", 30, 11, "rejected", "not_verified"),
    ("sanggah", "inclusion", 27, 13, "upheld", "verified_in_field"),
    ("sanggah", "inclusion", 24, None, "", ""),
    ("sanggah", "desil", 20, 8, "rejected", "insufficient_information"),
    ("sanggah", "inclusion", 12, None, "", ""),
    ("sanggah", "inclusion", 6, None, "", ""),
    ("payment_complaint", "not_received", 35, 4, "upheld", "payment_not_delivered"),
    ("payment_complaint", "not_received", 31, 9, "upheld", "payment_not_delivered"),
    ("payment_complaint", "wrong_amount", 28, 6, "rejected", "already_correct"),
    ("payment_complaint", "not_received", 22, 3, "rejected", "duplicate"),
    ("payment_complaint", "not_received", 15, 5, "upheld", "payment_not_delivered"),
    ("payment_complaint", "wrong_amount", 9, None, "", ""),
    ("payment_complaint", "not_received", 5, None, "", ""),
    ("data_correction", "member_died", 39, 15, "upheld", "documents_confirm"),
    ("data_correction", "member_born", 34, 25, "upheld", "documents_confirm"),
    ("data_correction", "member_moved", 26, 10, "rejected", "already_correct"),
    ("data_correction", "member_died", 18, 7, "upheld", "documents_confirm"),
    ("usul", "registration", 37, 21, "upheld", "verified_in_field"),
    ("usul", "reassessment", 29, 18, "rejected", "outside_criteria"),
    ("usul", "registration", 10, None, "", ""),
)


async def load_history(store: Any, projectors: Projectors, deps: c.Deps, now: datetime) -> None:
    clock = FixedClock(now)
    units = UnitOfWorkFactory(store, projectors=projectors, clock=clock)
    officer, supervisor = "demo-officer", "demo-supervisor"
    for n, (kind, category, ago, decided_after, outcome, reason) in enumerate(CASES):
        received = now - timedelta(days=ago, hours=n)
        clock.at = received
        channel: Channel = "officer" if kind == "usul" else "public"
        ref = None if kind == "usul" else str(uuid5(NAMESPACE, f"subject-{n}"))
        body = CaseSubmit.model_validate({
            "kind": kind, "category": category, "region_code": REGIONS[n % len(REGIONS)], "subject_ref": ref,
            "anonymous": kind == "sanggah" and n % 2 == 0,
            "details": {"description": "Kasus contoh untuk demo (fiktif)."}})
        async with units.begin(EventMetadata(actor=channel)) as uow:
            tracking = (await c.submit(uow, deps, body, channel=channel, by=channel))["tracking_number"]
        async with units.begin(EventMetadata(actor=officer)) as uow:
            case_id = await uow.adapter(CaseReads).case_id_by_tracking_number(tracking)
            assert case_id is not None
            clock.at = received + timedelta(days=1)
            await c.triage(uow, case_id, Triage(officer=officer), officer)
            await c.investigate(uow, case_id, Investigate(), officer)
            due = received + timedelta(days=SLA_DAYS[kind])
            late = decided_after is None and due < now or decided_after is not None and decided_after > SLA_DAYS[kind]
            if late:  # the periodic job would have raised the warning and the breach at their times
                case = await uow.get(c.cases, case_id)
                clock.at = due
                case.check_sla(clock.now())
                await uow.save(case)
            if decided_after is None:
                continue
            clock.at = received + timedelta(days=decided_after)
            await c.propose(uow, case_id, Proposal.model_validate({"outcome": outcome, "reason_code": reason}),
                            officer)
            await c.decide(uow, case_id, supervisor if outcome == "upheld" else officer)
