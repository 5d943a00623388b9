"""Frames read between keyframes are decoded from the source: no second encode to find nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

import adapters.masking.encode as encode
import adapters.masking.frame_reads as frame_reads
from adapters.masking.frame_reads import interleaved, select_filter
from adapters.masking.inside_text import InsideReading
from adapters.masking.masker import OpenCVMasker
from adapters.masking.mp4_index import keyframe_numbers
from domain.reasons import Reason
from tests.family_checks import score
from tests.layouts import FAMILIES, make_recording


def test_only_the_frames_asked_for_are_selected_once_each() -> None:
    assert select_filter([30, 12, 30, 13]) == "select='if(lt(n,30),between(n,12,13),eq(n,30))'"


def test_the_reads_between_keyframes_fall_in_frame_order_among_the_keyframes() -> None:
    keyframes = InsideReading(found=[[], [(1, 1, 4, 4)], []], faces=[0.0, 0.1, 0.0])
    between = InsideReading(found=[[(2, 2, 4, 4)]], faces=[0.9])

    numbers, joined = interleaved([0, 12, 24], keyframes, [18], between)

    assert numbers == [0, 12, 18, 24]
    assert joined.found == [[], [(1, 1, 4, 4)], [(2, 2, 4, 4)], []]
    assert joined.faces == [0.0, 0.1, 0.9, 0.0]


@pytest.mark.slow
def test_light_switches_are_read_between_keyframes_without_encoding_again(tmp_path: Path) -> None:
    recording = make_recording(tmp_path / "in.mp4", FAMILIES["nbi_chromo"], seed=9)
    target = tmp_path / "out.mp4"

    result = OpenCVMasker().mask("video-l", str(recording.path), str(target))

    assert result.succeeded, result
    summary = result.versions["verification_checked"]
    assert "read where the image changed abruptly or briefly" in summary, summary
    written = keyframe_numbers(str(target))
    assert written is not None
    gap = 12  # a 40-frame clip: keyframes 12 apart and on its last frame
    assert set(written) <= {*range(0, recording.frames, gap), recording.frames - 1}, written
    checked = score(recording, target, leak_frames=2)
    assert checked.leaks == {} and checked.lost_percent < 0.5


@pytest.mark.slow
def test_frames_to_read_that_cannot_be_decoded_fail_the_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = make_recording(tmp_path / "in.mp4", FAMILIES["nbi_chromo"], seed=9)
    # a decode that yields none of the frames asked for (as a refused select expression did)
    monkeypatch.setattr(frame_reads, "select_filter", lambda frames: "select='0'")

    result = OpenCVMasker().mask("video-u", str(recording.path), str(tmp_path / "out.mp4"))

    assert not result.succeeded
    assert result.reason is Reason.VERIFICATION_FAILED, result
    assert "between keyframes could be decoded" in result.detail
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.slow
def test_frames_to_read_that_cannot_be_placed_among_the_keyframes_fail_the_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = make_recording(tmp_path / "in.mp4", FAMILIES["nbi_chromo"], seed=9)
    monkeypatch.setattr(encode, "keyframe_numbers", lambda path: None)  # an unreadable index

    result = OpenCVMasker().mask("video-n", str(recording.path), str(tmp_path / "out.mp4"))

    assert not result.succeeded
    assert result.reason is Reason.VERIFICATION_FAILED, result
    assert "cannot be numbered" in result.detail
