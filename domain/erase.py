"""Erasure: crypto-shred a video's patient metadata and delete its unanonymized files.

The audit trail keeps that the video existed and was erased: the ``Erased`` event is
recorded first, then the key and the files are deleted, so an erasure interrupted half-way
is finished by running it again (every step is idempotent) and never goes unrecorded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from domain.application import VideoLibrary
from domain.ports import MetadataVault, VideoStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Erasure:
    """What an erasure did."""

    video_id: UUID
    already_erased: bool
    key_shredded: bool
    files_deleted: list[str]


class Eraser:
    """The erase use case."""

    def __init__(self, library: VideoLibrary, store: VideoStore, vault: MetadataVault) -> None:
        self._library = library
        self._store = store
        self._vault = vault

    def erase(self, video_id: UUID, reason: str) -> Erasure:
        """Erase one video (raises ``VideoNotFound`` / ``ClaimHeld`` while it is in work).

        Args:
            video_id: the video.
            reason: why (a request reference, never patient data).
        """
        video = self._library.get(video_id)
        already = video.erased
        if not already:
            self._library.erase(video_id, reason)
        shredded = self._vault.shred(str(video_id))
        deleted = self._store.delete_unanonymized(str(video_id), video.original)
        log.info("video %s erased (key shredded: %s, files: %d)", video_id, shredded, len(deleted))
        return Erasure(video_id, already, shredded, deleted)
