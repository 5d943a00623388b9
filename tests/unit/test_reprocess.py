"""Reprocessing degraded videos with fakes: success turns green, failure keeps the output."""

from __future__ import annotations

from domain.application import VideoLibrary
from domain.importer import Importer
from domain.pipeline import FallbackChain
from domain.reprocess import Reprocessor
from domain.rulebook import Level, State
from tests.fakes import FakeProbe, FakeStore, failing, succeeding


def _setup(
    library: VideoLibrary, masker_ok: bool = True
) -> tuple[Importer, Reprocessor, FakeStore]:
    store = FakeStore({"a.mp4": b"a", "b.mp4": b"b"})
    cleaner = failing("ollama_unavailable")
    masker = succeeding() if masker_ok else failing("roi_uncertain")
    chain = FallbackChain(library, cleaner, masker, store)
    return Importer(library, chain, store, FakeProbe()), Reprocessor(library, chain), store


def test_degraded_lists_videos_below_level_one(library: VideoLibrary) -> None:
    importer, reprocessor, _ = _setup(library)
    first = importer.import_file("a.mp4")
    assert reprocessor.degraded() == [first.video_id]


def test_reprocess_success_archives_at_frame_cleaning_and_keeps_history(
    library: VideoLibrary,
) -> None:
    importer, _, store = _setup(library)
    report = importer.import_file("a.mp4")
    assert report.video_id is not None
    chain = FallbackChain(library, succeeding("frame_cleaned"), failing("x"), store)
    video = Reprocessor(library, chain).reprocess(report.video_id)
    assert video is not None
    assert (video.state, video.level, video.anonymized) == (
        State.ARCHIVED,
        Level.FRAME_CLEANING,
        True,
    )
    names = [type(e).__name__ for e in library.history(report.video_id)]
    assert names.count("Archived") == 2 and "ReprocessRequested" in names
    assert Reprocessor(library, chain).degraded() == []


def test_reprocess_failure_keeps_the_raw_copy_flagged(library: VideoLibrary) -> None:
    importer, reprocessor, _ = _setup(library, masker_ok=False)
    report = importer.import_file("b.mp4")
    assert report.video_id is not None
    video = reprocessor.reprocess(report.video_id)
    assert video is not None
    assert (video.level, video.anonymized) == (Level.RAW_COPIED, False)
    assert video.output == f"quarantine/{report.video_id}.NOT-ANONYMIZED.mp4"


def test_a_video_at_level_one_is_not_reprocessed(library: VideoLibrary) -> None:
    store = FakeStore({"a.mp4": b"a"})
    chain = FallbackChain(library, succeeding("frame_cleaned"), failing("x"), store)
    report = Importer(library, chain, store, FakeProbe()).import_file("a.mp4")
    assert report.video_id is not None
    assert Reprocessor(library, chain).reprocess(report.video_id) is None
