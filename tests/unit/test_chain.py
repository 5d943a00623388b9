"""The fallback chain with fakes: every level's failure is an event, never an exception."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from domain.application import VideoLibrary
from domain.importer import Importer
from domain.pipeline import RAW_COPY_LOG, FallbackChain
from domain.reasons import Reason
from domain.rulebook import Command, Level, State
from domain.steps import Step
from tests.fakes import FakeLevel, FakeProbe, FakeStore, failing, succeeding

VIDEO = b"synthetic video bytes"


def _importer(
    library: VideoLibrary,
    cleaner: FakeLevel,
    masker: FakeLevel,
    store: FakeStore | None = None,
    probe: FakeProbe | None = None,
) -> tuple[Importer, FakeStore]:
    store = store or FakeStore({"in.mp4": VIDEO})
    chain = FallbackChain(library, cleaner, masker, store)
    return Importer(library, chain, store, probe or FakeProbe()), store


def _events(library: VideoLibrary, video_id: object) -> list[str]:
    return [type(e).__name__ for e in _steps(library, video_id)]


def _steps(library: VideoLibrary, video_id: object) -> list[Any]:
    """The video's history without the claim bookkeeping (Claimed, LeaseRenewed)."""
    history = library.history(video_id)  # type: ignore[arg-type]
    return [e for e in history if type(e).__name__ not in ("Claimed", "LeaseRenewed")]


def test_level_one_success_archives_anonymized(library: VideoLibrary) -> None:
    importer, _ = _importer(library, succeeding("cleaned"), failing("unused"))
    report = importer.import_file("in.mp4")
    assert (report.state, report.level, report.anonymized) == (
        State.ARCHIVED,
        Level.FRAME_CLEANING,
        True,
    )
    assert report.output == f"anonymized/{report.video_id}.mp4"
    assert _events(library, report.video_id) == ["Registered", "CleaningStarted", "Archived"]


def test_ollama_stopped_falls_back_to_basic_masking(library: VideoLibrary) -> None:
    cleaner, masker = failing("ollama_unavailable"), succeeding()
    importer, _ = _importer(library, cleaner, masker)
    report = importer.import_file("in.mp4")
    assert (report.state, report.level, report.anonymized) == (
        State.ARCHIVED,
        Level.FALLBACK_BASIC,
        True,
    )
    history = _steps(library, report.video_id)
    fell_back = history[2]
    assert type(fell_back).__name__ == "FellBack"
    assert (fell_back.reason, fell_back.level) == ("ollama_unavailable", "frame_cleaning")
    assert fell_back.versions == {"engine": "fake"}
    assert history[-1].versions == {"profile": "fake@1"}
    assert len(cleaner.calls) == len(masker.calls) == 1


def test_both_levels_failing_quarantines_a_raw_copy(
    library: VideoLibrary, caplog: pytest.LogCaptureFixture
) -> None:
    importer, store = _importer(library, failing("ocr_engine_missing"), failing("roi_uncertain"))
    report = importer.import_file("in.mp4")
    assert (report.state, report.level, report.anonymized, report.output) == (
        State.ARCHIVED,
        Level.RAW_COPIED,
        False,
        None,
    )
    video = library.get(report.video_id)  # type: ignore[arg-type]
    assert (video.level, video.anonymized) == (Level.RAW_COPIED, False)
    assert video.output == f"quarantine/{video.id}.NOT-ANONYMIZED.mp4"
    assert store.quarantined == [str(video.id)]
    reasons = [getattr(e, "reason", None) for e in _steps(library, video.id)]
    assert reasons[2:] == ["ocr_engine_missing", "roi_uncertain", "raw_copy_quarantined"]
    assert f"{RAW_COPY_LOG}: video {video.id}" in caplog.text


def test_a_quarantine_that_cannot_be_written_fails_the_video(library: VideoLibrary) -> None:
    store = FakeStore({"in.mp4": VIDEO}, quarantine_error=OSError(28, "No space left"))
    importer, _ = _importer(library, failing("ollama_unavailable"), failing("roi_uncertain"), store)
    report = importer.import_file("in.mp4")
    assert (report.state, report.reason, report.imported) == (
        State.FAILED,
        "quarantine_failed",
        False,
    )


