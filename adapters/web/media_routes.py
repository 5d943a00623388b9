"""Media links: the API hands out signed URLs; ``/media/{id}`` streams them (Range works)."""

from __future__ import annotations

import mimetypes
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from adapters.web import spec
from adapters.web.auth import CurrentCaller, Role
from adapters.web.errors import ApiError
from adapters.web.media_links import LINK_SECONDS, MediaSigner
from adapters.web.readside import ReadSide
from adapters.web.routes import processed_file, raw_file
from adapters.web.who_saw import record_raw_serving

Kind = Literal["processed", "raw"]


def signer_for(read: ReadSide) -> MediaSigner:
    """The installation's signer, keyed by the event store's cipher key (the one it opened)."""
    key = read.services.library.env.get("CIPHER_KEY")
    if not key:
        raise ValueError("media links need the event store's cipher key")
    return MediaSigner(key.encode())


def media_router(read: ReadSide, signer: MediaSigner) -> APIRouter:
    """``POST /api/media/{id}/link`` (with a token) and ``GET /media/{id}`` (with a signature)."""
    router = APIRouter()

    @router.post(
        "/api/media/{video_id}/link",
        summary="A short-lived URL a player can stream",
        responses=spec.MEDIA_LINK,
    )
    def link(
        video_id: UUID,
        caller: CurrentCaller,
        kind: Annotated[Kind, Query(alias="type")] = "processed",
    ) -> JSONResponse:
        if kind == "raw" and caller.role < Role.REVIEWER:
            raise ApiError(403, "forbidden", "raw videos are served to reviewers only")
        read.fresh()
        if read.videos.get(str(video_id)) is None:
            raise ApiError(404, "unknown video", {"video_id": str(video_id)})
        url = signer.link(str(video_id), kind, caller.name)
        return JSONResponse({"url": url, "expires_in": LINK_SECONDS})

    @router.get("/media/{video_id}", include_in_schema=False)
    def media(
        video_id: UUID,
        request: Request,
        kind: Annotated[Kind, Query(alias="type")],
        who: Annotated[str, Query(max_length=200)],
        exp: Annotated[int, Query()],
        sig: Annotated[str, Query(max_length=64)],
    ) -> FileResponse:
        if not signer.valid(str(video_id), kind, who, exp, sig):
            raise ApiError(403, "invalid or expired media link", None)
        read.fresh()
        status = read.videos.get(str(video_id))
        if status is None:
            raise ApiError(404, "unknown video", {"video_id": str(video_id)})
        if kind == "raw":
            path = raw_file(read, video_id)
            record_raw_serving(read, status, path, who, request.headers.get("range"))
        else:
            path = processed_file(read, status)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"X-Endoveil-Anonymized": "false" if kind == "raw" else "true",
                   "Cache-Control": "no-store"}  # fmt: skip
        return FileResponse(path, media_type=media_type, headers=headers)

    return router
