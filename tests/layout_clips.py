"""Generated recordings for judging level 1: TrueType text, umlauts, light grey, any size.

``adapters.demo.synthetic`` draws white Hershey text in one layout family; level 1 must hold
for the class of layouts, so these clips vary what a processor varies: the frame size (720p,
1080p), the image shape (a Pentax-like circle, a rectangle), the font (DejaVu TrueType via
PIL, from Debian's ``fonts-dejavu-core``), the text grey level, umlauts in names, and a
harmless device line right next to (above, or on the same row as) a patient line.

Every clip carries its ground truth: which lines are patient data (the secrets a judge must
not read) and which are harmless, with their boxes.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from adapters.demo.synthetic import tissue_texture
from adapters.video.ffmpeg import H264Writer

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
CLOCK = "{clock}"  # a line with this text shows the exam clock, ticking every second
_EXAM_START = dt.datetime(2025, 10, 14, 16, 11, 5)
_DRIFT = 24
Box = tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)


@dataclass(frozen=True)
class Line:
    """One burned-in text line: where (top-left), what, and whether it is patient data."""

    text: str
    x: int
    y: int
    patient: bool


@dataclass(frozen=True)
class ClipLayout:
    """A processor-like screen: size, image shape and the text lines around it."""

    name: str
    width: int
    height: int
    circle: tuple[int, int, int] | None  # (cx, cy, r), or None for ``rect``
    rect: Box | None
    lines: tuple[Line, ...]
    size_px: int = 34  # font size
    grey: int = 200  # text level: light grey, not white
    highlights: bool = True  # moving specular reflections in the image

    def image_mask(self) -> np.ndarray:
        """uint8 ``HxW``, 255 where the endoscope picture is."""
        mask = np.zeros((self.height, self.width), np.uint8)
        if self.circle is not None:
            cx, cy, r = self.circle
            cv2.circle(mask, (cx, cy), r, 255, -1)
        elif self.rect is not None:
            x0, y0, x1, y1 = self.rect
            mask[y0:y1, x0:x1] = 255
        return mask


@dataclass
class Clip:
    """A written clip and its ground truth."""

    path: Path
    layout: ClipLayout
    frames: int
    fps: float
    boxes: dict[str, Box] = field(default_factory=dict)  # line text -> box drawn

    @property
    def secrets(self) -> list[str]:
        """What must never be readable: every patient line (the clock as its date part)."""
        found = []
        for line in self.layout.lines:
            if line.patient:
                found.append("14.10.2025" if line.text == CLOCK else line.text)
        return found

    @property
    def harmless(self) -> list[str]:
        """The lines that may stay readable (device labels)."""
        return [line.text for line in self.layout.lines if not line.patient]


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    if not Path(FONT_PATH).is_file():  # a failed set-up, not a reason to skip
        raise RuntimeError("DejaVu fonts are missing: run `bash scripts/system-packages`")
    return ImageFont.truetype(FONT_PATH, size)


def _draw(canvas: np.ndarray, text: str, x: int, y: int, size: int, grey: int) -> Box:
    """Draw ``text`` anti-aliased in grey ``grey`` on the BGR ``canvas``; return its box."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(text)
    w, h = right - left + 4, bottom - top + 4
    ink = Image.new("L", (w, h), 0)
    ImageDraw.Draw(ink).text((2 - left, 2 - top), text, fill=255, font=font)
    alpha = np.asarray(ink, np.float32)[..., None] / 255.0
    h, w = min(h, canvas.shape[0] - y), min(w, canvas.shape[1] - x)
    region = canvas[y : y + h, x : x + w].astype(np.float32)
    blended = region * (1 - alpha[:h, :w]) + grey * alpha[:h, :w]
    canvas[y : y + h, x : x + w] = blended.astype(np.uint8)
    return (x, y, x + w, y + h)


