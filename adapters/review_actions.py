"""A reviewer's decision carried out, the same from the command line and the web page."""

from __future__ import annotations

from uuid import UUID

from adapters.bootstrap import Services
from domain.reprocess import Reprocessor
from domain.review import Decision


def carry_out(
    services: Services, video_id: UUID, decision: Decision, reason: str, reviewer: str
) -> dict[str, object]:
    """Record ``decision`` and do what it asks (reprocess, erase); the outcome as JSON.

    Raises:
        DomainError: the rulebook refused it, or the video does not exist.
    """
    video = services.desk.decide(video_id, decision, reason, reviewer)
    if decision is Decision.REPROCESS:
        video = Reprocessor(services.library, services.chain).reprocess(video_id) or video
    elif decision is Decision.ERASE:
        services.eraser.erase(video_id, f"review: {reason}")
        video = services.library.get(video_id)
    return {
        "video_id": str(video_id),
        "decision": decision.value,
        "release": video.release_state.value,
        "reviewer": reviewer,
        "level": video.level.value if video.level else None,
        "state": video.state.value,
    }
