"""Score a masked copy of a generated recording against its ground truth.

Four numbers per recording: the patient strings Tesseract still reads (``tests.tesseract_judge``),
the share of the endoscope image blacked out, the PSNR inside the image, and whether the frames
without an endoscope image (registration screen, room) came out black.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from tests.layouts import SECRETS, Recording
from tests.tesseract_judge import leaks_in_video, read_text, readable

LOST_INPUT_LEVEL = 10  # grey level above which an input pixel shows image
LOST_OUTPUT_LEVEL = 4  # ... and at or below which the output pixel is blacked
BLANK_LEVEL = 16
TEXT_MARGIN = 24  # the box masked over text inside the image may take this much around it


@dataclass(frozen=True)
class Score:
    """How well one recording was masked."""

    leaks: dict[int, list[str]]
    lost_percent: float
    psnr_db: float
    blank_ok: bool

    def line(self) -> str:
        """One line for a report: leaks, image lost, PSNR, blanks."""
        leaked = sorted({s for found in self.leaks.values() for s in found})
        blanks = "ok" if self.blank_ok else "SHOWN"
        return (f"leaks {len(leaked)} lost {self.lost_percent:5.2f} % "
                f"PSNR {self.psnr_db:5.1f} dB blanks {blanks}")  # fmt: skip


def frames_of(path: Path) -> Iterator[np.ndarray]:
    """Every decoded BGR frame of ``path``."""
    capture = cv2.VideoCapture(str(path))
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            yield frame
    finally:
        capture.release()


def judged_area(recording: Recording) -> tuple[np.ndarray, np.ndarray]:
    """The image pixels that count (text inside and its margin left out), and their core."""
    allowed = np.zeros_like(recording.image_mask)
    for x, y, w, h in recording.inside_text:
        m = TEXT_MARGIN
        allowed[max(y - m, 0) : y + h + m, max(x - m, 0) : x + w + m] = 255
    area = (recording.image_mask > 0) & (allowed == 0)
    core = cv2.erode(recording.image_mask, np.ones((7, 7), np.uint8)) > 0
    return area, core & area


def _blank(index: int, recording: Recording) -> bool:
    return any(start <= index < end for start, end in recording.blank_ranges)


def score(recording: Recording, output: Path, leak_frames: int = 4) -> Score:
    """Compare ``output`` (a masked copy of ``recording``) with its ground truth."""
    area, core = judged_area(recording)
    lost, counted, squared, pixels, blank_ok = 0.0, 0, 0.0, 0, True
    pairs = zip(frames_of(recording.path), frames_of(output), strict=False)
    for index, (before, after) in enumerate(pairs):
        if _blank(index, recording):
            blank_ok &= int(after.max()) <= BLANK_LEVEL
            continue
        if index % 3:
            continue
        grey_in = cv2.cvtColor(before, cv2.COLOR_BGR2GRAY)
        grey_out = cv2.cvtColor(after, cv2.COLOR_BGR2GRAY)
        shown = area & (grey_in > LOST_INPUT_LEVEL)
        blacked = int(np.count_nonzero(shown & (grey_out <= LOST_OUTPUT_LEVEL)))
        lost += blacked / max(int(np.count_nonzero(area)), 1)
        counted += 1
        diff = before[core].astype(np.float64) - after[core].astype(np.float64)
        squared += float(np.sum(diff * diff))
        pixels += diff.size
    mse = squared / max(pixels, 1)
    psnr = 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)
    leaks = leaks_in_video(str(output), SECRETS, count=leak_frames)
    return Score(leaks, 100 * lost / max(counted, 1), float(psnr), blank_ok)


def leaks_in_boxes(recording: Recording, output: Path, frames: int = 3) -> list[str]:
    """The secrets Tesseract reads in crops around the text drawn inside the image.

    Tesseract misses light text on a textured picture when it reads the whole frame; read
    alone, upscaled, the crop around a banner line is read reliably (see the raw check).
    """
    found: set[str] = set()
    for index, frame in enumerate(frames_of(output)):
        if index >= frames:
            break
        for x, y, w, h in recording.inside_text:
            m = TEXT_MARGIN
            crop = frame[max(y - m, 0) : y + h + m, max(x - m, 0) : x + w + m]
            found.update(readable(read_text(crop), SECRETS))
    return sorted(found)
