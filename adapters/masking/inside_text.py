"""Patient-like text inside the endoscope image: read on the output's keyframes, beside the encode.

Masking outside the image cannot hide a banner a recorder draws *into* the picture (name,
birth date, exam date). A few of the keyframes the encoder writes (``adapters.masking.
keyframe_tap``) are copied, and an OCR worker thread reads the image's bounding box on them
(shrunk to ``READ_WIDTH``) while the encode goes on: no second decode. Lines that look like
patient data (a date, a time, a long number, a capitalised name with a comma) are returned
as boxes in frame coordinates, to be masked in a second encode or to fail the level with
``text_inside_image``.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import cv2
import numpy as np

from adapters.video.ocr import OcrEngine, TextBox

READ_KEYFRAMES = (0, 8)  # which keyframes are read (16 are spread over a video)
READ_WIDTH = 960  # the image is shrunk to this width before reading: text stays >= ~8 px
MIN_CONFIDENCE = 0.6
BOX_MARGIN_PX = 12  # masked around a line found: OCR boxes hug the letters
_DATE = re.compile(r"\d{1,2}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{2,4}")
_TIME = re.compile(r"\d{1,2}\s*:\s*\d{2}")
_NUMBER = re.compile(r"\d{5,}")
_NAME = re.compile(r"[A-ZÄÖÜ][a-zäöüß]{2,}\s*,\s*[A-ZÄÖÜ][a-zäöüß]{2,}")
_LABEL = re.compile(r"(name|geb|dob|birth|patient|id)\b", re.IGNORECASE)

Box = tuple[int, int, int, int]


@contextlib.contextmanager
def warmed_up(ocr: OcrEngine) -> Iterator[None]:
    """Load the OCR models in a thread while the block runs (the encode); join it after.

    RapidOCR loads its models on the first call (~1.5 s); the first keyframe read then
    waits less, or not at all. The thread is always joined: onnxruntime aborts the process
    if it is still loading when the interpreter exits.
    """

    def load() -> None:
        with contextlib.suppress(Exception):  # a missing engine is reported by the real read
            ocr.find_text(np.zeros((32, 32, 3), np.uint8))

    loader = threading.Thread(target=load, name="ocr-warm-up")
    loader.start()
    try:
        yield
    finally:
        loader.join()


def patient_like(text: str) -> bool:
    """Whether a line read looks like patient data (never for lone words like a brand)."""
    patterns = (_DATE, _TIME, _NUMBER, _NAME, _LABEL)
    return any(pattern.search(text) for pattern in patterns)


class InsideReader:
    """Reads the image's bounding box on chosen keyframes in a worker thread.

    Args:
        ocr: the engine that reads.
        bbox: ``(x, y, w, h)`` of the endoscope image in the frame.

    """

    def __init__(self, ocr: OcrEngine, bbox: Box) -> None:
        self._ocr, self._bbox = ocr, bbox
        self._seen = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inside-text")
        self._reads: list[Future[list[TextBox]]] = []

    def add(self, planes: np.ndarray) -> None:
        """Take one keyframe (``3 x H x W`` G, B, R planes); copy it if it is to be read."""
        if self._seen in READ_KEYFRAMES:
            x, y, w, h = self._bbox
            g, b, r = (plane[y : y + h, x : x + w] for plane in planes)
            self._reads.append(self._pool.submit(self._read, cv2.merge([b, g, r])))
        self._seen += 1

    def _read(self, image: np.ndarray) -> list[TextBox]:
        scale = min(1.0, READ_WIDTH / image.shape[1])
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        x0, y0 = self._bbox[:2]
        return [
            TextBox(
                x0 + int(t.x / scale),
                y0 + int(t.y / scale),
                int(t.w / scale) + 1,
                int(t.h / scale) + 1,
                t.text,
                t.confidence,
            )
            for t in self._ocr.find_text(small)
            if t.confidence >= MIN_CONFIDENCE
        ]

    def result(self) -> tuple[int, list[TextBox]]:
        """Wait for the reads: how many keyframes were read, and the patient-like lines."""
        try:
            lines = [line for read in self._reads for line in read.result()]
        finally:
            self._pool.shutdown(wait=True)
        return len(self._reads), [line for line in lines if patient_like(line.text)]


def blackout_boxes(lines: list[TextBox], width: int, height: int) -> list[Box]:
    """The boxes to black out over the lines found, widened by ``BOX_MARGIN_PX``."""
    boxes = []
    for line in lines:
        x0, y0 = max(line.x - BOX_MARGIN_PX, 0), max(line.y - BOX_MARGIN_PX, 0)
        x1 = min(line.x + line.w + BOX_MARGIN_PX, width)
        y1 = min(line.y + line.h + BOX_MARGIN_PX, height)
        boxes.append((x0, y0, x1 - x0, y1 - y0))
    return boxes
