"""Level 1 is fail-safe: outside the endoscope image only lines judged harmless stay visible.

Text the OCR never found (too small, too faint) must not survive level 1 just because nobody
classified it: everything outside the image is black unless a kept line covers it, and a mask
always wins over a kept box. One ffmpeg pass draws all of it.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from adapters.cleaning.encode_pass import encode_cleaned
from adapters.cleaning.tracking import Mask
from adapters.endoscope.region import Region
from adapters.video.ffmpeg import H264Writer
from adapters.video.opencv_frames import iter_frames, read_info

W, H, FRAMES = 320, 240, 10
IMAGE = (120, 0, 200, 240)  # the endoscope image: x, y, w, h
DEVICE = (10, 200, 90, 220)  # a kept line (device label): x0, y0, x1, y1
UNREAD = (10, 20, 60, 28)  # tiny text the OCR never found
PATIENT = (140, 100, 200, 120)  # a patient line found inside the image
OVERLAP = (76, 196, 110, 224)  # a mask over the end of the kept line: the mask wins


def _clip(path: Path) -> Path:
    with H264Writer(path, W, H, 25.0, "yuv420p") as writer:
        for n in range(FRAMES):
            frame = np.zeros((H, W, 3), np.uint8)
            x, y, w, h = IMAGE
            frame[y : y + h, x : x + w] = (60, 80, 160 + n)  # the "tissue"
            for x0, y0, x1, y1 in (DEVICE, UNREAD, PATIENT):
                frame[y0:y1, x0:x1] = 255  # white "text"
            writer.write(frame)
    return path


def test_only_kept_lines_survive_outside_the_image(tmp_path: Path) -> None:
    source = _clip(tmp_path / "in.mp4")
    mask = np.zeros((H, W), np.uint8)
    x, y, w, h = IMAGE
    mask[y : y + h, x : x + w] = 255
    region = Region(mask, IMAGE, "test@1", rectangle=True)
    keyframes: list[np.ndarray] = []
    written = encode_cleaned(
        str(source),
        tmp_path / "out.mp4",
        read_info(str(source)),
        region,
        [Mask(0, FRAMES - 1, PATIENT), Mask(0, FRAMES - 1, OVERLAP)],
        [Mask(0, FRAMES - 1, DEVICE)],
        keyframes.append,
    )
    assert written == FRAMES
    assert keyframes, "the encoder's keyframes reach verification during the encode"
    for frame in iter_frames(str(tmp_path / "out.mp4")):
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        x0, y0, x1, y1 = UNREAD
        assert grey[y0:y1, x0:x1].max() <= 16, "unread text outside the image survived"
        x0, y0, x1, y1 = PATIENT
        assert grey[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].max() <= 16, "a patient line survived"
        x0, y0, x1, y1 = DEVICE
        assert grey[y0 + 2 : y1 - 2, x0 + 2 : 70].min() >= 200, "the kept line was lost"
        x0, y0, x1, y1 = OVERLAP
        assert grey[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].max() <= 16, "a kept box beat a mask"
        assert grey[120, 160] > 60, "the endoscope image was lost"
