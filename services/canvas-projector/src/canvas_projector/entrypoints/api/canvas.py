"""The canvas as JSON (`/canvas`), for the platform or one approved program, as of a date (the portal's page is
`portal/canvas_pages.py`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from canvas_projector.adapters.read_models import CanvasFacts
from canvas_projector.application import queries
from canvas_projector.entrypoints.api.deps import ReadDep
from canvas_projector.entrypoints.api.portal.canvas_pages import router as pages
from gotong.api.answers import Answer
from gotong.api.problem import problem_responses
from gotong.messaging.topics import events_topic


class Evidence(Answer):
    """What an item rests on: the topic that published it, how many records, how many rupiah, some keys."""

    source: str = Field(examples=[events_topic("disbursement")])
    count: int
    amount: int
    keys: list[str]


class CanvasItem(Answer):
    key: str = Field(description="what the item says (its words: `label`, from `key` and `params`)",
                     examples=["recipients"])
    approach: Literal["dtsen", "csr", "social-enterprise", "triple-helix"]
    evidence: Evidence
    params: dict[str, Any]
    label: str = Field(examples=["Rumah tangga desil 1-4 penerima bantuan"])


class Indicators(Answer):
    """How the programs keep going (shares from 0 to 1; None: nothing to measure yet)."""

    non_one_off_funding_share: float | None
    enterprise_self_sufficiency: float | None
    enterprise_jobs_vulnerable_share: float | None
    graduations: int
    partners_per_strand: dict[str, int | None] = Field(
        examples=[{"government": 2, "campus": 1, "industry": 3, "community": None}])
    csr_companies: int | None
    helix_complete_share: float | None
    registry_verified_share: float | None


class CanvasAnswer(Answer):
    """The nine blocks of the Business Model Canvas, each a list of items with approach and evidence."""

    scope: str = Field(examples=["platform", "PKH"])
    as_of: str | None = Field(examples=["2026-11-30"])
    indicators: Indicators
    households: int = Field(description="households the scope reached")
    blocks: dict[str, list[CanvasItem]] = Field(description="customer_segments, value_propositions, channels, "
                                                "customer_relationships, revenue_streams, key_resources, "
                                                "key_activities, key_partners, cost_structure")


router = APIRouter(tags=["canvas"])
Program = Annotated[str, Query(max_length=50, description="program code; default: the whole platform")]
AsOf = Annotated[date | None, Query(description="the canvas as it stood at the end of this day (UTC)")]


@router.get("/canvas", summary="Business Model Canvas: nine blocks with approach tags and evidence",
            response_model=CanvasAnswer, responses=problem_responses(404))
async def canvas(sql: ReadDep, program: Program = "platform", as_of: AsOf = None) -> dict[str, Any]:
    return await queries.canvas(CanvasFacts(sql), program, as_of)


router.include_router(pages)  # the portal's canvas, map and time pages (not in the OpenAPI document)
