"""What a submission carries. Everything personal is in `details` and `reporter`, and is sealed before it is
stored; the rest are codes and references."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from grievance.domain.catalogue import Kind, Outcome

Nik = Annotated[str, StringConstraints(pattern=r"^\d{16}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Details(BaseModel):
    """Sealed under the case's key: never published, logged or answered publicly."""

    model_config = ConfigDict(extra="forbid")
    description: str = Field(min_length=1, max_length=4000, description="what happened, in your own words")
    names: list[Name] = Field(default=[], max_length=20, description="names of the people the case is about")
    niks: list[Nik] = Field(default=[], max_length=20, description="their NIKs (16 digits), if known")


class Reporter(BaseModel):
    """Who reports. For an anonymous sanggah it is not kept at all."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    nik: Nik | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?\d{8,15}$")


class CaseSubmit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    category: str = Field(max_length=40, description="see the README: e.g. inclusion, desil, not_received")
    region_code: str = Field(max_length=20, description="Kepmendagri code of the household's region")
    subject_ref: str | None = Field(default=None, max_length=64,
                                    description="household id (registry) or payment id (disbursement)")
    anonymous: bool = Field(default=False, description="a sanggah may be anonymous: the reporter is not kept")
    details: Details
    reporter: Reporter | None = None


class Triage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    officer: str = Field(min_length=1, max_length=120, description="the region's officer the case is routed to")


class Investigate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field_verification: bool = True


class Evidence(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    media_type: str = Field(default="application/octet-stream", max_length=100, pattern=r"^[\w.+-]+/[\w.+-]+$")


class Proposal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    reason_code: str = Field(max_length=40, description="a code from the README: the public sees its text")
