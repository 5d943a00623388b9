"""Where text may be inside the endoscope image: a cheap look before any OCR is run.

Burned-in text is drawn in thin strokes of one colour: on a keyframe it shows as thin
structures much brighter (or darker) than their surroundings in some colour plane, several
of them side by side along a line. Tissue shows soft gradients, vessels long dark curves,
specular highlights single bright blobs. A white and a black top-hat per colour plane, the
long dark curves and single blobs removed, joined along lines (wider than high, inked enough:
not a thin curve), mark the places worth reading; the OCR's detector then decides on those
crops only. About 20 ms per 1080p keyframe, against ~0.4 s for the detector over the whole
image. On generated frames (text 11-44 px in seven colours over sharp vessels and highlights)
it marked 1463 of 1470 lines, the misses all 44-px lines partly covered, with ~6 false
places per keyframe on that tissue and none on smooth tissue.
Light ink is looked for a second time at ``FAINT_LEVEL``: a white overlay at a sixth of full
opacity (plain to the eye, published green and readable before) is marked too. Taking ink at
22 everywhere instead gave 6-27 % more places on textured tissue (none read as text), but
joined a 20-px yellow line on vessels with the tissue around it: a second look, not a lower
level.
Lines that run up or down the image (a recorder writing along a side) are looked for on the
transposed ink and marked ``vertical`` (they are read turned): 432 of 432 such lines (12-32 px,
white, yellow, dark, on 72 frames of vascular tissue) marked. On that 720p tissue the look
costs ~8 ms more per keyframe and marks ~5 more places (16.7 against 11.4); a letter touching
a dark vessel goes with it, as in lines lying.

Everything here is in *work* pixels: the image's bounding box shrunk to ``WORK_WIDTH``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h

WORK_WIDTH = 960  # 12-px text on a 1080p frame stays ~8 px high
STROKE_PX = 9  # top-hat size: strokes thinner than this stand out (fonts up to ~60 px)
INK_LEVEL = 36  # above (below) the opened picture by this much in some plane: ink
FAINT_LEVEL = 22  # looked at again for light ink this faint (a white overlay at a sixth
# of full opacity stands out by ~30); not instead: at 22, tissue joins strong lines
BORDER_PX = 6  # frame pixels along the image's border (and masked boxes) not looked at
MIN_LINE_PX = 5  # lower lines (thin vessels, specks) hold no readable text
MAX_LINE_PX = 96  # taller structures are not a line of text (work pixels)
LONG_PX = 32  # a structure longer than this, crossing each row once or twice: a vessel
_JOIN = (3, 11)  # (rows, columns): letters and words of one line join
MERGE_PX = 8  # candidates closer than this are read as one crop
STANDING_LETTERS = 3  # pieces apart a line running up or down the image needs (see _text_like)
MIN_INK = 0.05  # share of a line's box its strokes cover (thin vessel curves cover less)


@dataclass(frozen=True)
class Candidate:
    """A place on one keyframe that may hold a line of text."""

    box: Box  # work pixels
    ink: np.ndarray  # bool, the ink inside ``box`` (to compare with the next keyframe)
    vertical: bool = False  # a line running up or down the image (read turned)
    faint: bool = False  # only light ink this faint marks it (``FAINT_LEVEL``)


def crossings(ink: np.ndarray) -> float:
    """How often a row of ``ink`` goes from background into ink (75th percentile of rows)."""
    starts = np.count_nonzero(ink[:, 1:] & ~ink[:, :-1], axis=1) + ink[:, 0]
    rows = starts[starts > 0]
    return float(np.percentile(rows, 75)) if rows.size else 0.0


def _solidity(ink: np.ndarray) -> float:
    points = cv2.findNonZero(ink.astype(np.uint8))
    hull = cv2.contourArea(cv2.convexHull(points)) if points is not None else 0.0
    return float(np.count_nonzero(ink)) / max(hull, 1.0)


def _hats(planes: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (STROKE_PX, STROKE_PX))
    bright = dark = None
    for plane in planes:
        top = cv2.morphologyEx(plane, cv2.MORPH_TOPHAT, kernel)
        black = cv2.morphologyEx(plane, cv2.MORPH_BLACKHAT, kernel)
        bright = top if bright is None else np.maximum(bright, top)
        dark = black if dark is None else np.maximum(dark, black)
    assert bright is not None and dark is not None
    return bright, dark


def _window(ink: np.ndarray, pad: tuple[int, int] = (0, 0)) -> tuple[slice, slice] | None:
    """The rows and columns holding all of ``ink``, ``pad`` (rows, columns) wider; None if empty.

    Labelling only there gives the same components at a fraction of the cost when the ink
    is sparse (a keyframe with a line or two): most of a keyframe holds none.
    """
    x, y, w, h = cv2.boundingRect(ink.astype(np.uint8))
    if w == 0 or h == 0:
        return None
    rows, columns = ink.shape[:2]
    return (slice(max(0, y - pad[0]), min(rows, y + h + pad[0])),
            slice(max(0, x - pad[1]), min(columns, x + w + pad[1])))  # fmt: skip


def _without_vessels(ink: np.ndarray) -> np.ndarray:
    """Dark ``ink`` without structures too tall for text or long curves (vessels)."""
    kept = np.zeros(ink.shape, bool)
    window = _window(ink)
    if window is None:
        return kept
    inked = ink[window].astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(inked, connectivity=8)
    keep = np.zeros(count, bool)
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label, :4])
        if h > MAX_LINE_PX:
            continue
        if max(w, h) > LONG_PX and crossings(labels[y : y + h, x : x + w] == label) <= 2:
            continue
        keep[label] = True
    kept[window] = keep[labels]
    return kept


def _text_like(response: np.ndarray, level: int, standing: bool = False) -> bool:
    """Whether the ink of one joined component is more than a lone convex blob.

    Looked at above 60 % of its strongest response, so that the gaps between the letters
    of high-contrast text open even where the shrunk image fused them. A line that runs up
    or down the image (``standing``, looked at transposed) needs three letters apart: on
    vascular tissue that halves the places marked (113 to 51 on 12 frames), on lines of
    text it loses 14 pieces of 712.
    """
    ink = response > max(level, 0.6 * int(response.max()))
    parts, _ = cv2.connectedComponents(ink.astype(np.uint8), connectivity=8)
    if standing:
        return parts - 1 >= STANDING_LETTERS
    return parts - 1 >= 2 or crossings(ink) >= 3


def _lines(
    glyphs: np.ndarray,
    response: np.ndarray,
    level: int = INK_LEVEL,
    split: bool = True,
    standing: bool = False,
) -> list[Box]:
    """The boxes of the lines ``glyphs`` (taken at ``level`` from ``response``) form.

    A joined component too tall for a line is text touching a vessel or a bright ridge
    between two: looked at once more without its long thin pieces (``split``).
    """
    window = _window(glyphs, (_JOIN[0] // 2, _JOIN[1] // 2))  # all the dilation reaches
    if window is None:
        return []
    top, left = window[0].start, window[1].start
    glyphs, response = glyphs[window], response[window]  # window pixels from here on
    grown = cv2.dilate(glyphs.astype(np.uint8), np.ones(_JOIN, np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    boxes = []
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label, :4])
        if h < MIN_LINE_PX or w < 6:
            continue
        own = glyphs[y : y + h, x : x + w] & (labels[y : y + h, x : x + w] == label)
        if h > MAX_LINE_PX:
            if split:
                inner = _lines(_without_vessels(own), response[y : y + h, x : x + w], level,
                               False, standing)  # fmt: skip
                boxes += [(left + x + bx, top + y + by, bw, bh) for bx, by, bw, bh in inner]
            continue
        if w < h or np.count_nonzero(own) < MIN_INK * w * h:
            continue  # a line of letters is wider than high, and inked: not a thin curve
        if _text_like(np.where(own, response[y : y + h, x : x + w], 0), level, standing):
            boxes.append((left + x, top + y, w, h))  # not a lone convex blob (a highlight)
    return boxes


def _turned_lines(
    bright: np.ndarray, dark: np.ndarray, bright_hat: np.ndarray, dark_hat: np.ndarray
) -> list[Box]:
    """The lines that run up or down the image: ``_lines`` of the transposed ink."""

    def turn(a: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a.T)

    found = (_lines(turn(bright), turn(bright_hat), standing=True)
             + _lines(turn(dark), turn(dark_hat), standing=True))  # fmt: skip
    return [(y, x, h, w) for x, y, w, h in found]


def _within(inner: Box, outer: Box) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1]
            and inner[0] + inner[2] <= outer[0] + outer[2]
            and inner[1] + inner[3] <= outer[1] + outer[3])  # fmt: skip


def merge_boxes(boxes: list[Box], gap: int) -> list[Box]:
    """Boxes closer than ``gap`` to each other joined into one (until none are)."""
    merged = list(boxes)
    changed = True
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                a, b = merged[i], merged[j]
                if (a[0] - gap < b[0] + b[2] and b[0] - gap < a[0] + a[2]
                        and a[1] - gap < b[1] + b[3] and b[1] - gap < a[1] + a[3]):  # fmt: skip
                    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
                    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
                    merged[i] = (x0, y0, x1 - x0, y1 - y0)
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    return merged


class CandidateFinder:
    """Finds text candidates on keyframes of one image (bounding box and shape).

    Args:
        inside: uint8 mask of the image inside its bounding box (255 inside).
        masked: boxes (bounding-box pixels) already blacked out: their outline is no text.

    """

    def __init__(self, inside: np.ndarray, masked: Sequence[Box] = ()) -> None:
        height, width = inside.shape
        self.scale = min(1.0, WORK_WIDTH / width)
        self.size = (max(1, round(width * self.scale)), max(1, round(height * self.scale)))
        outline = inside.copy()
        for x, y, w, h in masked:  # a black box's edge is sharp, straight and no text
            cv2.rectangle(outline, (x, y), (x + w - 1, y + h - 1), 0, 2 * BORDER_PX)
        band = 2 * BORDER_PX + 1
        looked_at = cv2.erode(outline, np.ones((band, band), np.uint8))
        small = cv2.resize(looked_at, self.size, interpolation=cv2.INTER_AREA)
        self.looked_at = small == 255

    def find(self, planes: Sequence[np.ndarray]) -> list[Candidate]:
        """The candidates on one keyframe's planes (bounding box, frame resolution)."""
        work = list(planes)
        if self.scale < 1.0:  # linear, not area: as good for the candidates, 7x faster
            work = [cv2.resize(p, self.size, interpolation=cv2.INTER_LINEAR) for p in work]
        bright_hat, dark_hat = _hats(work)
        bright = (bright_hat > INK_LEVEL) & self.looked_at
        dark = _without_vessels((dark_hat > INK_LEVEL) & self.looked_at)
        faint = (bright_hat > FAINT_LEVEL) & self.looked_at
        lines = _lines(bright, bright_hat) + _lines(dark, dark_hat)
        boxes = merge_boxes(lines + _lines(faint, bright_hat, FAINT_LEVEL), MERGE_PX)
        turned = merge_boxes(_turned_lines(bright, dark, bright_hat, dark_hat), MERGE_PX)
        standing = [b for b in turned if b[3] > b[2]]  # the letters of a word lying join wide
        ink = bright | dark
        return [
            Candidate(b, ink[b[1] : b[1] + b[3], b[0] : b[0] + b[2]], vertical,
                      not vertical and not any(_within(line, b) for line in lines))
            for vertical, found in ((False, boxes), (True, standing))
            for b in found
        ]  # fmt: skip

    def to_frame(self, box: Box, origin: tuple[int, int], pad: int = 0) -> Box:
        """``box`` (work pixels) in frame pixels, widened by ``pad``, ``origin`` the bbox's."""
        x, y, w, h = (v / self.scale for v in box)
        x0, y0 = int(x) - pad, int(y) - pad
        x1, y1 = int(np.ceil(x + w)) + pad, int(np.ceil(y + h)) + pad
        return origin[0] + x0, origin[1] + y0, x1 - x0, y1 - y0


def same_ink(a: Candidate, b: Candidate) -> bool:
    """Whether ``b`` shows the ink of ``a`` again (a static overlay: no need to read it)."""
    ax, ay, aw, ah = a.box
    bx, by, bw, bh = b.box
    if max(abs(ax - bx), abs(ay - by), abs(aw - bw), abs(ah - bh)) > 1:
        return False
    x0, y0 = max(ax, bx), max(ay, by)
    x1, y1 = min(ax + aw, bx + bw), min(ay + ah, by + bh)
    ink_a = a.ink[y0 - ay : y1 - ay, x0 - ax : x1 - ax]
    ink_b = b.ink[y0 - by : y1 - by, x0 - bx : x1 - bx]
    union = np.count_nonzero(ink_a | ink_b)
    return bool(union > 0 and np.count_nonzero(ink_a & ink_b) >= 0.9 * union)
