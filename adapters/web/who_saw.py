"""Who saw what: every serving of a raw or quarantined file is an event naming the holder.

A player fetches a video in many Range requests; one viewing is recorded, at the request
that starts from the first byte (or asks for the whole file), not one event per chunk.
"""

from __future__ import annotations

import re
from pathlib import Path
from uuid import UUID

from adapters.web.errors import ApiError
from adapters.web.readside import ReadSide
from domain.rulebook import TERMINAL_STATES
from projections.status import VideoStatus

_FROM_START = re.compile(r"^\s*bytes\s*=\s*0*-")


def starts_a_viewing(range_header: str | None) -> bool:
    """Whether a request with this ``Range`` header begins a viewing (from byte 0)."""
    return range_header is None or bool(_FROM_START.match(range_header))


def record_raw_serving(
    read: ReadSide, status: VideoStatus, path: Path, viewer: str, range_header: str | None
) -> None:
    """Record that ``viewer`` is sent the raw file ``path`` of a finished video.

    Raises:
        ApiError: 409 while the video is in the chain (its stream belongs to the run that
            holds the claim; an access event there would take the claim from it).
    """
    if status.state not in TERMINAL_STATES:
        raise ApiError(409, "video is being processed", {"video_id": status.video_id})
    if not starts_a_viewing(range_header):
        return
    kind = "quarantined" if path.parent.name == "quarantine" else "raw"
    read.services.desk.record_serving(UUID(status.video_id), kind, viewer)
