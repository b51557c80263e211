"""The social enterprise: who it is, what it is for, its review status, and the households it employs or serves.

Status: registered -> verified (by an officer other than the registrant) -> active <-> suspended.
Pure: the time (`now`, `today`) and what the registry knows of a household are passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from uuid import UUID, uuid5

from enterprise.domain.catalogue import (
    GROUPS,
    LEGAL_FORMS,
    REASONS,
    Action,
    EnterpriseStatus,
    Group,
    LegalForm,
    Relation,
    SuspensionReason,
)
from enterprise.domain.events import (
    EnterpriseProfileUpdated,
    EnterpriseRegistered,
    EnterpriseStatusChanged,
    HouseholdLinked,
    HouseholdLinkEnded,
    events,
)
from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed

NAMESPACE = UUID("6f1d3a52-8a7e-4c1b-9a63-2f0e9b7c4d18")
__all__ = ["GROUPS", "LEGAL_FORMS", "NAMESPACE", "REASONS", "TRANSITIONS", "Action", "Enterprise", "Link",
           "Relation", "RegistryStanding", "check_household_ref", "check_nib", "check_sdgs", "enterprise_id_for",
           "events"]

#: action -> (statuses it starts from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], EnterpriseStatus]] = {
    "verify": (frozenset({"registered"}), "verified"),
    "activate": (frozenset({"verified"}), "active"),
    "suspend": (frozenset({"active"}), "suspended"),
    "reinstate": (frozenset({"suspended"}), "active"),
}
_WHY_NOT: dict[tuple[str, str], str] = {
    ("verify", "verified"): "it is verified already",
    ("verify", "active"): "it is active: it was verified already",
    ("verify", "suspended"): "it is suspended: it was verified already; reinstate it instead",
    ("activate", "registered"): "it must be verified by ops first",
    ("activate", "active"): "it is active already",
    ("activate", "suspended"): "it is suspended: use reinstate",
    ("suspend", "registered"): "only an active enterprise can be suspended; this one is not verified yet",
    ("suspend", "verified"): "only an active enterprise can be suspended; activate it first",
    ("suspend", "suspended"): "it is suspended already",
    ("reinstate", "registered"): "only a suspended enterprise can be reinstated; this one is not verified yet",
    ("reinstate", "verified"): "only a suspended enterprise can be reinstated; this one was never suspended",
    ("reinstate", "active"): "it is active: only a suspended enterprise can be reinstated",
}


def enterprise_id_for(nib: str) -> UUID:
    """One enterprise per NIB: the stream id derives from it, so a duplicate registration is a conflict."""
    return uuid5(NAMESPACE, f"nib:{nib}")


def check_nib(nib: str) -> str:
    """NIB (Nomor Induk Berusaha, issued by OSS RBA): 13 digits."""
    if not re.fullmatch(r"\d{13}", nib):
        raise ValidationFailed("NIB must be 13 digits", field="nib")
    return nib


def check_sdgs(sdgs: list[int], field: str = "sdgs") -> list[int]:
    if not sdgs:
        raise ValidationFailed("name at least one SDG (1 to 17) the enterprise works towards", field=field)
    if any(not 1 <= s <= 17 for s in sdgs):
        raise ValidationFailed("SDGs are numbered 1 to 17", field=field)
    return sorted(set(sdgs))


def check_household_ref(ref: str) -> str:
    """The registry's pseudonymous reference; anything shaped like a NIK or KK number (16 digits) is refused,
    so no identity number is ever stored here. The message never repeats the value."""
    if re.fullmatch(r"\d{16}", ref.replace(" ", "").replace(".", "")):
        raise ValidationFailed("household_ref must be the registry's pseudonymous reference, never a NIK or KK "
                               "number", field="household_ref")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{3,63}", ref):
        raise ValidationFailed("household_ref must be 4 to 64 letters, digits, '_' or '-'", field="household_ref")
    return ref


@dataclass(frozen=True)
class RegistryStanding:
    """What the registry (through its replica here) says of a household: `registered`, `erased`, `merged` (into
    `merged_into`), or None when not replicated yet (allowed)."""

    status: str | None
    merged_into: str | None = None

    def check(self) -> str:
        """`registered` or `unknown`; an erased or merged household cannot be linked."""
        if self.status is None:
            return "unknown"
        if self.status == "erased":
            raise Conflict("this household was erased from the registry at its request (UU PDP); it cannot be "
                           "linked", field="household_ref")
        if self.status == "merged":
            raise Conflict("this household was merged into another; link the surviving reference",
                           field="household_ref", surviving_ref=self.merged_into)
        return "registered"


@dataclass
class Link:
    household_ref: str
    relation: Relation
    groups: list[str]
    started_on: date
    ended_on: date | None = None


class Enterprise(Aggregate):
    stream_type: ClassVar[str] = "enterprise"

    def initial_state(self) -> None:
        self.name = ""
        self.nib = ""
        self.legal_form: str = ""
        self.mission = ""
        self.sdgs: list[int] = []
        self.region_code = ""
        self.groups_served: list[str] = []
        self.groups_employed: list[str] = []
        self.status: EnterpriseStatus = "registered"
        self.registered_by = ""
        self.registered_at = ""
        self.updated_at = ""  # when the profile or status last changed
        self.suspension_reason: str | None = None
        self.history: list[dict[str, str | None]] = []
        self.links: dict[tuple[str, str], Link] = {}

    # -- commands ----------------------------------------------------------------------------------------
    @classmethod
    def register(cls, *, name: str, nib: str, legal_form: LegalForm, mission: str, sdgs: list[int],
                 region_code: str, groups_served: list[Group], groups_employed: list[Group], registered_by: str,
                 now: str) -> Enterprise:
        nib = check_nib(nib)
        enterprise = cls(enterprise_id_for(nib))
        enterprise.initial_state()
        enterprise._record(EnterpriseRegistered(
            name=name.strip(), nib=nib, legal_form=legal_form, mission=mission.strip(), sdgs=check_sdgs(sdgs),
            region_code=region_code, groups_served=sorted(set(groups_served)),
            groups_employed=sorted(set(groups_employed)), registered_by=registered_by, occurred_at=now))
        return enterprise

    def update_profile(self, now: str, *, name: str | None = None, legal_form: LegalForm | None = None,
                       mission: str | None = None, sdgs: list[int] | None = None, region_code: str | None = None,
                       groups_served: list[Group] | None = None, groups_employed: list[Group] | None = None) -> bool:
        """Change any of the profile fields (the NIB is the enterprise's identity and never changes).
        False when nothing differs (no event)."""
        after: dict[str, Any] = {
            "name": name.strip() if name is not None else self.name,
            "legal_form": legal_form or self.legal_form,
            "mission": mission.strip() if mission is not None else self.mission,
            "sdgs": check_sdgs(sdgs) if sdgs is not None else self.sdgs,
            "region_code": region_code or self.region_code,
            "groups_served": sorted(set(groups_served)) if groups_served is not None else self.groups_served,
            "groups_employed": sorted(set(groups_employed)) if groups_employed is not None else self.groups_employed,
        }
        changed = [k for k, v in after.items() if v != getattr(self, k)]
        if not changed:
            return False
        self._record(EnterpriseProfileUpdated(**after, changed=changed, occurred_at=now))
        return True

    def change_status(self, action: Action, officer: str, now: str, *, reason: SuspensionReason | None = None,
                      note: str | None = None) -> None:
        starts, target = TRANSITIONS[action]
        if self.status not in starts:
            raise InvalidTransition(f"cannot {action} this enterprise: {_WHY_NOT[(action, self.status)]}",
                                    field="status", status_now=self.status, action=action)
        if action == "verify" and officer == self.registered_by:
            raise Forbidden("the officer who registered an enterprise cannot verify it (four eyes)",
                            field="officer")
        if action == "suspend" and reason is None:
            raise ValidationFailed("say why the enterprise is suspended", field="reason")
        self._record(EnterpriseStatusChanged(
            action=action, previous_status=self.status, status=target, reason=reason if action == "suspend" else None,
            note=note, officer=officer, occurred_at=now))

    def link_household(self, household_ref: str, relation: Relation, groups: list[Group], started_on: date,
                       now: str, today: date) -> bool:
        """Record an employee or client household; True when this is a new job (a graduation signal)."""
        ref = check_household_ref(household_ref)
        if self.status not in ("verified", "active"):
            raise InvalidTransition(f"households can be linked to a verified or active enterprise; this one is "
                                    f"{self.status}", field="status", status_now=self.status)
        if started_on > today:
            raise ValidationFailed("started_on cannot be in the future", field="started_on")
        current = self.links.get((ref, relation))
        if current is not None and current.ended_on is None:
            raise Conflict(f"this household is linked as {relation} already", field="household_ref")
        self._record(HouseholdLinked(household_ref=ref, relation=relation, groups=sorted(set(groups)),
                                     started_on=started_on.isoformat(), region_code=self.region_code,
                                     occurred_at=now))
        return relation == "employee"

    def end_link(self, household_ref: str, relation: Relation, ended_on: date, now: str) -> None:
        current = self.links.get((household_ref, relation))
        if current is None or current.ended_on is not None:
            raise InvalidTransition(f"this household has no current {relation} link here", field="household_ref")
        if ended_on < current.started_on:
            raise ValidationFailed("ended_on is before the link started", field="ended_on")
        self._record(HouseholdLinkEnded(household_ref=household_ref, relation=relation,
                                        ended_on=ended_on.isoformat(), occurred_at=now))

    # -- state -------------------------------------------------------------------------------------------
    def apply_enterprise_registered(self, e: EnterpriseRegistered) -> None:
        self.name, self.nib, self.legal_form, self.mission = e.name, e.nib, e.legal_form, e.mission
        self.sdgs, self.region_code = list(e.sdgs), e.region_code
        self.groups_served, self.groups_employed = list(e.groups_served), list(e.groups_employed)
        self.status, self.registered_by, self.registered_at = "registered", e.registered_by, e.occurred_at
        self.updated_at = e.occurred_at
        self.history.append({"status": "registered", "at": e.occurred_at, "reason": None})

    def apply_enterprise_profile_updated(self, e: EnterpriseProfileUpdated) -> None:
        self.name, self.legal_form, self.mission = e.name, e.legal_form, e.mission
        self.sdgs, self.region_code = list(e.sdgs), e.region_code
        self.groups_served, self.groups_employed = list(e.groups_served), list(e.groups_employed)
        self.updated_at = e.occurred_at

    def apply_enterprise_status_changed(self, e: EnterpriseStatusChanged) -> None:
        if e.previous_status != self.status:
            raise ValueError(f"status event from {e.previous_status} while {self.status}")
        self.status = e.status
        self.suspension_reason = e.reason if e.status == "suspended" else None
        self.updated_at = e.occurred_at
        self.history.append({"status": e.status, "at": e.occurred_at, "reason": e.reason})

    def apply_household_linked(self, e: HouseholdLinked) -> None:
        self.links[(e.household_ref, e.relation)] = Link(e.household_ref, e.relation, list(e.groups),
                                                         date.fromisoformat(e.started_on))

    def apply_household_link_ended(self, e: HouseholdLinkEnded) -> None:
        self.links[(e.household_ref, e.relation)].ended_on = date.fromisoformat(e.ended_on)
