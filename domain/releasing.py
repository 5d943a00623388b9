"""The release desk: the policy's decision after an import, and reviewers' decisions.

The policy decides right after the chain archives a video (``after_archive``): a raw copy is
quarantined from its archive on and needs no policy event; an anonymized output whose bytes
were approved before (a reprocessing run that kept it) keeps its approval; under ``auto`` an
output whose verification passed is released; everything else waits for a reviewer.
Reviewers approve, reject, retain, reprocess or erase (``decide``), each decision an event
naming them, with a written reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.application import VideoLibrary
from domain.errors import DomainError, TransitionNotAllowed
from domain.review import Decision, Release, ReleasePolicy
from domain.rulebook import Level, State
from domain.video import Video

log = logging.getLogger(__name__)
_ATTEMPTS = 5


class FileDigests(Protocol):
    """The SHA-256 of a stored file, hashed in a stream."""

    def sha256(self, location: str) -> str | None:
        """Hex SHA-256 of the file at a stored ``location``; None when it is missing."""
        ...


class VideoChanged(DomainError):
    """The video kept changing while a decision was being recorded (try again)."""

    def __init__(self, video_id: UUID) -> None:
        super().__init__(f"video {video_id} changed while the decision was recorded; try again")


class ReleaseDesk:
    """Records release decisions on the videos of one library.

    Args:
        library: the videos.
        digests: hashes stored outputs (an approval names the bytes it approved).
        policy: ``auto`` or ``review`` (``ENDOVEIL_RELEASE_POLICY``).
    """

    def __init__(self, library: VideoLibrary, digests: FileDigests, policy: ReleasePolicy) -> None:
        self._library = library
        self._digests = digests
        self._policy = ReleasePolicy(policy)

    def after_archive(self, video_id: UUID) -> Video:
        """The policy's decision on a video the chain just archived (if still undecided)."""
        return self._record(video_id, self._policy_decision, self.policy_name)

    @property
    def policy_name(self) -> str:
        """Who the policy's decisions are recorded as."""
        return f"policy:{self._policy.value}"

    def decide(self, video_id: UUID, decision: Decision, reason: str, reviewer: str) -> Video:
        """Record a reviewer's decision (the caller then reprocesses or erases if asked).

        Raises:
            VideoNotFound, TransitionNotAllowed, VideoChanged.
        """
        return self._record(video_id, lambda video: (decision, reason), reviewer)

    def record_serving(self, video_id: UUID, kind: str, viewer: str) -> None:
        """Record that ``viewer`` was sent the video's ``kind`` file."""
        self._save_with_retries(video_id, lambda video: video.record_serving(kind, viewer))

    def record_export(self, video_id: UUID, export_id: str, sha256: str, exporter: str) -> None:
        """Record that the released output with ``sha256`` left in export ``export_id``."""
        self._save_with_retries(
            video_id, lambda video: video.record_export(export_id, sha256, exporter)
        )

    def _policy_decision(self, video: Video) -> tuple[Decision, str] | None:
        if video.state is not State.ARCHIVED or video.release_state is not Release.UNDECIDED:
            return None
        if video.level is Level.RAW_COPIED:
            return (
                None  # quarantined from its archive on (``Video.release_state``): a human decides
            )
        sha = self._sha(video)
        if sha is None:
            return Decision.HOLD, "The output file is missing: it cannot be released."
        if sha == getattr(video, "released_sha256", None):
            return Decision.AUTO_RELEASE, "The output is the one approved before (same SHA-256)."
        if self._policy is ReleasePolicy.AUTO and self._verified(video):
            return Decision.AUTO_RELEASE, "Release policy auto: the output's verification passed."
        why = "Release policy review" if self._policy is ReleasePolicy.REVIEW else "Unverified"
        return Decision.HOLD, f"{why}: the output waits for a reviewer's approval."

    def _verified(self, video: Video) -> bool:
        """Whether the archive event of the current output says its verification passed."""
        archives = [
            event for event in self._library.history(video.id) if isinstance(event, Video.Archived)
        ]
        return bool(archives) and archives[-1].verification == "passed"

    def _sha(self, video: Video) -> str | None:
        if video.level is Level.RAW_COPIED or video.output is None:
            return None
        return self._digests.sha256(video.output)

    def _record(
        self,
        video_id: UUID,
        choose: Callable[[Video], tuple[Decision, str] | None],
        reviewer: str,
    ) -> Video:
        def give(video: Video) -> None:
            chosen = choose(video)
            if chosen is not None:
                decision, reason = chosen
                sha = self._sha(video)
                if decision is Decision.APPROVE and sha is None:
                    raise TransitionNotAllowed(decision.value, "without its output file")
                video.review(decision.value, reason, reviewer, sha)
                log.info("video %s: %s by %s", video.id, decision.value, reviewer)

        return self._save_with_retries(video_id, give)

    def _save_with_retries(self, video_id: UUID, change: Callable[[Video], None]) -> Video:
        """Apply ``change`` to a fresh copy and save; a concurrent write means try again."""
        for _ in range(_ATTEMPTS):
            video = self._library.get(video_id)
            change(video)
            try:
                self._library.save(video)
            except IntegrityError:
                continue
            return video
        raise VideoChanged(video_id)
