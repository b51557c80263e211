"""What the public transparency and open data API answers: typed models for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gotong.api.answers import Answer


class CheckpointEntry(Answer):
    """A signed checkpoint of the transparency log: tree size, root hash (base64) and the C2SP signed note."""

    size: int = Field(ge=0)
    root: str
    note: str
    signed_at: str


class InclusionProof(Answer):
    index: int
    size: int
    proof: list[str] = Field(description="base64 hashes, leaf to root")


class ConsistencyProof(Answer):
    old: int
    new: int
    proof: list[str]


class Receipt(Answer):
    """Everything needed to verify a payment record offline against a signed checkpoint."""

    record: dict[str, Any]
    leaf_index: int
    tree_size: int
    inclusion_proof: list[str]
    checkpoint: str
    verifier_key: str


class ProvincePayments(Answer):
    province_code: str
    province: str
    households: int
    amount_idr: int


class CompanyCsr(Answer):
    company: str
    sector: str | None = None
    tjsl_mandatory: bool | None = None
    pledged_idr: int
    deposited_idr: int
    allocated_idr: int
    spent_idr: int


def download(model: type[Answer], what: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a `.csv`/`.json` download: a list of `model` as JSON, or the same rows as CSV."""
    return {200: {"description": f"{what}: a JSON array (.json) or CSV with a header row (.csv)",
                  "content": {"application/json": {"schema": {"type": "array", "items": {
                      "$ref": f"#/components/schemas/{model.__name__}"}}},
                      "text/csv": {"schema": {"type": "string"}}}}}
