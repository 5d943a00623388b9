"""Who decided, saw and exported what: the review and access events in plain words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from domain.reasons import Reason
from domain.video import Video

#: The audit's reason code of each decision (``domain/reasons.py`` holds their sentences).
CODES = {
    "hold": Reason.RELEASE_HELD,
    "auto_release": Reason.RELEASED_BY_POLICY,
    "approve": Reason.APPROVED,
    "reject": Reason.REJECTED,
    "retain": Reason.RETAINED,
    "reprocess": Reason.REPROCESS_DECIDED,
    "erase": Reason.ERASE_DECIDED,
}
_DECISIONS = {
    "hold": "held for review",
    "auto_release": "released",
    "approve": "approved for release",
    "reject": "rejected",
    "retain": "retained (not released)",
    "reprocess": "sent back for reprocessing",
    "erase": "marked for erasure",
}


def custody_why(event: object) -> tuple[str, str] | None:
    """Reason code and sentence of a review or access event; None for any other event."""
    if isinstance(event, Video.Reviewed):
        sha = f" (output sha256 {event.output_sha256[:12]})" if event.output_sha256 else ""
        said = _DECISIONS.get(event.decision, event.decision)
        code = CODES.get(event.decision, event.decision)
        return code, f"{said.capitalize()} by {event.reviewer}{sha}: {event.reason}"
    if isinstance(event, Video.MediaServed):
        return Reason.MEDIA_SERVED, f"The {event.kind} file was sent to {event.viewer}."
    if isinstance(event, Video.Exported):
        return Reason.EXPORTED, (
            f"Exported by {event.exporter} in export {event.export_id} "
            f"(sha256 {event.output_sha256[:12]})."
        )
    return None


def custody_lines(events: Iterable[Any]) -> list[str]:
    """One sentence per review decision, serving of a file and export, oldest first."""
    lines = []
    for event in events:
        said = custody_why(event)
        if said is not None:
            lines.append(f"  At {event.timestamp.isoformat(timespec='seconds')}: {said[1]}")
    return ["Review and access:", *lines] if lines else []
