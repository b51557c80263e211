"""The grievance case: received -> triaged -> investigating -> decided -> closed, one appeal, SLA deadlines.

Pure: the time, the tracking number and the sealed (already encrypted) personal details are passed in.
Four eyes: a decision that changes data (upheld) is proposed by one officer and decided by another; a rejection
changes nothing and its proposer may confirm it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import ClassVar
from uuid import UUID

from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from grievance.domain.catalogue import (
    APPEAL_SLA_DAYS,
    CATEGORIES,
    REASONS,
    WARN_BEFORE,
    Channel,
    FollowUpAction,
    FollowUpResult,
    Kind,
    Outcome,
    Status,
    follow_up_of,
    sla,
)
from grievance.domain.events import (
    CaseAppealed,
    CaseClosed,
    CaseDecided,
    CaseReceived,
    CaseTriaged,
    DecisionProposed,
    EvidenceAttached,
    FollowUpRecorded,
    InvestigationStarted,
    PersonalDataErased,
    SlaBreached,
    SlaWarningRaised,
)

REGION = re.compile(r"\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?")
SHA256 = re.compile(r"[0-9a-f]{64}")
OPEN: frozenset[str] = frozenset({"received", "triaged", "investigating"})


def check_subject_ref(kind: str, ref: str | None) -> str | None:
    """A household or payment id (UUID) of the owning service; a NIK-shaped value is refused without echoing it."""
    if ref is None:
        if kind in ("sanggah", "payment_complaint", "data_correction"):
            what = "payment" if kind == "payment_complaint" else "household"
            raise ValidationFailed(f"name the {what} this case is about (its id in the owning service)",
                                   field="subject_ref")
        return None
    try:
        return str(UUID(ref))
    except ValueError:
        raise ValidationFailed("subject_ref must be the owning service's id (a UUID), never a NIK or a name",
                               field="subject_ref") from None


class Case(Aggregate):
    stream_type: ClassVar[str] = "grievance_case"

    def initial_state(self) -> None:
        self.kind: Kind = "usul"
        self.category = ""
        self.channel: Channel = "public"
        self.region_code = ""
        self.tracking_number = ""
        self.subject_ref: str | None = None
        self.anonymous = False
        self.sealed_details = ""
        self.sealed_reporter: str | None = None
        self.erased = False
        self.status: Status = "received"
        self.received_at = ""
        self.due_at = ""
        self.warned_for: str | None = None  # the deadline a warning was raised for
        self.breached_for: str | None = None
        self.officer: str | None = None
        self.evidence: list[dict[str, str]] = []
        self.proposal: DecisionProposed | None = None
        self.outcome: Outcome | None = None
        self.reason_code: str | None = None
        self.decided_by: str | None = None
        self.decided_at: str | None = None
        self.appealed = False
        self.follow_up: FollowUpAction | None = None  # asked of the owning service, not answered yet
        self.follow_ups: list[dict[str, str | int | None]] = []
        self.closed_at: str | None = None

    # -- commands ----------------------------------------------------------------------------------------
    @classmethod
    def receive(cls, id: UUID, *, kind: Kind, category: str, channel: Channel, region_code: str,
                tracking_number: str, subject_ref: str | None, anonymous: bool, sealed_details: str,
                sealed_reporter: str | None, submitted_by: str, now: datetime) -> Case:
        if category not in CATEGORIES[kind]:
            raise ValidationFailed(f"a {kind} case is about one of {sorted(CATEGORIES[kind])}", field="category")
        if not REGION.fullmatch(region_code):
            raise ValidationFailed("region_code is a Kepmendagri code like 32.73 or 32.73.01.1001",
                                   field="region_code")
        if anonymous and kind != "sanggah":
            raise ValidationFailed("only a sanggah (objection) may be anonymous", field="anonymous")
        if kind == "usul" and channel != "officer":
            raise Forbidden("an usul is proposed by a village officer, through the authenticated API", field="kind")
        ref = check_subject_ref(kind, subject_ref)
        case = cls(id)
        case.initial_state()
        case._record(CaseReceived(
            kind=kind, category=category, channel=channel, region_code=region_code, tracking_number=tracking_number,
            subject_ref=ref, anonymous=anonymous, sealed_details=sealed_details,
            sealed_reporter=None if anonymous else sealed_reporter, submitted_by=submitted_by,
            occurred_at=now.isoformat(), due_at=(now + sla(kind)).isoformat()))
        return case

    def triage(self, officer: str, by: str, now: datetime) -> None:
        self._expect({"received"}, "triage")
        if not officer.strip():
            raise ValidationFailed("name the region's officer the case is routed to", field="officer")
        self._record(CaseTriaged(officer=officer, triaged_by=by, occurred_at=now.isoformat()))

    def investigate(self, field_verification: bool, by: str, now: datetime) -> None:
        self._expect({"triaged"}, "start the investigation of")
        self._record(InvestigationStarted(field_verification=field_verification, requested_by=by,
                                          occurred_at=now.isoformat()))

    def attach_evidence(self, sha256: str, media_type: str, by: str, now: datetime) -> bool:
        """False when the same evidence is attached already (nothing recorded)."""
        self._expect({"investigating"}, "attach evidence to")
        digest = sha256.lower()
        if not SHA256.fullmatch(digest):
            raise ValidationFailed("sha256 is the evidence's SHA-256 in 64 hex digits", field="sha256")
        if any(e["sha256"] == digest for e in self.evidence):
            return False
        self._record(EvidenceAttached(sha256=digest, media_type=media_type, attached_by=by,
                                      occurred_at=now.isoformat()))
        return True

    def propose_decision(self, outcome: Outcome, reason_code: str, by: str, now: datetime) -> None:
        self._expect({"investigating"}, "propose a decision on")
        if reason_code not in REASONS[outcome]:
            raise ValidationFailed(f"an {outcome} decision gives one of {sorted(REASONS[outcome])}",
                                   field="reason_code")
        self._record(DecisionProposed(outcome=outcome, reason_code=reason_code, proposed_by=by,
                                      occurred_at=now.isoformat()))

    def decide(self, by: str, now: datetime) -> None:
        """Confirm the proposal. An upheld decision changes data elsewhere: its proposer cannot confirm it."""
        self._expect({"investigating"}, "decide")
        proposal = self.proposal
        if proposal is None:
            raise InvalidTransition("no decision is proposed yet", field="status", status_now=self.status)
        if proposal.outcome == "upheld" and by == proposal.proposed_by:
            raise Forbidden("the officer who proposed upholding the case cannot also decide it (four eyes)",
                            field="decided_by")
        follow_up = follow_up_of(self.kind, self.category) if proposal.outcome == "upheld" else None
        self._record(CaseDecided(outcome=proposal.outcome, reason_code=proposal.reason_code,
                                 proposed_by=proposal.proposed_by, decided_by=by, appeal=self.appealed,
                                 follow_up=follow_up, occurred_at=now.isoformat()))

    def record_follow_up(self, action: FollowUpAction, result: FollowUpResult, status_code: int | None,
                         detail: str, now: datetime) -> None:
        if self.follow_up != action:
            raise Conflict(f"this case is not waiting for {action}", field="action")
        self._record(FollowUpRecorded(action=action, result=result, status_code=status_code, detail=detail,
                                      occurred_at=now.isoformat()))

    def close(self, by: str, now: datetime) -> None:
        self._expect({"decided"}, "close")
        if self.follow_up is not None:
            raise InvalidTransition("the owning service has not answered this case's follow-up yet",
                                    field="status", follow_up=self.follow_up)
        self._record(CaseClosed(closed_by=by, occurred_at=now.isoformat()))

    def appeal(self, by: str, now: datetime) -> None:
        """Once, after the decision: the case is investigated again with a new deadline."""
        self._expect({"decided", "closed"}, "appeal")
        if self.appealed:
            raise Conflict("this case was appealed already; a case has one appeal", field="status")
        if self.follow_up is not None:
            raise InvalidTransition("wait for the owning service to answer the decision's follow-up",
                                    field="status")
        due = now + timedelta(days=APPEAL_SLA_DAYS)
        self._record(CaseAppealed(appealed_by=by, occurred_at=now.isoformat(), due_at=due.isoformat()))

    def check_sla(self, now: datetime) -> list[str]:
        """Warn before the deadline and report its breach, once each per deadline; what was recorded."""
        if self.status not in OPEN or not self.due_at:
            return []
        due = datetime.fromisoformat(self.due_at)
        recorded: list[str] = []
        if now >= due - WARN_BEFORE and self.warned_for != self.due_at:
            self._record(SlaWarningRaised(due_at=self.due_at, occurred_at=now.isoformat()))
            recorded.append("warning")
        if now >= due and self.breached_for != self.due_at:
            self._record(SlaBreached(due_at=self.due_at, occurred_at=now.isoformat()))
            recorded.append("breach")
        return recorded

    def erase_personal_data(self, by: str, now: datetime) -> None:
        if self.erased:
            raise Conflict("this case's personal data was erased already", field="case_id")
        self._record(PersonalDataErased(erased_by=by, occurred_at=now.isoformat()))

    def _expect(self, statuses: set[str], action: str) -> None:
        if self.status not in statuses:
            raise InvalidTransition(f"cannot {action} a case that is {self.status}", field="status",
                                    status_now=self.status)

    # -- state -------------------------------------------------------------------------------------------
    def apply_case_received(self, e: CaseReceived) -> None:
        self.kind, self.category, self.channel, self.region_code = e.kind, e.category, e.channel, e.region_code
        self.tracking_number, self.subject_ref, self.anonymous = e.tracking_number, e.subject_ref, e.anonymous
        self.sealed_details, self.sealed_reporter = e.sealed_details, e.sealed_reporter
        self.status, self.received_at, self.due_at = "received", e.occurred_at, e.due_at

    def apply_case_triaged(self, e: CaseTriaged) -> None:
        self.status, self.officer = "triaged", e.officer

    def apply_investigation_started(self, e: InvestigationStarted) -> None:
        self.status = "investigating"

    def apply_evidence_attached(self, e: EvidenceAttached) -> None:
        self.evidence.append({"sha256": e.sha256, "media_type": e.media_type, "attached_at": e.occurred_at})

    def apply_decision_proposed(self, e: DecisionProposed) -> None:
        self.proposal = e

    def apply_case_decided(self, e: CaseDecided) -> None:
        self.status, self.outcome, self.reason_code = "decided", e.outcome, e.reason_code
        self.decided_by, self.decided_at, self.proposal, self.follow_up = e.decided_by, e.occurred_at, None, e.follow_up

    def apply_follow_up_recorded(self, e: FollowUpRecorded) -> None:
        self.follow_up = None
        self.follow_ups.append({"action": e.action, "result": e.result, "status_code": e.status_code,
                                "detail": e.detail, "at": e.occurred_at})

    def apply_case_closed(self, e: CaseClosed) -> None:
        self.status, self.closed_at = "closed", e.occurred_at

    def apply_case_appealed(self, e: CaseAppealed) -> None:
        self.status, self.appealed, self.due_at, self.closed_at = "investigating", True, e.due_at, None

    def apply_sla_warning_raised(self, e: SlaWarningRaised) -> None:
        self.warned_for = e.due_at

    def apply_sla_breached(self, e: SlaBreached) -> None:
        self.breached_for = e.due_at

    def apply_personal_data_erased(self, e: PersonalDataErased) -> None:
        self.erased, self.sealed_details, self.sealed_reporter = True, "", None
