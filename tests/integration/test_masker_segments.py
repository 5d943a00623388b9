"""A region per segment: keyframes numbered from the file, each checked against its own region."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from adapters.endoscope.activity import locate_endoscope
from adapters.endoscope.blanks import classify_finding
from adapters.endoscope.region import Region
from adapters.endoscope.segments import Segment
from adapters.masking.encode import encode_masked, keyframe_gap
from adapters.masking.mp4_index import keyframe_numbers
from adapters.masking.verify import VerificationFailed, verify_output
from adapters.video.ffmpeg import ffmpeg_exe
from adapters.video.ocr import TextBox
from adapters.video.opencv_frames import VideoInfo, read_info
from tests.layouts import FAMILIES, make_recording


class NoText:
    """An OCR engine that reads nothing: the checks decide on pixel levels alone."""

    name = "no-text"

    def find_text(self, image: np.ndarray) -> list[TextBox]:
        return []


def write_clip(path: Path, frames: int, cut: int, args: list[str], fps: int = 25) -> None:
    """A 160x120 clip: one texture, then a hard cut to another at frame ``cut``."""
    rng = np.random.default_rng(5)
    first, second = (rng.integers(0, 255, (120, 160, 3), np.uint8) for _ in range(2))
    command = [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24",
               "-s", "160x120", "-r", str(fps), "-i", "-", *args, str(path)]  # fmt: skip
    data = b"".join((first if i < cut else second).tobytes() for i in range(frames))
    subprocess.run(command, input=data, check=True)


def decoded_keyframes(path: Path, fps: float) -> list[int]:
    """The frames ffmpeg decodes as keyframes, numbered by their time (a constant rate)."""
    times = path.with_suffix(".txt")
    subprocess.run([ffmpeg_exe(), "-v", "error", "-skip_frame", "nokey", "-i", str(path), "-vf",
                    f"metadata=mode=add:key=k:value=1,metadata=mode=print:file={times}",
                    "-f", "null", "-"], check=True)  # fmt: skip
    lines = [line for line in times.read_text().splitlines() if "pts_time:" in line]
    return [round(float(line.split("pts_time:")[1]) * fps) for line in lines]


def test_keyframes_are_numbered_from_the_index_with_those_the_encoder_added(
    tmp_path: Path,
) -> None:
    source, target = tmp_path / "in.mp4", tmp_path / "out.mp4"
    # At 50 fps the forced keyframes are 28 frames apart (450 // 16), wider than libx264's
    # shortest GOP (25): it adds one at the cut. (At 25 fps they are 25 apart, and it adds none.)
    args = ["-c:v", "libx264", "-crf", "30", "-preset", "ultrafast"]
    write_clip(source, 450, 446, args, fps=50)
    whole = Region(np.full((120, 160), 255, np.uint8), (0, 0, 160, 120), "all", rectangle=True)

    encode_masked(str(source), target, whole, VideoInfo(160, 120, 50.0, 450))

    numbers = keyframe_numbers(str(target))
    assert numbers == decoded_keyframes(target, 50.0)
    gap = keyframe_gap(450, 50.0)
    forced = {n for n in range(450) if n % gap == 0} | {449}  # keyframe_rule(450, 50.0)
    assert forced < set(numbers)  # libx264 added one at the cut: the rule alone would be wrong


def test_a_file_of_keyframes_only_has_every_frame_numbered(tmp_path: Path) -> None:
    path = tmp_path / "intra.mp4"
    write_clip(path, 20, 10, ["-c:v", "libx264", "-g", "1", "-preset", "ultrafast"])

    assert keyframe_numbers(str(path)) == list(range(20)) == decoded_keyframes(path, 25.0)


def test_each_keyframe_is_checked_outside_the_region_of_its_own_frame(tmp_path: Path) -> None:
    recording = make_recording(tmp_path / "in.mp4", FAMILIES["shrink"], seed=6)
    info = read_info(str(recording.path))
    finding = locate_endoscope(str(recording.path), info)
    segments = classify_finding(str(recording.path), finding, info.frames).segments
    assert [s.ranges for s in segments] == [((0, 19),), ((20, 39),)]
    big, small = (s.region for s in segments)
    target = tmp_path / "out.mp4"
    written = encode_masked(str(recording.path), target, big, info, segments=segments)

    checked = verify_output(str(target), big, info, written, NoText(), segments=segments)

    assert (checked.segments, checked.keyframes) == (2, 6)  # 0 12 24 36 39, and 20 forced
    assert "(2 segments)" in checked.summary()
    # the small region over the first frames: their ring of image is found outside it
    wrong = (Segment(small, ((0, 19),)), Segment(big, ((20, 39),)))
    with pytest.raises(VerificationFailed, match="reach level"):
        verify_output(str(target), big, info, written, NoText(), segments=wrong)
