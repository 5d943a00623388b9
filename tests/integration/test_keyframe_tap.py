"""The keyframes decoded while encoding are the file's keyframes; a failing reader stops all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from adapters.demo.synthetic import circle_layout, make_video
from adapters.endoscope.activity import locate_endoscope
from adapters.masking.encode import encode_masked
from adapters.masking.verify import KeyframePeak
from adapters.video.opencv_frames import read_info

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
