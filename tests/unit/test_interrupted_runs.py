"""An interrupted run gives its claim back; a dead process of this host is taken over at once.

Issue #17 item 7: after a Ctrl-C the dead run's claim held for the whole lease (300 s), so
``resume`` said "in progress in another run" when there was none.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from uuid import UUID

import pytest

from domain.application import VideoLibrary
from domain.importer import Importer
from domain.pipeline import FallbackChain
from domain.ports import LevelResult
from domain.rulebook import State
from tests.fakes import FakeProbe, FakeProcesses, FakeStore, failing, succeeding

CONTENT = b"a video"


@dataclass
class CtrlC:
    """A level interrupted by the user (KeyboardInterrupt), the first ``times`` times."""

    times: int = 1

    def clean(self, video_id: str, source: str, target: str) -> LevelResult:
        if self.times:
            self.times -= 1
            raise KeyboardInterrupt
        return failing("ollama_unavailable").clean(video_id, source, target)


def _importer(library: VideoLibrary, processes: FakeProcesses, cleaner: object) -> Importer:
    store = FakeStore({"in.mp4": CONTENT})
    chain = FallbackChain(library, cleaner, succeeding(), store)  # type: ignore[arg-type]
    return Importer(library, chain, store, FakeProbe(), 300.0, processes)


def _names(library: VideoLibrary, video_id: UUID) -> list[str]:
    return [type(e).__name__ for e in library.history(video_id)]


def test_ctrl_c_releases_the_claim_and_resume_finishes_at_once(library: VideoLibrary) -> None:
    importer = _importer(library, FakeProcesses(), CtrlC())
    with pytest.raises(KeyboardInterrupt):
        importer.import_file("in.mp4")
    [video_id] = list(library.video_ids())
    assert library.get(video_id).state is State.FRAME_CLEANING
    assert _names(library, video_id)[-1] == "ClaimReleased"
    assert library.get(video_id).claimed_by is None

    [report] = importer.resume([video_id])  # right after the Ctrl-C: nothing to wait for
    assert (report.in_progress, report.state) == (False, State.ARCHIVED)


def _claimed_elsewhere(library: VideoLibrary, host: str, pid: int) -> UUID:
    video_id, _ = library.register(hashlib.sha256(CONTENT).hexdigest(), 7, "raw/x")
    library.claim(video_id, "other-run", 300.0, (host, pid))
    return video_id


def test_a_claim_of_a_dead_process_of_this_host_is_taken_over_at_once(
    library: VideoLibrary,
) -> None:
    video_id = _claimed_elsewhere(library, "here", 4242)
    importer = _importer(library, FakeProcesses(dead={4242}), failing("ollama_unavailable"))
    [report] = importer.resume([video_id])
    assert (report.in_progress, report.state) == (False, State.ARCHIVED)
    takeover = [e for e in library.history(video_id) if type(e).__name__ == "Claimed"][-1]
    assert takeover.taken_over_from == "other-run"  # type: ignore[attr-defined]
    assert (takeover.host, takeover.pid) == ("here", 100)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("host", "pid"), [("here", 4243), ("another-host", 4242)])
def test_a_live_or_unknowable_claim_keeps_its_lease(
    library: VideoLibrary, host: str, pid: int
) -> None:
    video_id = _claimed_elsewhere(library, host, pid)
    importer = _importer(library, FakeProcesses(dead={4242}), failing("ollama_unavailable"))
    [report] = importer.resume([video_id])
    assert report.in_progress and report.state is State.RECEIVED
