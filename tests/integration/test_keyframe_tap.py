"""The keyframes decoded while encoding are the file's, numbered; a failing reader stops all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from adapters.demo.synthetic import circle_layout, make_video
from adapters.endoscope.activity import locate_endoscope
from adapters.masking.encode import encode_masked, keyframe_gap
from adapters.masking.text_tracks import TimedBox
from adapters.masking.verify import KeyframePeak
from adapters.video.opencv_frames import read_info
from tests.family_checks import frames_of

pytestmark = pytest.mark.slow


@pytest.fixture
def clip(tmp_path: Path) -> str:
    layout = circle_layout(640, 360, name="tap")
    return str(make_video(tmp_path / "tap.mp4", layout, seconds=3.0, seed=4).path)


def test_the_keyframes_seen_while_encoding_are_those_of_the_file(clip: str, tmp_path: Path) -> None:
    info = read_info(clip)
    region = locate_endoscope(clip, info).region
    assert region is not None
    seen, target = KeyframePeak(640, 360), tmp_path / "out.mp4"

    written = encode_masked(clip, target, region, info, on_keyframe=seen.add)

    from_file = KeyframePeak.of_file(str(target), 640, 360)
    assert written == info.frames == 75
    assert seen.keyframes == from_file.keyframes >= 6  # forced all over a 75-frame clip
    assert np.array_equal(seen.peak, from_file.peak)
    assert seen.peak.max() > 200  # the picture (and nothing outside it) is in there


def test_a_reader_that_fails_stops_the_encode_and_raises(clip: str, tmp_path: Path) -> None:
    info = read_info(clip)
    region = locate_endoscope(clip, info).region
    assert region is not None

    def broken(planes: np.ndarray) -> None:
        raise ValueError("reader broke")

    with pytest.raises(ValueError, match="reader broke"):  # not a hang, not an encoder error
        encode_masked(clip, tmp_path / "out.mp4", region, info, on_keyframe=broken)


def test_the_keyframes_are_numbered_with_the_frames_they_show(clip: str, tmp_path: Path) -> None:
    info = read_info(clip)
    region = locate_endoscope(clip, info).region
    assert region is not None
    planes: list[np.ndarray] = []
    numbers: list[int] = []
    target = tmp_path / "out.mp4"

    encode_masked(clip, target, region, info, on_keyframe=planes.append, numbered=numbers.extend)

    gap = keyframe_gap(info.frames, info.fps)
    assert set(range(0, info.frames, gap)) | {info.frames - 1} <= set(numbers)  # forced ones
    assert len(numbers) == len(planes) and numbers == sorted(numbers)
    frames = list(frames_of(target))
    for number, keyframe in zip(numbers, planes, strict=True):
        assert _difference(frames[number], keyframe) < 2.0  # that very frame
        other = frames[number + 3] if number + 3 < len(frames) else frames[number - 3]
        assert _difference(other, keyframe) > 2.0  # the tissue moves: not a neighbour


def _difference(bgr: np.ndarray, planes: np.ndarray) -> float:
    """Mean absolute difference between a BGR frame and ``3 x H x W`` G, B, R planes."""
    as_planes = np.stack([bgr[..., 1], bgr[..., 0], bgr[..., 2]]).astype(int)
    return float(np.abs(as_planes - planes).mean())


def test_a_box_with_a_frame_range_is_black_on_those_frames_only(clip: str, tmp_path: Path) -> None:
    info = read_info(clip)
    region = locate_endoscope(clip, info).region
    assert region is not None
    x, y, w, h = region.bbox
    box = TimedBox(x + w // 3, y + h // 3, 60, 30, 20, 40)
    target = tmp_path / "out.mp4"

    encode_masked(clip, target, region, info, boxes=[box])

    for index, frame in enumerate(frames_of(target)):
        inside = frame[box.y + 4 : box.y + box.h - 4, box.x + 4 : box.x + box.w - 4]
        assert (int(inside.max()) <= 16) == (20 <= index <= 40), index
