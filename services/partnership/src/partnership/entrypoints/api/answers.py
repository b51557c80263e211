"""What the partnership API answers: typed models for the OpenAPI document and generated clients.
Money is whole rupiah; dates are ISO dates (WIB)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gotong.api.answers import Answer


class PartnerView(Answer):
    """A partner organisation in one helix strand (government, campus, industry, community)."""

    id: str
    name: str = Field(examples=["Universitas Padjadjaran"])
    strand: str = Field(examples=["campus"])
    kind: str | None = None
    region_code: str | None = None
    nib: str | None = None
    website: str | None = None
    status: str = Field(examples=["active", "inactive"])
    deactivation_reason: str | None = None
    version: int | None = None


class Party(Answer):
    partner_id: str
    role: str | None = None


class AgreementView(Answer):
    """An agreement (MoU, PKS) between partners, with its parties, term, documents and status."""

    id: str
    kind: str | None = None
    title: str
    purpose: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None
    parties: list[Party] = []
    documents: list[Any] = []
    status: str = Field(examples=["draft", "signed", "active", "ended", "terminated"])
    version: int | None = None


class ProjectSummary(Answer):
    id: str
    title: str
    status: str
    region_code: str | None = None
    region_name: str | None = None
    budget: int | None = None
    partners: int
    agreements: int
    helix_complete: bool | None = None
    committed_rupiah: int
    delivered_rupiah: int


class ProjectView(Answer):
    """A joint project: partners, agreements, contributions, milestones, KPIs, outcomes and totals."""

    id: str
    title: str
    status: str
    region_code: str | None = None
    budget: int | None = None
    partners: list[Party] = []
    agreement_ids: list[str] = []
    contributions: list[dict[str, Any]] = []
    milestones: list[dict[str, Any]] = []
    kpis: list[dict[str, Any]] = []
    outcomes: list[Any] = []
    committed_rupiah: int | None = None
    delivered_rupiah: int | None = None
    version: int | None = None


class Contribution(Answer):
    """A partner's committed contribution (money, in kind or expertise) and what it delivered."""

    id: str
    partner_id: str | None = None


class Milestone(Answer):
    id: str
    title: str | None = None
    due_on: str | None = None


class Kpi(Answer):
    code: str
    name: str | None = None
    unit: str | None = None
    measurements: list[dict[str, Any]] = []


class Outcome(Answer):
    id: str


class StrandPresence(Answer):
    present: bool
    partners: list[Any] = []
    reasons: list[Any] | dict[str, Any] = []


class Helix(Answer):
    """Whether the project has a working Triple Helix (each strand present and counting) as of a date."""

    complete: bool
    as_of: str
    missing: list[str] = []
    present: list[str] = []
    strands: dict[str, StrandPresence] = {}


class PartnerContribution(Answer):
    partner_id: str
    name: str | None = None
    strand: str | None = None
    committed_rupiah: int | None = None
    delivered_rupiah: int | None = None
    delivered_share: float | None = None


class OverdueMilestone(Answer):
    project_id: str
    project_title: str
    region_code: str | None = None
    milestone_id: str
    title: str
    due_on: str
    days_overdue: int
    flagged: bool | None = None


class MilestoneRow(OverdueMilestone):
    """A milestone across projects: when it is due, when it was done, how many days it is overdue (0: not)."""

    project_status: str = Field(examples=["running", "completed", "cancelled"])
    done_on: str | None = None


class Flagged(Answer):
    as_of: str
    flagged: list[dict[str, Any]]


class Checks(Answer):
    as_of: str
    projects: list[dict[str, Any]]
    incomplete: int
    with_overdue_milestones: int


class Network(Answer):
    """Who works with whom: partner and project nodes, participation and collaboration edges."""

    as_of: str
    region: str | None = None
    region_name: str | None = None
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
