"""The reviewer's API: the queue, one video's release state, and decisions with a reason."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from adapters.review_actions import carry_out
from adapters.web import spec
from adapters.web.auth import CurrentCaller, Role, caller_role
from adapters.web.errors import ApiError
from adapters.web.readside import ReadSide
from domain.errors import ClaimHeld, DomainError, VideoNotFound
from domain.review import Decision, Release


class ReviewRequest(BaseModel):
    """A reviewer's decision on one video."""

    decision: Decision
    reason: str = Field(min_length=1, max_length=500, description="Why (never patient data).")


def review_router(read: ReadSide) -> APIRouter:
    """The ``/api`` review routes; reading needs a token, deciding a reviewer's."""
    router = APIRouter(prefix="/api", dependencies=[Depends(caller_role)])

    @router.get(
        "/whoami",
        summary="The caller's name and role (what the page may offer)",
        responses=spec.WHOAMI,
    )
    def whoami(caller: CurrentCaller) -> JSONResponse:
        return JSONResponse({"name": caller.name, "role": caller.role.name.lower()})

    @router.get(
        "/review/queue",
        summary="Videos waiting for a decision, raw copies first",
        responses=spec.QUEUE,
    )
    def queue(
        limit: Annotated[int, Query(ge=1, le=500, description="At most this many.")] = 100,
    ) -> JSONResponse:
        read.fresh()
        return JSONResponse(
            {"videos": [vars(r) for r in read.services.projections.releases.queue(limit)]}
        )

    @router.get(
        "/review/videos",
        summary="Videos with their release state, open decisions first",
        responses=spec.QUEUE,
    )
    def search(
        release: Annotated[Release | None, Query(description="Only this release state.")] = None,
        prefix: Annotated[str, Query(max_length=36, pattern="^[0-9a-fA-F-]*$")] = "",
        limit: Annotated[int, Query(ge=1, le=200)] = 60,
    ) -> JSONResponse:
        read.fresh()
        found = []
        for record in read.services.projections.releases.search(release, prefix, limit):
            status = read.videos.get(record.video_id)
            if status is not None:
                found.append({**status.as_json(), "review": vars(record)})
        return JSONResponse({"videos": found})

    @router.get(
        "/videos/{video_id}/release", summary="One video's release state", responses=spec.RELEASE
    )
    def release(video_id: UUID) -> JSONResponse:
        read.fresh()
        record = read.services.projections.releases.get(str(video_id))
        if record is None:
            raise ApiError(404, "unknown video", {"video_id": str(video_id)})
        return JSONResponse(vars(record))

    @router.post(
        "/videos/{video_id}/review",
        summary="Approve, reject, retain, reprocess, erase",
        responses=spec.REVIEW,
    )
    def review(video_id: UUID, body: ReviewRequest, caller: CurrentCaller) -> JSONResponse:
        if caller.role < Role.REVIEWER:
            raise ApiError(403, "forbidden", "review decisions need a reviewer token")
        try:
            outcome: dict[str, Any] = carry_out(
                read.services, video_id, body.decision, body.reason, caller.name
            )
        except VideoNotFound:
            raise ApiError(404, "unknown video", {"video_id": str(video_id)}) from None
        except (DomainError, ClaimHeld) as refused:
            raise ApiError(409, "decision not allowed", str(refused)) from None
        read.services.catch_up()
        return JSONResponse(outcome)

    return router
