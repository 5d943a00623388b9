"""The JSON API: videos, audit trails, metrics, compliance reports and media files."""

from __future__ import annotations

import mimetypes
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import WithJsonSchema

from adapters.cli.text import audit_lines
from adapters.web import spec
from adapters.web.auth import CallerRole, CurrentCaller, Role, caller_role
from adapters.web.errors import ApiError
from adapters.web.readside import ReadSide
from adapters.web.who_saw import record_raw_serving
from domain.errors import VideoNotFound
from domain.rulebook import State
from projections.audit import explain
from projections.metrics import as_json as metrics_json
from projections.report import build_report, render
from projections.status import VideoStatus

_REPORT_TYPES = {"csv": "text/csv", "json": "application/json", "html": "text/html"}
#: Pages beyond this are refused (422): the row offset must fit the databases' 64-bit integers,
#: and a billion pages is beyond any archive.
LAST_PAGE = 1_000_000_000
#: The days a report may cover: four-digit years keep the text timestamps in time order, and
#: the day after the last one must still be a date.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
_DAY_RANGE = f"From {FIRST_DAY} to {LAST_DAY}."
#: The same range in the spec (JSON Schema has no bounds for dates): years 1900 to 9998.
_DAY = WithJsonSchema({
    "type": "string", "format": "date", "description": _DAY_RANGE,
    "pattern": r"^(19\d\d|[2-8]\d{3}|9[0-8]\d\d|99[0-8]\d|999[0-8])-\d\d-\d\d$",
})  # fmt: skip


