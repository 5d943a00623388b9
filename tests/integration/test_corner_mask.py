"""The corners of a round image are black to the last pixel, wherever its box starts.

ffmpeg's ``overlay`` in yuv420 puts a picture only at even coordinates: a corner picture
meant for an odd ``x`` or ``y`` landed a pixel left or up, and the box's last column or row
kept the source's pixels (a clock on the rim stayed readable there).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from adapters.endoscope.region import Region
from adapters.masking.encode import encode_masked
from adapters.video.ffmpeg import ffmpeg_exe
from adapters.video.opencv_frames import read_info
from tests.family_checks import frames_of

pytestmark = pytest.mark.slow

WIDTH, HEIGHT, RADIUS = 96, 80, 20
EDGE_PX = 3  # compression may smear the image's edge this far into the black
DARK = 30  # black is 16; white, the source everywhere, is 235


def white_clip(path: Path) -> str:
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
         f"color=c=white:s={WIDTH}x{HEIGHT}:r=25:d=0.4",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return str(path)


def round_region(x: int, y: int) -> Region:
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.circle(mask, (x + RADIUS, y + RADIUS), RADIUS, 255, -1)
    return Region(mask, (x, y, 2 * RADIUS + 1, 2 * RADIUS + 1), "test", rectangle=False)


@pytest.mark.parametrize("corner", [(27, 17), (28, 18), (27, 18), (28, 17)])
def test_every_pixel_outside_a_round_image_is_black(
    tmp_path: Path, corner: tuple[int, int]
) -> None:
    clip = white_clip(tmp_path / "white.mp4")
    region = round_region(*corner)
    target = tmp_path / "out.mp4"

    encode_masked(clip, target, region, read_info(clip))

    near = cv2.dilate(region.mask, np.ones((2 * EDGE_PX + 1, 2 * EDGE_PX + 1), np.uint8))
    for frame in frames_of(target):
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
        outside = grey[near == 0]
        assert int(outside.max()) <= DARK, np.argwhere((grey > DARK) & (near == 0))[:3]
        assert grey[corner[1] + RADIUS, corner[0] + RADIUS] > 200  # the image itself is kept
