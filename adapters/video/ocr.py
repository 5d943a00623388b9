"""Offline OCR: RapidOCR (ONNX models shipped inside the ``rapidocr-onnxruntime`` wheel).

Nothing is downloaded at run time. One engine per process, loaded lazily: the first call
costs about a second, later full-HD frames about 0.5-1 s each, so callers sample frames and
crop to the regions that matter.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Protocol

import numpy as np

ENGINE = "rapidocr_onnxruntime"


class OcrUnavailable(Exception):
    """The OCR engine is not installed or cannot load its models."""


@dataclass(frozen=True)
class TextBox:
    """A line of text found on an image: its axis-aligned box, text and confidence."""

    x: int
    y: int
    w: int
    h: int
    text: str
    confidence: float


class OcrEngine(Protocol):
    """Finds lines of text on a BGR image."""

    name: str

    def find_text(self, image: np.ndarray) -> list[TextBox]:
        """Every line of text on ``image`` (BGR, HxWx3), in image coordinates."""
        ...


class RapidOcr:
    """``OcrEngine`` backed by RapidOCR; thread-safe, one model set per process."""

    _lock = threading.Lock()
    _engine: Any = None

    def __init__(self) -> None:
        try:
            self.name = f"{ENGINE} {metadata.version('rapidocr-onnxruntime')}"
        except metadata.PackageNotFoundError:
            raise OcrUnavailable(f"{ENGINE} is not installed") from None

    @classmethod
    def _load(cls) -> Any:
        with cls._lock:
            if cls._engine is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as err:
                    raise OcrUnavailable(f"{ENGINE} cannot be imported") from err
                cls._engine = RapidOCR()
            return cls._engine

    def find_text(self, image: np.ndarray) -> list[TextBox]:
        """Every line of text on ``image``; an empty image gives an empty list."""
        if image.size == 0:
            return []
        found, _ = self._load()(image)
        return [_box(points, text, score) for points, text, score in found or []]


def _box(points: list[list[float]], text: str, score: float) -> TextBox:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x, y = int(min(xs)), int(min(ys))
    return TextBox(x, y, int(max(xs)) - x + 1, int(max(ys)) - y + 1, text, float(score))