def test_a_crashing_level_is_recorded_and_the_chain_goes_on(library: VideoLibrary) -> None:
    cleaner = FakeLevel(failing("x").result, crash=RuntimeError("bug"))
    importer, _ = _importer(library, cleaner, succeeding())
    report = importer.import_file("in.mp4")
    assert report.level is Level.FALLBACK_BASIC
    fell_back = _steps(library, report.video_id)[2]
    assert fell_back.reason == "unexpected_error"
    assert "RuntimeError" in fell_back.detail


def test_importing_the_same_bytes_twice_finds_the_first_video(library: VideoLibrary) -> None:
    store = FakeStore({"a.mp4": VIDEO, "copy of a.mp4": VIDEO})
    masker = succeeding()
    importer, _ = _importer(library, failing("ollama_unavailable"), masker, store)
    first = importer.import_file("a.mp4")
    second = importer.import_file("copy of a.mp4")
    assert first.video_id == second.video_id
    assert (first.duplicate, second.duplicate) == (False, True)
    assert second.state is State.ARCHIVED and second.anonymized
    assert len(masker.calls) == 1
    assert list(library.video_ids()) == [first.video_id]


def test_a_missing_file_is_rejected_without_a_record(library: VideoLibrary) -> None:
    importer, _ = _importer(library, succeeding(), succeeding())
    report = importer.import_file("nope.mp4")
    assert (report.video_id, report.state, report.reason) == (None, None, "missing_file")
    assert list(library.video_ids()) == []


def test_a_file_that_is_not_a_video_fails_with_its_reason(library: VideoLibrary) -> None:
    sha = hashlib.sha256(VIDEO).hexdigest()
    cleaner = succeeding()
    importer, _ = _importer(library, cleaner, succeeding(), probe=FakeProbe({sha: "not_a_video"}))
    report = importer.import_file("in.mp4")
    assert (report.state, report.reason, report.imported) == (State.FAILED, "not_a_video", False)
    assert cleaner.calls == []


def test_an_interrupted_run_resumes_where_it_stopped(library: VideoLibrary) -> None:
    cleaner, masker = failing("ollama_unavailable"), succeeding()
    video_id, _ = library.register("ef" * 32, 1, "raw/x.mp4")
    library.apply(video_id, Command.START_CLEANING, Step(Reason.CHAIN_STARTED, "Started."))
    library.apply(
        video_id, Command.FALL_BACK, Step(Reason.OLLAMA_UNAVAILABLE, "Down.", Level.FRAME_CLEANING)
    )
    chain = FallbackChain(library, cleaner, masker, FakeStore())
    video = chain.run(video_id)
    assert (video.state, video.level) == (State.ARCHIVED, Level.FALLBACK_BASIC)
    assert cleaner.calls == []


@pytest.mark.parametrize(
    ("level_one", "expected_level", "anonymized"),
    [(succeeding("cleaned"), Level.FRAME_CLEANING, True), (failing("x"), Level.RAW_COPIED, False)],
)
def test_reprocessing_keeps_both_runs(
    library: VideoLibrary, level_one: FakeLevel, expected_level: Level, anonymized: bool
) -> None:
    importer, store = _importer(library, failing("ollama_unavailable"), failing("roi_uncertain"))
    first = importer.import_file("in.mp4")
    assert first.video_id is not None
    library.apply(
        first.video_id, Command.REPROCESS, Step("ollama_back", "Ollama is reachable again.")
    )
    video = FallbackChain(library, level_one, failing("unused"), store).run(first.video_id)
    assert (video.state, video.level, video.anonymized) == (
        State.ARCHIVED,
        expected_level,
        anonymized,
    )
    names = _events(library, first.video_id)
    assert names.count("Archived") == 2 and "ReprocessRequested" in names