def api_router(read: ReadSide) -> APIRouter:
    """The ``/api`` routes, reading ``read``; every one needs a valid token."""
    router = APIRouter(prefix="/api", dependencies=[Depends(caller_role)])

    def status_of(video_id: UUID) -> VideoStatus:
        read.fresh()
        status = read.videos.get(str(video_id))
        if status is None:
            raise ApiError(404, "unknown video", {"video_id": str(video_id)})
        return status

    @router.get("/videos", summary="Videos, newest import first", responses=spec.VIDEOS)
    def videos(
        page: Annotated[int, Query(ge=1, le=LAST_PAGE, description="Page number, from 1.")] = 1,
        per_page: Annotated[int, Query(ge=1, le=500, description="Videos per page.")] = 50,
    ) -> JSONResponse:
        read.fresh()
        rows = read.videos.page(per_page, (page - 1) * per_page)
        total = read.video_count()
        return _json(
            {
                "page": page,
                "per_page": per_page,
                "total": total,
                "pages": -(-total // per_page),
                "videos": [row.as_json() for row in rows],
            }
        )

    @router.get("/videos/{video_id}", summary="One video's status and badge", responses=spec.VIDEO)
    def video(video_id: UUID) -> JSONResponse:
        return _json(status_of(video_id).as_json())

    @router.get(
        "/videos/{video_id}/audit",
        summary="Why (not) anonymized, then every event",
        responses=spec.AUDIT,
    )
    def audit(video_id: UUID) -> JSONResponse:
        try:
            events = list(read.services.library.history(video_id))
        except VideoNotFound:
            raise ApiError(404, "unknown video", {"video_id": str(video_id)}) from None
        return _json({"explanation": explain(str(video_id), events), "events": audit_lines(events)})

    @router.get(
        "/metrics",
        summary="Success, fallback and failure rates with their statuses",
        responses=spec.METRICS,
    )
    def metrics() -> JSONResponse:
        return _json(read.cached("metrics_json", lambda: metrics_json(read.metrics())))

    @router.get(
        "/report",
        summary="The compliance report of a period (no patient data)",
        responses=spec.REPORT,
        response_class=Response,  # the content types are those of spec.REPORT
    )
    def report(
        start: Annotated[
            date,
            _DAY,
            Query(
                alias="from",
                ge=FIRST_DAY,
                le=LAST_DAY,
                description=f"First day (inclusive). {_DAY_RANGE}",
            ),
        ],
        end: Annotated[
            date,
            _DAY,
            Query(
                alias="to",
                ge=FIRST_DAY,
                le=LAST_DAY,
                description=f"Last day (inclusive). {_DAY_RANGE}",
            ),
        ],
        fmt: Annotated[Literal["csv", "json", "html"], Query(alias="format")] = "json",
    ) -> Response:
        if end < start:
            raise ApiError(422, "invalid request parameters", "'to' is before 'from'")
        begin = datetime.combine(start, clock_time.min, UTC)
        finish = datetime.combine(end + timedelta(days=1), clock_time.min, UTC)
        read.fresh()
        window = read.services.projections.metrics.between(begin, finish)
        releases = read.services.projections.releases
        built = build_report(read.videos, window, begin, finish, datetime.now(UTC), releases)
        text = render(built, fmt)
        return Response(text, media_type=_REPORT_TYPES[fmt])

    @router.get(
        "/media/{video_id}",
        summary="A video file (raw only for reviewers)",
        responses=spec.MEDIA,
        response_class=Response,
    )
    def media(
        video_id: UUID,
        role: CallerRole,
        caller: CurrentCaller,
        request: Request,
        kind: Annotated[Literal["processed", "raw"], Query(alias="type")] = "processed",
    ) -> FileResponse:
        status = status_of(video_id)
        if kind == "raw":
            if role < Role.REVIEWER:
                raise ApiError(403, "forbidden", "raw videos are served to reviewers only")
            path = raw_file(read, video_id)
            record_raw_serving(read, status, path, caller.name, request.headers.get("range"))
            headers = {"X-Endoveil-Anonymized": "false"}
        else:
            path = processed_file(read, status)
            headers = {"X-Endoveil-Anonymized": "true"}
        return _file_response(path, headers, "attachment" if kind == "raw" else "inline")

    return router


def _json(payload: dict[str, Any]) -> JSONResponse:
    """A JSON response of an already JSON-ready payload (skips FastAPI's slow re-encoding)."""
    return JSONResponse(payload)


def _file_response(path: Path, headers: dict[str, str], disposition: str) -> FileResponse:
    """``path`` as a video, whatever it really holds.

    A failed upload is kept under its own extension (it may be HTML or SVG): anything that is
    not a video by its name is served as ``application/octet-stream`` under a ``.bin`` name, so
    no browser ever renders a stored file as a page (nosniff is set on every response).
    """
    media_type = mimetypes.guess_type(path.name)[0] or ""
    filename = path.name
    if not media_type.startswith("video/"):
        media_type, filename = "application/octet-stream", f"{path.stem}.bin"
    return FileResponse(path, media_type=media_type, headers=headers,
                        content_disposition_type=disposition, filename=filename)  # fmt: skip


def _inside(data_dir: Path, path: Path) -> Path:
    resolved = path.resolve()
    if not resolved.is_relative_to(data_dir.resolve()) or not resolved.is_file():
        raise ApiError(404, "video file missing", None)
    return resolved


def processed_file(read: ReadSide, status: VideoStatus) -> Path:
    """The anonymized output of an archived, anonymized video; 404 for anything else."""
    if status.state is not State.ARCHIVED or not status.anonymized or not status.output:
        raise ApiError(
            404,
            "no anonymized video",
            {"video_id": status.video_id, "badge": status.badge.text, "state": status.state.value},
        )
    store = read.services.store
    return _inside(store.data_dir, Path(store.locate(status.output)))


def raw_file(read: ReadSide, video_id: UUID) -> Path:
    """The quarantined raw copy of a video, else its stored original."""
    data_dir = read.services.store.data_dir
    for pattern in (f"quarantine/{video_id}.NOT-ANONYMIZED.*", f"raw/{video_id}.*"):
        found = sorted(data_dir.glob(pattern))
        if found:
            return _inside(data_dir, found[0])
    raise ApiError(404, "video file missing", {"video_id": str(video_id)})
