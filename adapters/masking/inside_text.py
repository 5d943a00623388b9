"""Text inside the endoscope image: read on every keyframe of the output, beside the encode.

Masking outside the image cannot hide a banner a recorder draws *into* the picture (name,
birth date, exam date), nor a name shown there for a second. Every keyframe the encoder
writes (at most a second apart, ``adapters.masking.keyframe_tap``) goes to a worker thread
while the encode goes on: no second decode. A cheap look (``text_candidates``) marks the
places that may hold text; only those the previous keyframe did not show unchanged are cut
out, packed side by side into one small picture and read by the OCR (detector and
recognizer at their own scale); a line running up or down the image is packed turned both
ways, since the OCR reads only upright text. One keyframe is also read whole, in case the
look missed text of an unusual kind. What a data steward wants out of the image: every line
read with some confidence that has three letters or digits (an endoscope image holds no legitimate
text but the processor's own overlays, which are harmless to black out), and patient-like
lines (dates, times, ids, names, labels) even when read less surely.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from adapters.endoscope.faces import FaceFinder
from adapters.masking.text_candidates import Candidate, CandidateFinder, same_ink
from adapters.masking.text_tracks import (
    BOX_MARGIN_PX,
    TimedBox,
    follow_lines,
    overlaps,
    track_lines,
    union,
)
from adapters.masking.text_tracks import widen as widen_box
from adapters.video.frame_ranges import Range, covers
from adapters.video.ocr import ENGINE, OcrEngine, OcrUnavailable, RapidOcr, TextBox, _box

# The image read whole (a backstop for large or unusual text the cheap look may miss; small
# text it finds well) is shrunk to this width: 40-px text on a 1080p frame stays ~19 px.
READ_WIDTH = 640
MIN_CONFIDENCE = 0.6  # a line with MIN_CHARACTERS letters or digits read this surely goes
PATIENT_CONFIDENCE = 0.5  # a patient-like line goes even when read this surely
MIN_CHARACTERS = 3
_TILE_GAP = 16  # black pixels between the crops packed into one picture
_TURNS = (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE)  # a vertical line, read
_QUEUE = 4  # keyframes waiting for the worker: the tap (and so ffmpeg) waits beyond that
_DATE = re.compile(r"\d{1,2}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{2,4}")
_TIME = re.compile(r"\d{1,2}\s*:\s*\d{2}")
_NUMBER = re.compile(r"\d{5,}")
_NAME = re.compile(r"[A-ZÄÖÜ][a-zäöüß]{2,}\s*,\s*[A-ZÄÖÜ][a-zäöüß]{2,}")
_NAME_PAIR = re.compile(r"\b[A-ZÄÖÜ][a-zäöüß]+\s+[A-ZÄÖÜ][a-zäöüß]{2,}\b")
_CAPS_PAIR = re.compile(r"\b[A-ZÄÖÜ]{2,}[\s,]+[A-ZÄÖÜ]{2,}\b")
_LABEL = re.compile(r"\b(name|vorname|nachname|pat|patient|geb|dob|birth|born|id)\b", re.I)

Box = tuple[int, int, int, int]


class CropOcr(RapidOcr):
    """``OcrEngine``: RapidOCR that reads small pictures at their own scale, no angle step.

    RapidOCR's detector scales every picture so its *shorter* side is 736 px, which makes a
    crop of a few lines cost more than a whole frame; vertical candidates are turned upright.
    Its models run on the calling thread only (it reads beside an encode).
    """

    _crop_engine: Any = None

    def __init__(self) -> None:
        super().__init__()  # raises OcrUnavailable when the package is missing
        self.name += " (det at own scale, no angle classifier)"

    @classmethod
    def _load_crop(cls) -> Any:
        with cls._lock:
            if cls._crop_engine is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as err:
                    raise OcrUnavailable(f"{ENGINE} cannot be imported") from err
                # One thread per model: it reads beside the encode, which keeps every core
                # busy; ORT's own pool (a thread per core, spinning between operators) took
                # ~0.4 CPU s from x264 per 20 s of 1080p for nothing.
                cls._crop_engine = RapidOCR(
                    det_limit_type="max", det_limit_side_len=1280, use_cls=False,
                    intra_op_num_threads=1, inter_op_num_threads=1,
                )  # fmt: skip
            return cls._crop_engine

    def find_text(self, image: np.ndarray) -> list[TextBox]:
        """Every line of text on ``image``; an empty image gives an empty list."""
        if image.size == 0:
            return []
        found, _ = self._load_crop()(image)
        return [_box(points, text, score) for points, text, score in found or []]


@contextlib.contextmanager
def warmed_up(*engines: OcrEngine) -> Iterator[None]:
    """Load the OCR models in a thread while the block runs (the encode); join it after.

    RapidOCR loads its models on the first call (~1.5 s); the first keyframe read then
    waits less, or not at all. The thread is always joined: onnxruntime aborts the process
    if it is still loading when the interpreter exits.
    """

    def load() -> None:
        for ocr in engines:
            with contextlib.suppress(Exception):  # a missing engine is reported by the read
                ocr.find_text(np.zeros((32, 32, 3), np.uint8))

    loader = threading.Thread(target=load, name="ocr-warm-up")
    loader.start()
    try:
        yield
    finally:
        loader.join()


def patient_like(text: str) -> bool:
    """Whether a line read looks like patient data (never for lone words like a brand)."""
    patterns = (_DATE, _TIME, _NUMBER, _NAME, _NAME_PAIR, _CAPS_PAIR, _LABEL)
    return any(pattern.search(text) for pattern in patterns)


def worth_masking(line: TextBox) -> bool:
    """Whether a line read inside the image is blacked out (see the module's docstring)."""
    if line.confidence >= PATIENT_CONFIDENCE and patient_like(line.text):
        return True
    characters = sum(c.isalnum() for c in line.text)
    return line.confidence >= MIN_CONFIDENCE and characters >= MIN_CHARACTERS


@dataclass
class KeyframeCost:
    """What reading one keyframe took (for the benchmark)."""

    candidates: int
    read: int  # candidates cut out and read (the others were unchanged)
    seconds: float  # CPU time of the worker thread
    whole: bool = False  # read whole too


@dataclass
class InsideReading:
    """What the reader found on the keyframes it was given, in their order."""

    found: list[list[Box]] = field(default_factory=list)  # per keyframe, frame pixels
    whole: list[Box] = field(default_factory=list)  # lines no candidate followed
    costs: list[KeyframeCost] = field(default_factory=list)
    faces: list[float] = field(default_factory=list)  # per keyframe: how much a face shows
    faint: int = 0  # lines read where only faint light ink marked a place (read in parts)

    @property
    def keyframes(self) -> int:
        """How many keyframes were read."""
        return len(self.found)

    @property
    def lines(self) -> int:
        """How many lines to black out were read (one followed over keyframes counts once)."""
        return len(follow_lines(self.found)) + len(self.whole)

    def boxes(
        self, numbers: Sequence[int], frames: int, size: tuple[int, int],
        blank: Sequence[Range] = (), unsure: Collection[int] = (),
    ) -> list[TimedBox]:  # fmt: skip
        """The boxes to black out, widened, over their frames (``numbers``: of each keyframe).

        Without a frame number for every keyframe read, every line spans the whole video.
        What was read on keyframes in ``blank`` (blacked out whole) needs no box. A line
        missing on a frame in ``unsure`` goes on past it (``text_tracks.track_lines``).
        """
        width, height = size
        known = len(numbers) == len(self.found)
        found = self.found
        if known and blank:
            found = [[] if covers(blank, n) else boxes
                     for n, boxes in zip(numbers, found, strict=True)]  # fmt: skip
        tracks = track_lines(found, numbers if known else range(len(found)), frames, unsure)
        spans = [(t.first, t.last) if known else (0, frames - 1) for t in tracks]
        timed = [
            TimedBox(*widen_box(t.box, BOX_MARGIN_PX, width, height), *span)
            for t, span in zip(tracks, spans, strict=True)
        ]
        return timed + [TimedBox(*widen_box(b, BOX_MARGIN_PX, width, height), 0, frames - 1)
                        for b in self.whole]  # fmt: skip


@dataclass(frozen=True)
class _Seen:
    candidate: Candidate
    lines: list[Box]  # what it was read as (frame pixels); empty: no text worth masking


class InsideReader:
    """Reads the endoscope image on every keyframe given to it, in a worker thread.

    Args:
        ocr: the engine that reads (``CropOcr`` in production).
        inside: uint8 mask of the image inside its bounding box (255 inside).
        bbox: ``(x, y, w, h)`` of the image in the frame.
        masked: boxes (frame pixels) already blacked out: their edges are not text.
        whole_at: which keyframe is also read whole.
        faces: when given, each keyframe's image is also looked at for a face.

    """

    def __init__(
        self,
        ocr: OcrEngine,
        inside: np.ndarray,
        bbox: Box,
        masked: Sequence[Box] = (),
        whole_at: int = 0,
        faces: FaceFinder | None = None,
    ) -> None:
        self._ocr, self._bbox, self._whole_at, self._faces = ocr, bbox, whole_at, faces
        x, y = bbox[:2]
        self._finder = CandidateFinder(
            inside, [(bx - x, by - y, bw, bh) for bx, by, bw, bh in masked]
        )
        self._reading = InsideReading()
        self._previous: list[_Seen] = []
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(_QUEUE)
        self._failure: BaseException | None = None
        self._worker = threading.Thread(target=self._work, name="inside-text", daemon=True)
        self._worker.start()

    def add(self, planes: np.ndarray) -> None:
        """Take one keyframe (``3 x H x W`` G, B, R planes); waits while the worker is behind."""
        self._queue.put(planes)

    def result(self) -> InsideReading:
        """Wait for the reads; raise what the worker failed with."""
        self._queue.put(None)
        self._worker.join()
        if self._failure is not None:
            raise self._failure
        return self._reading

    def _work(self) -> None:
        while (planes := self._queue.get()) is not None:
            if self._failure is None:  # after a failure, only drain so the tap never waits
                try:
                    self._read(planes)
                except BaseException as failure:  # handed to the thread calling result()
                    self._failure = failure

    def _read(self, planes: np.ndarray) -> None:
        start = time.thread_time()
        index = len(self._reading.found)
        x, y, w, h = self._bbox
        crop = [plane[y : y + h, x : x + w] for plane in planes]
        candidates = self._finder.find(crop)
        seen, fresh = [], []
        for candidate in candidates:
            before = next((s for s in self._previous if same_ink(s.candidate, candidate)), None)
            if before is not None:
                seen.append(_Seen(candidate, before.lines))
            else:
                fresh.append(candidate)
        whole = index == self._whole_at
        wanted = fresh or whole or self._faces is not None
        bgr = cv2.merge([crop[1], crop[0], crop[2]]) if wanted else None
        if self._faces is not None and bgr is not None:
            self._reading.faces.append(self._faces.score(bgr))
        if bgr is not None:
            seen += self._read_candidates(bgr, fresh)
        found = [line for s in seen for line in s.lines]
        if bgr is not None and whole:  # in case the look missed text: follow it if covered
            for line in self._read_whole(bgr):
                if any(union(f, line) == f for f in found):
                    continue  # already blacked out with a candidate
                if any(overlaps(f, line) for f in found):
                    found.append(line)
                else:
                    self._reading.whole.append(line)
        self._previous = seen
        self._reading.found.append(found)
        self._reading.faint += sum(1 for s in seen if s.candidate.faint and s.lines)
        cost = KeyframeCost(len(candidates), len(fresh), time.thread_time() - start, whole)
        self._reading.costs.append(cost)

    def _read_candidates(self, bgr: np.ndarray, fresh: list[Candidate]) -> list[_Seen]:
        """Cut ``fresh`` out, pack them into one picture, read it; frame pixels back.

        A vertical candidate is packed turned both ways (text may run up or down), not
        upright; what is read on a turned piece is turned back.
        """
        if not fresh:
            return []
        height, width = bgr.shape[:2]
        own = [self._finder.to_frame(c.box, (0, 0)) for c in fresh]  # bounding-box pixels
        across = [box[2] if c.vertical else box[3] for c, box in zip(fresh, own, strict=True)]
        tiles = [widen_box(box, max(8, size // 2), width, height)
                 for box, size in zip(own, across, strict=True)]  # fmt: skip
        pieces, owners, turns = [], [], []
        for index, (candidate, (tx, ty, tw, th)) in enumerate(zip(fresh, tiles, strict=True)):
            cut = bgr[ty : ty + th, tx : tx + tw]
            for turn in _TURNS if candidate.vertical else (None,):
                pieces.append(cut if turn is None else cv2.rotate(cut, turn))
                owners.append(index)
                turns.append(turn)
        picture, places = _pack(pieces)
        x0, y0 = self._bbox[:2]
        read: list[list[Box]] = [[] for _ in tiles]
        for line in self._ocr.find_text(picture):
            piece = _tile_of((line.x, line.y, line.w, line.h), places)
            if piece is None or not worth_masking(line):
                continue
            (tx, ty, tw, th), (px, py, pw, ph) = tiles[owners[piece]], places[piece]
            # the line's box, kept inside its piece: the gaps of the packed picture are no image
            x1, y1 = max(line.x - px, 0), max(line.y - py, 0)
            x2, y2 = min(line.x + line.w - px, pw), min(line.y + line.h - py, ph)
            if x2 > x1 and y2 > y1:
                bx, by, bw, bh = _unturned((x1, y1, x2 - x1, y2 - y1), turns[piece], (tw, th))
                read[owners[piece]].append((bx + tx + x0, by + ty + y0, bw, bh))
        return [_Seen(c, boxes) for c, boxes in zip(fresh, read, strict=True)]

    def _read_whole(self, bgr: np.ndarray) -> list[Box]:
        scale = min(1.0, READ_WIDTH / bgr.shape[1])
        small = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        x0, y0 = self._bbox[:2]
        return [
            (x0 + int(t.x / scale), y0 + int(t.y / scale), int(t.w / scale) + 1,
             int(t.h / scale) + 1)
            for t in self._ocr.find_text(small)
            if worth_masking(t)
        ]  # fmt: skip


def _pack(tiles: list[np.ndarray]) -> tuple[np.ndarray, list[Box]]:
    """Lay ``tiles`` out in rows on one black picture; return it and where each went.

    The tallest first, so that a row holds tiles of like height (less black to read).
    """
    width = max(640, max(t.shape[1] for t in tiles) + 2 * _TILE_GAP)
    places: list[Box] = [(0, 0, 0, 0)] * len(tiles)
    x, y, row = _TILE_GAP, _TILE_GAP, 0
    for index in sorted(range(len(tiles)), key=lambda i: -tiles[i].shape[0]):
        h, w = tiles[index].shape[:2]
        if x + w + _TILE_GAP > width:
            x, y, row = _TILE_GAP, y + row + _TILE_GAP, 0
        places[index] = (x, y, w, h)
        x, row = x + w + _TILE_GAP, max(row, h)
    picture = np.zeros((y + row + _TILE_GAP, width, 3), np.uint8)
    for tile, (px, py, w, h) in zip(tiles, places, strict=True):
        picture[py : py + h, px : px + w] = tile
    return picture, places


def _unturned(box: Box, turn: int | None, size: tuple[int, int]) -> Box:
    """``box`` read on a tile of ``size`` (``w, h``) turned by ``turn``, on the tile itself."""
    x, y, w, h = box
    width, height = size
    if turn == cv2.ROTATE_90_CLOCKWISE:  # the tile's column c became row c, row r column h-1-r
        return y, height - x - w, h, w
    if turn == cv2.ROTATE_90_COUNTERCLOCKWISE:  # row r became column r, column c row w-1-c
        return width - y - h, x, h, w
    return box


def _tile_of(box: Box, places: list[Box]) -> int | None:
    """The tile ``box`` (a line read on the packed picture) overlaps most, if any."""
    best, best_area = None, 0
    for index, (px, py, pw, ph) in enumerate(places):
        w = min(box[0] + box[2], px + pw) - max(box[0], px)
        h = min(box[1] + box[3], py + ph) - max(box[1], py)
        if w > 0 and h > 0 and w * h > best_area:
            best, best_area = index, w * h
    return best
