"""The Project aggregate: a joint Triple Helix project with partners, contributions, milestones and KPIs.

It is `running` until it is `completed` (no open milestone left) or `cancelled`; both are final.
Contributions are commitments by a partner on the project; deliveries count against them and never exceed
what was committed (commit more first). Money is int rupiah; in-kind help carries an estimated rupiah value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import InvalidTransition, NotFound, ValidationFailed
from partnership.domain.events import (
    AgreementLinked,
    ContributionCommitted,
    ContributionDelivered,
    KpiDefined,
    KpiMeasured,
    MilestoneBecameOverdue,
    MilestoneCompleted,
    MilestonePlanned,
    MilestoneRescheduled,
    OutcomeRecorded,
    PartnerJoined,
    PartyTerm,
    ProjectCancelled,
    ProjectChanged,
    ProjectCompleted,
    ProjectShare,
    ProjectStarted,
)
from partnership.domain.helix import AgreementFacts, HelixAssessment, PartnerFacts, assess
from partnership.domain.values import ContributionKind, check_evidence


@dataclass
class Contribution:
    partner_id: str
    kind: ContributionKind
    description: str
    value_rupiah: int
    quantity: float | None
    unit: str | None
    delivered_rupiah: int = 0
    delivered_quantity: float = 0.0
    deliveries: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Milestone:
    title: str
    due_on: date
    done_on: date | None = None
    evidence_sha256: str | None = None
    evidence_url: str | None = None
    flagged_overdue_on: date | None = None

    def state_on(self, day: date) -> str:
        """done, overdue (open past its due date) or due (open, not late yet)."""
        if self.done_on is not None:
            return "done"
        return "overdue" if day > self.due_on else "due"


@dataclass
class Kpi:
    name: str
    unit: str
    baseline: float
    target: float
    measurements: list[dict[str, Any]] = field(default_factory=list)

    @property
    def actual(self) -> float | None:
        return self.measurements[-1]["value"] if self.measurements else None

    @property
    def progress(self) -> float | None:
        """Share of the way from baseline to target (1.0 = reached; works for targets below the baseline)."""
        if self.actual is None or self.target == self.baseline:
            return None
        return round((self.actual - self.baseline) / (self.target - self.baseline), 4)


class Project(Aggregate):
    stream_type: ClassVar[str] = "project"

    def __init__(self, id: UUID) -> None:
        super().__init__(id)
        self.initial_state()

    def initial_state(self) -> None:
        self.title = ""
        self.goals: list[str] = []
        self.region_code = ""
        self.budget = 0
        self.sdgs: list[int] = []
        self.starts_on = date.min
        self.ends_on: date | None = None
        self.status = "running"
        self.partners: dict[str, str] = {}  # partner id -> role
        self.agreement_ids: list[str] = []
        self.contributions: dict[str, Contribution] = {}
        self.milestones: dict[str, Milestone] = {}
        self.kpis: dict[str, Kpi] = {}
        self.outcomes: list[dict[str, Any]] = []
        self.closed_on: date | None = None
        self.closing_note: str | None = None
        self.published_version = 0  # the version of its last ProjectChanged
        self.helix_complete = False  # as judged by its last ProjectChanged

    @classmethod
    def start(cls, id: UUID, *, title: str, goals: list[str], region_code: str, budget: int, sdgs: list[int],
              starts_on: date, ends_on: date | None, partners: list[PartyTerm], agreement_ids: list[str]) -> Project:
        if ends_on is not None and ends_on < starts_on:
            raise ValidationFailed("the project must end on or after it starts", field="ends_on")
        if any(not 1 <= s <= 17 for s in sdgs):
            raise ValidationFailed("SDGs are numbered 1 to 17", field="sdgs")
        ids = [p.partner_id for p in partners]
        for i, pid in enumerate(ids):
            if pid in ids[:i]:
                raise ValidationFailed("a partner is listed twice", field=f"partners.{i}.partner_id")
        if len(set(agreement_ids)) != len(agreement_ids):
            raise ValidationFailed("an agreement is listed twice", field="agreement_ids")
        project = cls(id)
        project._record(ProjectStarted(title=title, goals=goals, region_code=region_code, budget=budget, sdgs=sdgs,
                                       starts_on=starts_on, ends_on=ends_on, partners=partners,
                                       agreement_ids=agreement_ids))
        return project

    def _running(self, what: str) -> None:
        if self.status != "running":
            raise InvalidTransition(f"the project is {self.status}; {what}", field="status")

    # -- partners and agreements ----------------------------------------------------------------------

    def add_partner(self, partner_id: str, role: str) -> None:
        self._running("no partner can join")
        if partner_id in self.partners:
            raise InvalidTransition("this partner is on the project already", field="partner_id")
        self._record(PartnerJoined(partner_id=partner_id, role=role))

    def link_agreement(self, agreement_id: str) -> None:
        self._running("no agreement can be linked")
        if agreement_id in self.agreement_ids:
            raise InvalidTransition("this agreement is linked already", field="agreement_id")
        self._record(AgreementLinked(agreement_id=agreement_id))

    # -- contributions --------------------------------------------------------------------------------

    def commit_contribution(self, contribution_id: str, *, partner_id: str, kind: ContributionKind,
                            description: str, value_rupiah: int, quantity: float | None, unit: str | None) -> None:
        self._running("no contribution can be committed")
        if partner_id not in self.partners:
            raise InvalidTransition("this partner is not on the project; add it first", field="partner_id")
        if kind == "money" and value_rupiah <= 0:
            raise ValidationFailed("a money contribution needs an amount in rupiah above zero", field="value_rupiah")
        if value_rupiah < 0:
            raise ValidationFailed("the value cannot be negative", field="value_rupiah")
        if (quantity is None) != (unit is None):
            raise ValidationFailed("give a quantity together with its unit", field="unit" if unit is None
                                   else "quantity")
        if quantity is not None and quantity <= 0:
            raise ValidationFailed("the quantity must be above zero", field="quantity")
        if value_rupiah == 0 and quantity is None:
            raise ValidationFailed("give an estimated rupiah value, a quantity with its unit, or both",
                                   field="value_rupiah")
        self._record(ContributionCommitted(contribution_id=contribution_id, partner_id=partner_id, kind=kind,
                                           description=description, value_rupiah=value_rupiah, quantity=quantity,
                                           unit=unit))

    def deliver_contribution(self, contribution_id: str, *, value_rupiah: int, quantity: float | None,
                             delivered_on: date, evidence_sha256: str | None) -> None:
        self._running("no delivery can be recorded")
        c = self.contributions.get(contribution_id)
        if c is None:
            raise NotFound(f"contribution {contribution_id} is not on this project", field="contribution_id")
        if value_rupiah < 0 or (quantity is not None and quantity < 0):
            raise ValidationFailed("a delivery cannot be negative", field="value_rupiah")
        if value_rupiah == 0 and not quantity:
            raise ValidationFailed("a delivery needs a rupiah value or a quantity", field="value_rupiah")
        if quantity and c.quantity is None:
            raise ValidationFailed("this contribution was committed without a quantity", field="quantity")
        if c.delivered_rupiah + value_rupiah > c.value_rupiah:
            raise InvalidTransition(
                f"this would deliver Rp {c.delivered_rupiah + value_rupiah:,} of Rp {c.value_rupiah:,} committed; "
                "commit more first".replace(",", "."), field="value_rupiah")
        if quantity and c.quantity is not None and c.delivered_quantity + quantity > c.quantity + 1e-9:
            raise InvalidTransition(f"this would deliver {c.delivered_quantity + quantity:g} of {c.quantity:g} "
                                    f"{c.unit} committed; commit more first", field="quantity")
        digest = check_evidence(evidence_sha256, None, "evidence_sha256") if evidence_sha256 else None
        self._record(ContributionDelivered(contribution_id=contribution_id, value_rupiah=value_rupiah,
                                           quantity=quantity, delivered_on=delivered_on, evidence_sha256=digest))

    # -- milestones -----------------------------------------------------------------------------------

    def _milestone(self, milestone_id: str) -> Milestone:
        m = self.milestones.get(milestone_id)
        if m is None:
            raise NotFound(f"milestone {milestone_id} is not on this project", field="milestone_id")
        return m

    def plan_milestone(self, milestone_id: str, title: str, due_on: date) -> None:
        self._running("no milestone can be planned")
        if due_on < self.starts_on:
            raise ValidationFailed(f"the project starts on {self.starts_on}; a milestone cannot be due before",
                                   field="due_on")
        self._record(MilestonePlanned(milestone_id=milestone_id, title=title, due_on=due_on))

    def reschedule_milestone(self, milestone_id: str, due_on: date, reason: str) -> None:
        self._running("milestones cannot change")
        m = self._milestone(milestone_id)
        if m.done_on is not None:
            raise InvalidTransition(f"the milestone was done on {m.done_on}", field="milestone_id")
        if due_on < self.starts_on:
            raise ValidationFailed(f"the project starts on {self.starts_on}", field="due_on")
        self._record(MilestoneRescheduled(milestone_id=milestone_id, due_on=due_on, reason=reason))

    def complete_milestone(self, milestone_id: str, done_on: date, evidence_sha256: str | None,
                           evidence_url: str | None) -> None:
        self._running("milestones cannot change")
        m = self._milestone(milestone_id)
        if m.done_on is not None:
            raise InvalidTransition(f"the milestone was done on {m.done_on} already", field="milestone_id")
        digest = check_evidence(evidence_sha256, evidence_url)
        self._record(MilestoneCompleted(milestone_id=milestone_id, done_on=done_on, evidence_sha256=digest,
                                        evidence_url=evidence_url))

    def flag_overdue(self, as_of: date) -> list[str]:
        """Record each open milestone that is past due on `as_of` and not flagged yet; returns their ids."""
        if self.status != "running":
            return []
        late = [mid for mid, m in self.milestones.items()
                if m.state_on(as_of) == "overdue" and m.flagged_overdue_on is None]
        for mid in late:
            self._record(MilestoneBecameOverdue(milestone_id=mid, as_of=as_of))
        return late

    # -- KPIs and outcomes ----------------------------------------------------------------------------

    def define_kpi(self, code: str, name: str, unit: str, baseline: float, target: float) -> None:
        self._running("no KPI can be defined")
        if code in self.kpis:
            raise InvalidTransition(f"KPI {code} is defined already", field="code")
        if target == baseline:
            raise ValidationFailed("the target must differ from the baseline", field="target")
        self._record(KpiDefined(code=code, name=name, unit=unit, baseline=baseline, target=target))

    def measure_kpi(self, code: str, value: float, measured_on: date, evidence_sha256: str | None) -> None:
        self._running("no KPI can be measured")
        kpi = self.kpis.get(code)
        if kpi is None:
            raise NotFound(f"KPI {code} is not defined on this project", field="code")
        if kpi.measurements and measured_on < kpi.measurements[-1]["measured_on"]:
            raise ValidationFailed(f"the last measurement is of {kpi.measurements[-1]['measured_on']}; "
                                   "measurements go forward in time", field="measured_on")
        digest = check_evidence(evidence_sha256, None, "evidence_sha256") if evidence_sha256 else None
        self._record(KpiMeasured(code=code, value=value, measured_on=measured_on, evidence_sha256=digest))

    def record_outcome(self, outcome_id: str, statement: str, recorded_on: date) -> None:
        if self.status == "cancelled":
            raise InvalidTransition("the project is cancelled; it has no outcomes", field="status")
        self._record(OutcomeRecorded(outcome_id=outcome_id, statement=statement, recorded_on=recorded_on))

    # -- closing --------------------------------------------------------------------------------------

    def complete(self, completed_on: date, summary: str) -> None:
        self._running("only a running project can be completed")
        still_open = [m.title for m in self.milestones.values() if m.done_on is None]
        if still_open:
            raise InvalidTransition(f"milestones still open: {'; '.join(still_open)}", field="milestones")
        self._record(ProjectCompleted(completed_on=completed_on, summary=summary))

    def cancel(self, cancelled_on: date, reason: str) -> None:
        self._running("only a running project can be cancelled")
        self._record(ProjectCancelled(cancelled_on=cancelled_on, reason=reason))

    # -- what the others hear -------------------------------------------------------------------------

    def helix(self, partners: Mapping[str, PartnerFacts], agreements: Sequence[AgreementFacts],
              as_of: date) -> HelixAssessment:
        return assess(list(self.partners), partners, agreements, as_of)

    def announce(self, change: str, partners: Mapping[str, PartnerFacts], agreements: Sequence[AgreementFacts],
                 as_of: date, now: str, *, published_before: int = 0) -> ProjectChanged:
        """Record the project's public state after `change`, with the Triple Helix judged as of `as_of` from the
        facts of its partners and agreements. `published_before`: how many were published before this stream
        recorded them (a project from before, whose announcements went to a separate stream)."""
        helix = self.helix(partners, agreements, as_of)
        totals = self.totals_by_partner()
        counts = self.milestone_counts(as_of)
        event = ProjectChanged(
            project_id=str(self.id), version=max(self.published_version, published_before) + 1, change=change,
            title=self.title, status=self.status if self.status in ("completed", "cancelled") else "running",
            region_code=self.region_code, province_code=self.region_code[:2], budget=self.budget, sdgs=self.sdgs,
            agreement_ids=list(self.agreement_ids),
            partners=[ProjectShare(partner_id=p, strand=partners[p].strand, role=role,
                                   committed_rupiah=totals[p]["committed_rupiah"],
                                   delivered_rupiah=totals[p]["delivered_rupiah"])
                      for p, role in self.partners.items() if p in partners],
            strands_present=helix.present, helix_complete=helix.complete, helix_missing=helix.missing,
            committed_rupiah=sum(t["committed_rupiah"] for t in totals.values()),
            delivered_rupiah=sum(t["delivered_rupiah"] for t in totals.values()),
            milestones_done=counts["done"], milestones_due=counts["due"], milestones_overdue=counts["overdue"],
            as_of=as_of, occurred_at=now)
        self._record(event)
        return event

    # -- apply ----------------------------------------------------------------------------------------

    def apply_project_started(self, e: ProjectStarted) -> None:
        self.title, self.goals, self.region_code, self.budget = e.title, list(e.goals), e.region_code, e.budget
        self.sdgs, self.starts_on, self.ends_on = list(e.sdgs), e.starts_on, e.ends_on
        self.partners = {p.partner_id: p.role for p in e.partners}
        self.agreement_ids = list(e.agreement_ids)

    def apply_partner_joined(self, e: PartnerJoined) -> None:
        self.partners[e.partner_id] = e.role

    def apply_agreement_linked(self, e: AgreementLinked) -> None:
        self.agreement_ids.append(e.agreement_id)

    def apply_contribution_committed(self, e: ContributionCommitted) -> None:
        self.contributions[e.contribution_id] = Contribution(e.partner_id, e.kind, e.description, e.value_rupiah,
                                                             e.quantity, e.unit)

    def apply_contribution_delivered(self, e: ContributionDelivered) -> None:
        c = self.contributions[e.contribution_id]
        c.delivered_rupiah += e.value_rupiah
        c.delivered_quantity += e.quantity or 0.0
        c.deliveries.append({"value_rupiah": e.value_rupiah, "quantity": e.quantity,
                             "delivered_on": e.delivered_on.isoformat(), "evidence_sha256": e.evidence_sha256})

    def apply_milestone_planned(self, e: MilestonePlanned) -> None:
        self.milestones[e.milestone_id] = Milestone(e.title, e.due_on)

    def apply_milestone_rescheduled(self, e: MilestoneRescheduled) -> None:
        m = self.milestones[e.milestone_id]
        m.due_on, m.flagged_overdue_on = e.due_on, None

    def apply_milestone_completed(self, e: MilestoneCompleted) -> None:
        m = self.milestones[e.milestone_id]
        m.done_on, m.evidence_sha256, m.evidence_url = e.done_on, e.evidence_sha256, e.evidence_url

    def apply_milestone_became_overdue(self, e: MilestoneBecameOverdue) -> None:
        self.milestones[e.milestone_id].flagged_overdue_on = e.as_of

    def apply_kpi_defined(self, e: KpiDefined) -> None:
        self.kpis[e.code] = Kpi(e.name, e.unit, e.baseline, e.target)

    def apply_kpi_measured(self, e: KpiMeasured) -> None:
        self.kpis[e.code].measurements.append({"value": e.value, "measured_on": e.measured_on,
                                               "evidence_sha256": e.evidence_sha256})

    def apply_outcome_recorded(self, e: OutcomeRecorded) -> None:
        self.outcomes.append({"id": e.outcome_id, "statement": e.statement,
                              "recorded_on": e.recorded_on.isoformat()})

    def apply_project_completed(self, e: ProjectCompleted) -> None:
        self.status, self.closed_on, self.closing_note = "completed", e.completed_on, e.summary

    def apply_project_cancelled(self, e: ProjectCancelled) -> None:
        self.status, self.closed_on, self.closing_note = "cancelled", e.cancelled_on, e.reason

    def apply_project_changed(self, e: ProjectChanged) -> None:
        self.published_version, self.helix_complete = e.version, e.helix_complete

    # -- views ----------------------------------------------------------------------------------------

    def totals_by_partner(self) -> dict[str, dict[str, Any]]:
        """Per partner on the project: committed and delivered rupiah, overall and by contribution kind."""
        out: dict[str, dict[str, Any]] = {p: {"committed_rupiah": 0, "delivered_rupiah": 0, "by_kind": {}}
                                          for p in self.partners}
        for c in self.contributions.values():
            row = out.setdefault(c.partner_id, {"committed_rupiah": 0, "delivered_rupiah": 0, "by_kind": {}})
            row["committed_rupiah"] += c.value_rupiah
            row["delivered_rupiah"] += c.delivered_rupiah
            kind = row["by_kind"].setdefault(c.kind, {"committed_rupiah": 0, "delivered_rupiah": 0})
            kind["committed_rupiah"] += c.value_rupiah
            kind["delivered_rupiah"] += c.delivered_rupiah
        for row in out.values():
            row["outstanding_rupiah"] = row["committed_rupiah"] - row["delivered_rupiah"]
        return out

    def milestone_counts(self, day: date) -> dict[str, int]:
        counts = {"done": 0, "due": 0, "overdue": 0}
        for m in self.milestones.values():
            counts[m.state_on(day)] += 1
        return counts

    def view(self) -> dict[str, Any]:
        """Its state with the contributions totalled per partner (what the API answers and the read table keeps)."""
        totals = self.totals_by_partner()
        return {**self.to_state(), "contribution_totals": totals,
                "committed_rupiah": sum(t["committed_rupiah"] for t in totals.values()),
                "delivered_rupiah": sum(t["delivered_rupiah"] for t in totals.values())}

    def to_state(self) -> dict[str, Any]:
        def milestone(mid: str, m: Milestone) -> dict[str, Any]:
            d = asdict(m)
            return {"id": mid, **{k: v.isoformat() if isinstance(v, date) else v for k, v in d.items()}}

        def kpi(code: str, k: Kpi) -> dict[str, Any]:
            return {"code": code, "name": k.name, "unit": k.unit, "baseline": k.baseline, "target": k.target,
                    "actual": k.actual, "progress": k.progress,
                    "measurements": [{**m, "measured_on": m["measured_on"].isoformat()} for m in k.measurements]}

        return {"id": str(self.id), "title": self.title, "goals": list(self.goals), "region_code": self.region_code,
                "budget": self.budget, "sdgs": list(self.sdgs), "starts_on": self.starts_on.isoformat(),
                "ends_on": self.ends_on.isoformat() if self.ends_on else None, "status": self.status,
                "partners": [{"partner_id": p, "role": r} for p, r in self.partners.items()],
                "agreement_ids": list(self.agreement_ids),
                "contributions": [{"id": cid, **asdict(c)} for cid, c in self.contributions.items()],
                "milestones": [milestone(mid, m) for mid, m in self.milestones.items()],
                "kpis": [kpi(code, k) for code, k in self.kpis.items()], "outcomes": list(self.outcomes),
                "closed_on": self.closed_on.isoformat() if self.closed_on else None,
                "closing_note": self.closing_note, "version": self.version}
