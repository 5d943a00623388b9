"""A long video's many frames to force, blank or read reach ffmpeg whole.

ffmpeg's expression parser refuses a flat sum of about 100 terms, and Linux refuses one
argument over 128 KiB: an hour of endoscopy with an instrument going in and out, or with
many brief screens, gets past both. The frame sets are trees (``frame_ranges.expression``)
and long option values go to ffmpeg in files (``ffmpeg_frames.LONG_ARG``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import adapters.video.ffmpeg_frames as ffmpeg_frames
from adapters.demo.synthetic import circle_layout, make_video
from adapters.endoscope.activity import locate_endoscope
from adapters.masking.encode import encode_masked
from adapters.masking.frame_reads import select_filter
from adapters.masking.mp4_index import keyframe_numbers
from adapters.video.ffmpeg_frames import stream_frames
from adapters.video.frame_ranges import expression
from adapters.video.opencv_frames import read_info
from tests.family_checks import frames_of

pytestmark = pytest.mark.slow

FORCED = list(range(101, 601, 2))  # 250 keyframes, none on the regular ones (every 12th)
BLANK = [(start, start + 1) for start in range(20, 620, 4)]  # 150 stretches of 2 frames


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("long-lists")
    layout = circle_layout(320, 240, name="long")
    return str(make_video(folder / "in.mp4", layout, seconds=26.0, seed=5).path)


def test_the_expression_is_a_shallow_tree_true_exactly_on_the_frames() -> None:
    ranges = [(5, 5), (1, 2), (9, 12), (3, 3)]

    text = expression(ranges)

    assert text == "if(lt(n,5),between(n,1,3),if(lt(n,9),eq(n,5),between(n,9,12)))"
    assert expression([]) == "0"
    assert expression([(n, n) for n in range(0, 4000, 2)]).count("if(") == 1999
    assert max(_depths(expression([(n, n) for n in range(0, 4000, 2)]))) <= 2 * 12


@pytest.mark.parametrize("spill", [False, True], ids=["inline", "in-files"])
def test_hundreds_of_forced_keyframes_and_blanked_stretches_are_all_encoded(
    clip: str, tmp_path: Path, spill: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if spill:  # every option value over 64 characters goes to ffmpeg in a file
        monkeypatch.setattr(ffmpeg_frames, "LONG_ARG", 64)
    info = read_info(clip)
    region = locate_endoscope(clip, info).region
    assert region is not None
    target = tmp_path / "out.mp4"

    written = encode_masked(clip, target, region, info, blank=BLANK, keyframes=FORCED)

    assert written == info.frames == 650
    assert set(FORCED) <= set(keyframe_numbers(str(target)) or [])
    blanked = {frame for start, end in BLANK for frame in range(start, end + 1)}
    for number, frame in enumerate(frames_of(target)):
        if number in blanked:
            assert frame.max() <= 20, number
        elif number < 620:
            assert frame.max() > 100, number  # the image is shown between the stretches


@pytest.mark.parametrize("spill", [False, True], ids=["inline", "in-files"])
def test_hundreds_of_frames_are_decoded_and_only_those(
    clip: str, spill: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if spill:
        monkeypatch.setattr(ffmpeg_frames, "LONG_ARG", 64)
    wanted = list(range(3, 650, 3))  # 216 frames

    greys = list(stream_frames(["-i", clip], select_filter(wanted), 320, 240, "gray"))

    every = list(stream_frames(["-i", clip], "null", 320, 240, "gray"))
    assert len(greys) == len(wanted)
    assert all(np.array_equal(g, every[n]) for g, n in zip(greys, wanted, strict=True))


def _depths(text: str) -> list[int]:
    depth, seen = 0, [0]
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        seen.append(depth)
    return seen
