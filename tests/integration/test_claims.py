"""Claims and leases: one run at a time per video, lapsed runs taken over, losers stop.

A claim is an optimistic-concurrency append to the video's stream, so these run on both
event stores; the races between libraries need a store that two of them share.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from adapters.settings import Settings
from domain.application import VideoLibrary
from domain.errors import ClaimHeld, ClaimLost, TransitionNotAllowed
from domain.pipeline import FallbackChain
from domain.reasons import Reason
from domain.rulebook import Command, State
from domain.steps import Step
from tests.backends import OnBackend, OnPostgres, OnSQLite, library_on, open_library
from tests.fakes import FakeClock, FakeLevel, FakeStore, failing, succeeding


def _video(library: VideoLibrary) -> UUID:
    video_id, _ = library.register("ab" * 32, 1, "raw/x.mp4")
    return video_id


def _claimants(library: VideoLibrary, video_id: UUID) -> list[str]:
    return [e.run_id for e in library.history(video_id) if type(e).__name__ == "Claimed"]  # type: ignore[attr-defined]


class ClaimsContract(OnBackend):
    """What claims guarantee, on any event store (leases lapse by moving a fake clock)."""

    @pytest.fixture
    def clock(self) -> FakeClock:
        """The time the library reads; a test moves it instead of sleeping."""
        return FakeClock()

    @pytest.fixture
    def library(self, tmp_path: Path, clock: FakeClock) -> Iterator[VideoLibrary]:
        """A video library on a store of its own, on the fake ``clock``."""
        with library_on(self.backend, tmp_path, clock) as library:
            yield library

    def test_a_live_claim_keeps_other_runs_out(self, library: VideoLibrary) -> None:
        video_id = _video(library)
        library.claim(video_id, "run-a", 60)
        with pytest.raises(ClaimHeld):
            library.claim(video_id, "run-b", 60)
        library.claim(video_id, "run-a", 60)  # re-claiming one's own is fine

    def test_a_lapsed_claim_is_taken_over_and_the_old_run_stops(
        self, library: VideoLibrary, clock: FakeClock
    ) -> None:
        video_id = _video(library)
        library.claim(video_id, "run-a", 0.01)
        clock.advance(0.009)
        with pytest.raises(ClaimHeld):  # not yet lapsed
            library.claim(video_id, "run-b", 60)
        clock.advance(0.011)
        video = library.claim(video_id, "run-b", 60)
        claims = [e for e in library.history(video.id) if type(e).__name__ == "Claimed"]
        assert [c.taken_over_from for c in claims] == [None, "run-a"]  # type: ignore[attr-defined]
        with pytest.raises(ClaimLost):
            library.apply(
                video.id, Command.START_CLEANING, Step(Reason.CHAIN_STARTED, "Started."), "run-a"
            )
        assert library.get(video.id).state is State.RECEIVED

    def test_a_run_whose_claim_is_taken_mid_level_stops(
        self, library: VideoLibrary, clock: FakeClock
    ) -> None:
        video_id = _video(library)
        library.claim(video_id, "run-a", 0.01)

        class SlowLevel(FakeLevel):
            def clean(self, video_id: str, source: str, target: str):  # type: ignore[no-untyped-def]
                clock.advance(0.03)  # the lease lapses (before any heartbeat); another run takes it
                library.claim(library.get(video.id).id, "run-b", 60)
                return failing("ollama_timeout").result

        video = library.get(video_id)
        chain = FallbackChain(library, SlowLevel(failing("x").result), succeeding(), FakeStore())
        with pytest.raises(ClaimLost):
            chain.run(video.id, "run-a", lease_seconds=0.01)
        assert library.get(video.id).claimed_by == "run-b"

    def test_finishing_releases_the_claim_and_a_finished_video_cannot_be_claimed(
        self, library: VideoLibrary
    ) -> None:
        video_id = _video(library)
        library.claim(video_id, "run-a", 60)
        chain = FallbackChain(library, failing("ollama_unavailable"), succeeding(), FakeStore())
        video = chain.run(video_id, "run-a")
        assert (video.state, video.claimed_by) == (State.ARCHIVED, None)
        with pytest.raises(TransitionNotAllowed):
            library.claim(video.id, "run-b", 60)

    def test_a_claim_saved_over_a_version_another_library_moved_on_is_refused(
        self, settings: Settings
    ) -> None:
        with open_library(settings) as first, open_library(settings) as second:
            video_id = _video(first)
            stale = second.get(video_id)
            first.claim(video_id, "run-a", 60)
            stale.claim("run-b", second.clock.now(), 60)  # run-b has not seen run-a's claim
            with pytest.raises(IntegrityError):
                second.save(stale)
            assert _claimants(second, video_id) == ["run-a"]

    def test_runs_claiming_at_once_from_four_libraries_one_wins_the_others_are_held(
        self, settings: Settings
    ) -> None:
        with contextlib.ExitStack() as stack:
            libraries = [stack.enter_context(open_library(settings)) for _ in range(4)]
            video_id = _video(libraries[0])
            start = threading.Barrier(len(libraries))

            def claim(n: int) -> str:
                start.wait()
                try:
                    libraries[n].claim(video_id, f"run-{n}", 60)
                except ClaimHeld:
                    return "held"
                return "won"

            with ThreadPoolExecutor(len(libraries)) as pool:
                outcomes = list(pool.map(claim, range(len(libraries))))
            assert sorted(outcomes) == ["held", "held", "held", "won"]
            winner = f"run-{outcomes.index('won')}"
            assert _claimants(libraries[0], video_id) == [winner]


class TestClaimsOnSQLite(OnSQLite, ClaimsContract):
    pass


class TestClaimsOnPostgres(OnPostgres, ClaimsContract):
    pass