def _highlights(frame: np.ndarray, mask: np.ndarray, bbox: Box, t: float) -> None:
    """Draw three small white reflections wandering over the image (inside it only)."""
    x0, y0, x1, y1 = bbox
    spot = np.zeros(mask.shape, np.uint8)
    for k in range(3):
        cx = x0 + int((x1 - x0) * (0.3 + 0.2 * k + 0.15 * math.sin(3 * t + k)))
        cy = y0 + int((y1 - y0) * (0.35 + 0.15 * k + 0.15 * math.cos(2 * t + 2 * k)))
        cv2.ellipse(spot, (cx, cy), (14 + 4 * k, 8 + 2 * k), 30 * k, 0, 360, 255, -1)
    frame[(spot > 0) & (mask > 0)] = 250


def write_clip(path: Path, layout: ClipLayout, seconds: float = 1.2, fps: float = 10.0) -> Clip:
    """Write ``layout`` as an H.264 clip: drifting tissue in the image, text around it."""
    rng = np.random.default_rng(11)
    mask = layout.image_mask()
    ys, xs = np.nonzero(mask)
    x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
    texture = tissue_texture(y1 - y0 + 2 * _DRIFT, x1 - x0 + 2 * _DRIFT, rng)
    inside = cv2.merge([mask[y0:y1, x0:x1]] * 3)
    frames = max(1, round(seconds * fps))
    clip = Clip(path, layout, frames, fps)
    with H264Writer(path, layout.width, layout.height, fps, "yuv420p") as writer:
        for index in range(frames):
            t = index / fps
            dx = round(_DRIFT * (1 + math.sin(2 * math.pi * t / 1.3)))
            dy = round(_DRIFT * (1 + math.cos(2 * math.pi * t / 1.1)))
            frame = np.zeros((layout.height, layout.width, 3), np.uint8)
            picture = texture[dy : dy + y1 - y0, dx : dx + x1 - x0]
            frame[y0:y1, x0:x1] = cv2.bitwise_and(picture, inside)
            if layout.highlights:  # specular reflections: bright, moving, colourless
                _highlights(frame, mask, (x0, y0, x1, y1), t)
            clock = (_EXAM_START + dt.timedelta(seconds=int(t))).strftime("%d.%m.%Y %H:%M:%S")
            for line in layout.lines:
                text = clock if line.text == CLOCK else line.text
                box = _draw(frame, text, line.x, line.y, layout.size_px, layout.grey)
                clip.boxes[line.text] = box
            writer.write(frame)
    return clip


def pentax_circle(width: int = 1280, height: int = 720) -> ClipLayout:
    """A Pentax-like screen: a centred circle, device labels stacked above the patient lines.

    The device label sits right above the first name (an umlaut in it), as on the screen
    where level 1 once kept the name readable.
    """
    k = height / 1080
    r = int(height * 0.46)
    left = 30
    step = int(48 * k)

    def row(i: int) -> int:
        return int(80 * k) + i * step

    lines = (
        Line("PENTAX", left, row(0), False),
        Line("EPK-i7000", left, row(1), False),
        Line("Jürgen", left, row(2), True),
        Line("SCHRÖDER", left, row(3), True),  # processors often write names in capitals
        Line("12.03.1955", left, row(4), True),
        Line(CLOCK, left, row(5), True),
        Line("EG-2990i", width - int(260 * k), row(0), False),
    )
    return ClipLayout(
        f"pentax-circle-{height}p", width, height, (width // 2 + int(120 * k), height // 2, r),
        None, lines, size_px=max(18, int(34 * k)), grey=190,
    )  # fmt: skip


def olympus_side_by_side(width: int = 1280, height: int = 720) -> ClipLayout:
    """An Olympus-like rectangle; a device label on the same row as the patient name."""
    k = height / 1080
    step = int(52 * k)
    lines = (
        Line("CV-1500", 20, int(60 * k), False),
        Line("Müller, Käthe", 20 + int(230 * k), int(60 * k), True),
        Line("03.07.1948", 20, int(60 * k) + step, True),
        Line(CLOCK, 20, int(60 * k) + 2 * step, True),
        Line("GIF-H190", 20, int(60 * k) + 3 * step, False),
    )
    rect = (int(width * 0.45), int(40 * k), width - int(40 * k), height - int(40 * k))
    return ClipLayout(
        f"olympus-row-{height}p", width, height, None, rect, lines,
        size_px=max(18, int(30 * k)), grey=205,
    )  # fmt: skip
