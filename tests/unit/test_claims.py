"""Claims and leases: one run at a time per video, lapsed runs taken over, losers stop."""

from __future__ import annotations

import time

import pytest

from domain.application import VideoLibrary
from domain.errors import ClaimHeld, ClaimLost, TransitionNotAllowed
from domain.pipeline import FallbackChain
from domain.rulebook import State
from domain.steps import Step
from tests.fakes import FakeLevel, FakeStore, failing, succeeding


def _video(library: VideoLibrary) -> object:
    video_id, _ = library.register("ab" * 32, 1, "raw/x.mp4")
    return video_id


def test_a_live_claim_keeps_other_runs_out(library: VideoLibrary) -> None:
    video_id = _video(library)
    library.claim(video_id, "run-a", 60)  # type: ignore[arg-type]
    with pytest.raises(ClaimHeld):
        library.claim(video_id, "run-b", 60)  # type: ignore[arg-type]
    library.claim(video_id, "run-a", 60)  # type: ignore[arg-type]  # re-claiming one's own is fine


def test_a_lapsed_claim_is_taken_over_and_the_old_run_stops(library: VideoLibrary) -> None:
    video_id = _video(library)
    library.claim(video_id, "run-a", 0.01)  # type: ignore[arg-type]
    time.sleep(0.02)
    video = library.claim(video_id, "run-b", 60)  # type: ignore[arg-type]
    claims = [e for e in library.history(video.id) if type(e).__name__ == "Claimed"]
    assert [c.taken_over_from for c in claims] == [None, "run-a"]
    with pytest.raises(ClaimLost):
        library.apply(video.id, "start_cleaning", Step("chain_started", "Started."), "run-a")
    assert library.get(video.id).state is State.RECEIVED


def test_a_run_whose_claim_is_taken_mid_level_stops(library: VideoLibrary) -> None:
    video_id = _video(library)
    library.claim(video_id, "run-a", 0.01)  # type: ignore[arg-type]

    class SlowLevel(FakeLevel):
        def clean(self, video_id: str, source: str, target: str):  # type: ignore[no-untyped-def]
            time.sleep(0.03)  # the lease lapses (before any heartbeat) and another run takes it
            library.claim(library.get(video.id).id, "run-b", 60)
            return failing("ollama_timeout").result

    video = library.get(video_id)  # type: ignore[arg-type]
    chain = FallbackChain(library, SlowLevel(failing("x").result), succeeding(), FakeStore())
    with pytest.raises(ClaimLost):
        chain.run(video.id, "run-a", lease_seconds=0.01)
    assert library.get(video.id).claimed_by == "run-b"


def test_finishing_releases_the_claim_and_a_finished_video_cannot_be_claimed(
    library: VideoLibrary,
) -> None:
    video_id = _video(library)
    library.claim(video_id, "run-a", 60)  # type: ignore[arg-type]
    chain = FallbackChain(library, failing("ollama_unavailable"), succeeding(), FakeStore())
    video = chain.run(video_id, "run-a")  # type: ignore[arg-type]
    assert (video.state, video.claimed_by) == (State.ARCHIVED, None)
    with pytest.raises(TransitionNotAllowed):
        library.claim(video.id, "run-b", 60)
