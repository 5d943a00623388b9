"""Seeded synthetic endoscopy videos with burned-in (fake) patient data, for demos and tests.

The endoscope picture is a smooth reddish texture that drifts and breathes, so H.264 keeps it
at high PSNR; the overlays are white ``cv2.putText`` lines outside it, one of them a clock.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from adapters.endoscope.profiles import PROFILES
from adapters.video.ffmpeg import H264Writer

Box = tuple[int, int, int, int]  # x, y, w, h
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_EXAM_START = dt.datetime(2025, 10, 14, 16, 11, 5)
_DRIFT = 48  # pixels the texture may wander from its centre
_MIN_STRIP = 80  # a side strip narrower than this carries no text


@dataclass(frozen=True)
class Layout:
    """Where a processor puts the endoscope image and its text."""

    name: str
    width: int
    height: int
    image: Box  # bounding box of the endoscope image
    circular: bool
    text_strips: tuple[tuple[int, int], ...]  # (x_start, x_end) of columns carrying text
    outline: tuple[tuple[int, int], ...] = ()  # a polygon image (octagon...) inside ``image``


def circle_layout(width: int, height: int, centre_x: int | None = None, name: str = "") -> Layout:
    """Build a layout with a circular image and text in the strips beside it."""
    radius = min(int(height * 0.46), int(width * 0.28))
    cx = width // 2 if centre_x is None else centre_x
    strips = ((0, cx - radius - 20), (cx + radius + 20, width))
    usable = tuple((a, b) for a, b in strips if b - a >= _MIN_STRIP)
    box = (cx - radius, height // 2 - radius, 2 * radius, 2 * radius)
    return Layout(name or f"circle-{width}x{height}", width, height, box, True, usable)


LAYOUTS: dict[str, Layout] = {
    "olympus": Layout("olympus", 1920, 1080, (550, 0, 1350, 1080), False, ((0, 530),)),
    "pentax": Layout(
        "pentax", 1920, 1080, PROFILES[1].bbox, False, ((0, 680),), PROFILES[1].outline
    ),
    "fujifilm": Layout(
        "fujifilm", 1280, 1024, PROFILES[2].bbox, False, ((0, 290),), PROFILES[2].outline
    ),
    "unknown_circle": circle_layout(1280, 720, name="unknown_circle"),
    "left_circle": circle_layout(1920, 1080, centre_x=540, name="left_circle"),
    # An image filling the whole frame, text burned into it: no surround to tell the
    # overlays from, so level 2 refuses it (a raw copy when level 1 is away too).
    "full_frame": Layout("full_frame", 640, 360, (0, 0, 640, 360), False, ((0, 640),)),
}


@dataclass(frozen=True)
class SyntheticVideo:
    """A generated video and the ground truth a test needs to check masking pixel-wise.

    Attributes:
        image_mask: uint8 ``HxW``, 255 where the endoscope picture is.
        text_boxes: every burned-in text line (with a small margin), late one included.
        late_box: the line that appears only after ``late_after`` seconds, if any.

    """

    path: Path
    layout: Layout
    fps: float
    frames: int
    image_mask: np.ndarray
    text_boxes: tuple[Box, ...]
    late_box: Box | None


def tissue_texture(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Make a smooth, reddish, mucosa-like BGR texture (no pixel noise: H.264 stays sharp)."""
    layers = []
    for cell, weight in ((96, 1.0), (32, 0.45)):
        coarse = rng.random((height // cell + 2, width // cell + 2)).astype(np.float32)
        layers.append(weight * cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC))
    shade = cv2.GaussianBlur(sum(layers[1:], layers[0]), (0, 0), 6) / 1.45
    bgr = np.stack([40 + 50 * shade, 50 + 70 * shade, 120 + 120 * shade], axis=-1)
    return np.clip(bgr, 0, 255).astype(np.uint8)


def _line_box(text: str, origin: tuple[int, int], scale: float, thickness: int) -> Box:
    (w, h), baseline = cv2.getTextSize(text, _FONT, scale, thickness)
    margin = 4 + thickness
    return (origin[0] - margin, origin[1] - h - margin, w + 2 * margin, h + baseline + 2 * margin)


def _put_text(frame: np.ndarray, text: str, origin: tuple[int, int], scale: float) -> Box:
    cv2.putText(frame, text, origin, _FONT, scale, (255, 255, 255), 2, cv2.LINE_AA)
    return _line_box(text, origin, scale, 2)


def _union(a: Box | None, b: Box) -> Box:
    if a is None:
        return b
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return (x0, y0, x1 - x0, y1 - y0)


def _place_lines(layout: Layout, count: int) -> list[tuple[int, int, float]]:
    """Give each of ``count`` text lines an origin and a font scale that fits its strip."""
    strips = layout.text_strips
    if not strips:
        return []
    per_strip = math.ceil(count / len(strips))
    step = max(40, layout.height // 14)
    places = []
    for i in range(count):
        start, end = strips[i // per_strip]
        scale = min(1.2, (end - start - 40) / 420)  # 420 px: the clock line at scale 1
        places.append((start + 20, 60 + (i % per_strip) * step, scale))
    return places


def make_video(
    path: Path | str,
    layout: str | Layout = "olympus",
    seconds: float = 2.0,
    fps: float = 25.0,
    seed: int = 0,
    patient: str = "Mustermann, Erika",
    *,
    late_text: str | None = None,
    late_after: float = 1.0,
    static: bool = False,
) -> SyntheticVideo:
    """Write a synthetic endoscopy video as H.264 MP4.

    Args:
        path: output file.
        layout: a name from ``LAYOUTS`` or a ``Layout`` (any size, e.g. ``circle_layout``).
        seconds: duration.
        fps: frame rate.
        seed: seeds the texture and its motion; same seed, same video.
        patient: the (fake) name burned in.
        late_text: an extra line that appears only after ``late_after`` seconds.
        late_after: when ``late_text`` appears.
        static: freeze the endoscope picture (only the clock still ticks).

    Returns:
        The video and its ground truth (image mask, text boxes).

    """
    shape = LAYOUTS[layout] if isinstance(layout, str) else layout
    rng = np.random.default_rng(seed)
    x, y, w, h = shape.image
    texture = tissue_texture(h + 2 * _DRIFT, w + 2 * _DRIFT, rng)
    image_mask = np.zeros((shape.height, shape.width), np.uint8)
    if shape.outline:
        cv2.fillPoly(image_mask, [np.array(shape.outline, np.int32)], 255)
    elif shape.circular:
        cv2.circle(image_mask, (x + w // 2, y + h // 2), w // 2, 255, -1, cv2.LINE_AA)
        image_mask[image_mask < 255] = 0  # keep the ground truth binary
    else:
        image_mask[y : y + h, x : x + w] = 255
    inside = cv2.merge([image_mask[y : y + h, x : x + w]] * 3)
    line_count = 5 if late_text else 4
    places = _place_lines(shape, line_count)  # empty when the layout has no side strips
    boxes: list[Box | None] = [None] * line_count
    phase = rng.random(3) * 2 * math.pi
    frame_count = max(1, round(seconds * fps))
    with H264Writer(path, shape.width, shape.height, fps, "yuv420p") as writer:
        for index in range(frame_count):
            t = 0.0 if static else index / fps
            dx = round(_DRIFT * (1 + math.sin(2 * math.pi * t / 1.3 + phase[0])))
            dy = round(_DRIFT * (1 + math.sin(2 * math.pi * t / 1.1 + phase[1])))
            gain = 1.0 + 0.12 * math.sin(2 * math.pi * t / 0.9 + phase[2])
            picture = cv2.convertScaleAbs(texture[dy : dy + h, dx : dx + w], alpha=gain)
            frame = np.zeros((shape.height, shape.width, 3), np.uint8)
            frame[y : y + h, x : x + w] = cv2.bitwise_and(picture, inside)
            clock = (_EXAM_START + dt.timedelta(seconds=index // fps)).strftime("%d.%m.%Y %H:%M:%S")
            late = late_text if index >= late_after * fps else None
            texts = [patient, "12.03.1955", clock, "CV-1500", late]
            for i, (text, (tx, ty, scale)) in enumerate(zip(texts, places, strict=False)):
                if text is not None:
                    boxes[i] = _union(boxes[i], _put_text(frame, text, (tx, ty), scale))
            writer.write(frame)
    late_box = boxes[4] if late_text else None
    drawn = tuple(box for box in boxes if box is not None)
    return SyntheticVideo(Path(path), shape, fps, frame_count, image_mask, drawn, late_box)
