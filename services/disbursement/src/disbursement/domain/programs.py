"""Programs as configuration: funding, benefit formula and versioned eligibility rules (declarative data).

A program definition is plain JSON (see `disbursement/programs/*.json`); these models validate it. Rules are
evaluated by `eligibility.evaluate`, which also says *why* for every decision.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gotong.domain.bounds import INT16_MAX, PositiveRupiah, Rupiah

Component = Literal["pregnant", "early_childhood", "sd", "smp", "sma", "severe_disability", "elderly"]
COMPONENT_WORDS: dict[str, str] = {
    "pregnant": "ibu hamil/nifas", "early_childhood": "anak usia dini 0-6", "sd": "anak SD", "smp": "anak SMP",
    "sma": "anak SMA", "severe_disability": "disabilitas berat", "elderly": "lanjut usia 60+",
}


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=60, description="stable rule id, cited in explanations")
    description: str = Field(min_length=1, max_length=300, description="the rule in plain words (Bahasa Indonesia)")


class DesilBand(_Rule):
    kind: Literal["desil_band"] = "desil_band"
    min: int = Field(default=1, ge=1, le=10)
    max: int = Field(ge=1, le=10)


class InRegions(_Rule):
    """Household lives in one of these provinces, regencies or villages (Kepmendagri codes, prefix match)."""

    kind: Literal["region"] = "region"
    codes: list[str] = Field(min_length=1)


class Verification(_Rule):
    """Verified households qualify; those in `hold` are held (not dropped) until cleared; others fail."""

    kind: Literal["verification"] = "verification"
    allowed: list[str] = Field(default_factory=lambda: ["verified"])
    hold: list[str] = Field(default_factory=lambda: ["under_review", "flagged"])


class Composition(_Rule):
    """At least `min_members` members (alive and present at the cut-off) carry one of `any_of` components;
    an empty `any_of` counts every member."""

    kind: Literal["composition"] = "composition"
    any_of: list[Component] = Field(default_factory=list)
    min_members: int = Field(default=1, ge=1, le=INT16_MAX)


class ExcludePrograms(_Rule):
    """Not for households with an entitlement in these programs for the same period."""

    kind: Literal["exclude_programs"] = "exclude_programs"
    codes: list[str] = Field(min_length=1)


Rule = Annotated[DesilBand | InRegions | Verification | Composition | ExcludePrograms, Field(discriminator="kind")]


class FlatBenefit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["flat"] = "flat"
    amount: PositiveRupiah = Field(description="rupiah per household per cycle")


class MonthlyBenefit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["monthly"] = "monthly"
    amount_per_month: PositiveRupiah = Field(description="rupiah")
    months_per_cycle: int = Field(default=3, ge=1, le=12)


class PerMemberBenefit(BaseModel):
    """Annual amounts per member component, paid in tranches; each member counts once (their highest
    component), and at most `cap_members` members count (the highest ones)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["per_member"] = "per_member"
    annual: dict[Component, PositiveRupiah]
    cap_members: int = Field(default=4, ge=1, le=INT16_MAX)
    tranches_per_year: int = Field(default=4, ge=1, le=12)

    @model_validator(mode="after")
    def _amounts(self) -> PerMemberBenefit:
        for component, amount in self.annual.items():
            if amount <= 0 or amount % self.tranches_per_year:
                raise ValueError(f"annual amount for {component} must be positive and divide into "
                                 f"{self.tranches_per_year} tranches in whole rupiah")
        return self


Benefit = Annotated[FlatBenefit | MonthlyBenefit | PerMemberBenefit, Field(discriminator="kind")]


class ProgramDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$", description="e.g. PKH, BPNT, BLT-DD")
    name: str = Field(min_length=2, max_length=200)
    funding_source: Literal["apbn", "apbd", "csr"]
    csr_allocation_id: str | None = None
    csr_more_allocation_ids: list[str] = Field(
        default_factory=list, max_length=100,
        description="further companies' approved allocations to this CSR program, oldest first (set by the ledger)")
    budget: Rupiah = Field(description="rupiah available to the program for its cycles")
    rule_version: str = Field(min_length=1, max_length=40, description="bumped whenever rules or formula change")
    eligibility_summary: str = Field(min_length=1, max_length=1000)
    rules: list[Rule] = Field(min_length=1)
    benefit: Benefit

    @model_validator(mode="after")
    def _consistent(self) -> ProgramDefinition:
        if (self.funding_source == "csr") != (self.csr_allocation_id is not None):
            raise ValueError("csr_allocation_id is required for, and only for, CSR-funded programs")
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        for r in self.rules:
            if isinstance(r, DesilBand) and r.min > r.max:
                raise ValueError(f"rule {r.id}: desil min is above max")
        return self

    def desil_band(self) -> tuple[int, int] | None:
        bands = [(r.min, r.max) for r in self.rules if isinstance(r, DesilBand)]
        if not bands:
            return None
        return max(b[0] for b in bands), min(b[1] for b in bands)

    def region_prefixes(self) -> list[str] | None:
        regions = [r for r in self.rules if isinstance(r, InRegions)]
        return list(regions[0].codes) if len(regions) == 1 else None

    def needs_members(self) -> bool:
        """Whether deciding needs each member's facts (components); presence alone is a replica column."""
        return isinstance(self.benefit, PerMemberBenefit) or any(
            isinstance(r, Composition) and (r.any_of or r.min_members > 1) for r in self.rules)

    def excluded_programs(self) -> list[str]:
        return [c for r in self.rules if isinstance(r, ExcludePrograms) for c in r.codes]
