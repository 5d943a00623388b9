"""``recheck`` of an output whose endoscope image changes: each segment against its own region."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from adapters.masking.masker import OpenCVMasker
from adapters.masking.recheck import recheck
from adapters.video.ffmpeg import ffmpeg_exe
from adapters.video.ocr import RapidOcr
from tests.layouts import FAMILIES, make_recording

pytestmark = pytest.mark.slow

# In the ring the big image (frames 0-19) shows and the small one (20-39) masks black:
# inside the region of the first segment, outside the region of the second.
RING_BOX = "x=292:y=260:w=20:h=20"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The level-2 output of a recording whose image shrinks at frame 20."""
    folder = tmp_path_factory.mktemp("shrink")
    recording = make_recording(folder / "in.mp4", FAMILIES["shrink"], seed=6)
    target = folder / "out.mp4"
    result = OpenCVMasker().mask("video-s", str(recording.path), str(target))
    assert result.output == str(target), result.detail
    assert "2 regions" in result.detail
    return target


def reencode(source: Path, target: Path, box_colour: str | None) -> Path:
    """Re-encode ``source`` (a keyframe every 5 frames), a box drawn on frames 20 on."""
    chain = f"drawbox={RING_BOX}:color={box_colour}:t=fill:enable='gte(n,20)'"
    command = [ffmpeg_exe(), "-v", "error", "-y", "-i", str(source),
               *(["-vf", chain] if box_colour else []),
               "-c:v", "libx264", "-crf", "16", "-preset", "veryfast", "-g", "5",
               "-pix_fmt", "yuv420p", str(target)]  # fmt: skip
    subprocess.run(command, check=True)
    return target


def test_a_published_two_segment_output_passes_with_both_segments_checked(
    published: Path,
) -> None:
    found = recheck(str(published), RapidOcr())

    assert found.passed, found.problem
    assert found.segments == 2
    assert found.keyframes >= 4 and found.inside_keyframes_read >= 1


@pytest.mark.parametrize(("colour", "passes"), [(None, True), ("white", False)])
def test_pixels_in_the_surround_of_the_second_segment_only_fail(
    published: Path, tmp_path: Path, colour: str | None, passes: bool
) -> None:
    # the same re-encode without the box passes: the box alone makes the difference
    tampered = reencode(published, tmp_path / "tampered.mp4", colour)

    found = recheck(str(tampered), RapidOcr())

    assert found.segments == 2
    assert found.passed is passes, found.problem
    if not passes:
        assert found.problem is not None and "outside the endoscope image" in found.problem
