"""Review and release through the review rulebook, with fakes (no files, no video)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.application import VideoLibrary
from domain.errors import TransitionNotAllowed
from domain.importer import Importer
from domain.pipeline import FallbackChain
from domain.releasing import ReleaseDesk
from domain.reprocess import Reprocessor
from domain.review import REVIEW_TABLE, Decision, Release, ReleasePolicy, next_release
from domain.video import Video
from projections.releases import ReleaseRecord
from tests.fakes import FakeLevel, FakeProbe, FakeStore, failing, succeeding


@dataclass
class FakeDigests:
    """Hashes by location; a test changes ``by_location`` to simulate a new output."""

    by_location: dict[str, str] = field(default_factory=dict)

    def sha256(self, location: str) -> str:
        return self.by_location.get(location, "a" * 64)


def _import(
    library: VideoLibrary,
    policy: ReleasePolicy,
    masker: FakeLevel,
    digests: FakeDigests | None = None,
) -> tuple[UUID, ReleaseDesk, FallbackChain]:
    store = FakeStore({"a.mp4": b"a"})
    desk = ReleaseDesk(library, digests or FakeDigests(), policy)
    chain = FallbackChain(library, failing("ollama_unavailable"), masker, store,
                          on_archived=desk.after_archive)  # fmt: skip
    report = Importer(library, chain, store, FakeProbe()).import_file("a.mp4")
    assert report.video_id is not None
    return report.video_id, desk, chain


def test_auto_policy_releases_a_verified_output(library: VideoLibrary) -> None:
    vid, _, _ = _import(library, ReleasePolicy.AUTO, succeeding())
    video = library.get(vid)
    assert video.release_state is Release.RELEASED
    [decided] = [e for e in library.history(vid) if isinstance(e, Video.Reviewed)]
    assert (decided.reviewer, decided.output_sha256) == ("policy:auto", "a" * 64)


def test_review_policy_holds_until_a_named_reviewer_approves(library: VideoLibrary) -> None:
    vid, desk, _ = _import(library, ReleasePolicy.REVIEW, succeeding())
    assert library.get(vid).release_state is Release.AWAITING_REVIEW
    video = desk.decide(vid, Decision.APPROVE, "checked frames 1-100", "alice")
    assert video.release_state is Release.RELEASED
    assert library.get(vid).released_sha256 == "a" * 64


def test_a_decision_needs_a_written_reason(library: VideoLibrary) -> None:
    vid, desk, _ = _import(library, ReleasePolicy.REVIEW, succeeding())
    with pytest.raises(TransitionNotAllowed):
        desk.decide(vid, Decision.APPROVE, "  ", "alice")


def test_a_raw_copy_is_quarantined_and_can_never_be_released(library: VideoLibrary) -> None:
    vid, desk, _ = _import(library, ReleasePolicy.AUTO, failing("roi_uncertain"))
    assert library.get(vid).release_state is Release.QUARANTINED
    with pytest.raises(TransitionNotAllowed):
        desk.decide(vid, Decision.APPROVE, "looks fine", "alice")
    video = desk.decide(vid, Decision.RETAIN, "needed for the tumour board", "alice")
    assert video.release_state is Release.RETAINED
    with pytest.raises(TransitionNotAllowed):
        video.record_export("x", "a" * 64, "alice")


def test_a_reprocessed_output_needs_a_new_approval(library: VideoLibrary) -> None:
    digests = FakeDigests()
    vid, desk, _ = _import(library, ReleasePolicy.REVIEW, succeeding(), digests)
    desk.decide(vid, Decision.APPROVE, "checked", "alice")
    digests.by_location[library.get(vid).output or ""] = "b" * 64  # level 1 wrote new bytes
    store = FakeStore({"a.mp4": b"a"})
    chain = FallbackChain(library, succeeding("frame_cleaned"), failing("x"), store,
                          on_archived=desk.after_archive)  # fmt: skip
    video = Reprocessor(library, chain).reprocess(vid)
    assert video is not None and video.release_state is Release.AWAITING_REVIEW
    with pytest.raises(TransitionNotAllowed):  # the old approval does not cover new bytes
        video.record_export("x", "b" * 64, "alice")


def test_unchanged_output_keeps_its_approval(library: VideoLibrary) -> None:
    vid, desk, _ = _import(library, ReleasePolicy.REVIEW, succeeding())
    desk.decide(vid, Decision.APPROVE, "checked", "alice")
    store = FakeStore({"a.mp4": b"a"})
    chain = FallbackChain(library, failing("ollama_unavailable"), failing("x"), store,
                          on_archived=desk.after_archive)  # fmt: skip
    video = Reprocessor(library, chain).reprocess(vid)  # level 1 fails again: output kept
    assert video is not None and video.release_state is Release.RELEASED


def test_the_view_folds_the_same_release_state_as_the_aggregate(library: VideoLibrary) -> None:
    vid, desk, _ = _import(library, ReleasePolicy.REVIEW, succeeding())
    desk.decide(vid, Decision.REJECT, "a name is readable at 00:14", "bob")
    desk.decide(vid, Decision.APPROVE, "re-checked: it was the device label", "alice")
    record = ReleaseRecord(str(vid))
    for event in library.history(vid):
        record.apply(event)
    assert record.release == library.get(vid).release_state == Release.RELEASED
    assert (record.decided_by, record.released_sha256) == ("alice", "a" * 64)


@given(st.lists(st.sampled_from(list(Decision)), max_size=12))
def test_no_sequence_of_decisions_reaches_an_undeclared_state(decisions: list[Decision]) -> None:
    declared = {Release.UNDECIDED} | {dest for _, _, dest in REVIEW_TABLE}
    release = Release.UNDECIDED
    for decision in decisions:
        try:
            release = next_release(decision, release)
        except TransitionNotAllowed:
            continue
        assert release in declared
    assert next_release(Decision.HOLD, Release.UNDECIDED) is Release.AWAITING_REVIEW


def test_the_canary_judge_finds_slightly_misread_secrets() -> None:
    from adapters.canary.judge import readable

    read = "CV-1500\nKanarienvoqel Testpatlent\n12-03-1955"
    assert readable(read, ["Kanarienvogel, Testpatient", "12.03.1955"]) == [
        "Kanarienvogel, Testpatient",
        "12.03.1955",
    ]
    assert readable("Olympus 14:02", ["Kanarienvogel, Testpatient", "12.03.1955"]) == []


@given(st.lists(st.sampled_from([Decision.APPROVE, Decision.REJECT, Decision.ERASE]), max_size=8))
def test_the_view_always_replays_to_the_aggregates_release(decisions: list[Decision]) -> None:
    library = VideoLibrary(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    vid, desk, _ = _import(library, ReleasePolicy.REVIEW, succeeding())
    for decision in decisions:
        try:
            desk.decide(vid, decision, "a reason", "alice")
        except TransitionNotAllowed:
            continue
    record = ReleaseRecord(str(vid))
    for event in library.history(vid):
        record.apply(event)
    assert record.release == library.get(vid).release_state
