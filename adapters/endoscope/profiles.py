"""Video processor layouts whose endoscope image is known: data, one version each.

A profile is matched by its geometry signature (where the picture is, at any frame size: a
recorder may scale the processor's screen to 1280x720 or 720x576), never by file name. Like
a processor database, a profile also says where the patient text is (``fields``: name,
birth date, exam date, serial), so a check can look there first. The Olympus rectangle is
the one endoveil was first deployed with; the Pentax and Fujifilm outlines are plausible
layouts written down from the processors' usual screens (octagonal picture on the right with
text on the left; rounded-rectangle picture on a 5:4 monitor), not vendor-certified
geometry: a video whose image does not fit one of them falls back to detection. Bump
``version`` whenever an outline changes, so events say which geometry masked a video.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

Point = tuple[int, int]
Box = tuple[int, int, int, int]  # x, y, w, h
FIELDS = ("name", "birth_date", "exam_date", "serial")


def rectangle(x: int, y: int, w: int, h: int) -> tuple[Point, ...]:
    """The outline of an axis-aligned rectangle."""
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


def octagon(x: int, y: int, w: int, h: int, cut: int) -> tuple[Point, ...]:
    """A rectangle with its four corners cut at 45 degrees by ``cut`` pixels."""
    return (
        (x + cut, y), (x + w - cut, y), (x + w, y + cut), (x + w, y + h - cut),
        (x + w - cut, y + h), (x + cut, y + h), (x, y + h - cut), (x, y + cut),
    )  # fmt: skip


def rounded_rectangle(x: int, y: int, w: int, h: int, radius: int) -> tuple[Point, ...]:
    """A rectangle with quarter-circle corners of ``radius``, as a polygon."""
    corners = (
        ((x + w - radius, y + radius), 270),
        ((x + w - radius, y + h - radius), 0),
        ((x + radius, y + h - radius), 90),
        ((x + radius, y + radius), 180),
    )
    points: list[Point] = []
    for centre, start in corners:
        arc = cv2.ellipse2Poly(centre, (radius, radius), 0, start, start + 90, 10)
        points.extend((int(px), int(py)) for px, py in arc)
    return tuple(points)


@dataclass(frozen=True)
class Profile:
    """A processor layout: frame size and the outline of the endoscope image in it."""

    name: str
    version: int
    width: int
    height: int
    outline: tuple[Point, ...]
    fields: tuple[tuple[str, Box], ...] = ()  # where the processor writes each FIELDS item
    native: tuple[int, int] | None = None  # the profile's own size, when this one is scaled

    @property
    def key(self) -> str:
        """``profile:<name>@<version>`` (`` at WxH`` when scaled), as recorded in events."""
        key = f"profile:{self.name}@{self.version}"
        return key if self.native is None else f"{key} at {self.width}x{self.height}"

    def scaled(self, width: int, height: int) -> Profile:
        """The same layout on a ``width x height`` frame (x and y scaled apart, like a scaler)."""
        if (width, height) == (self.width, self.height):
            return self
        sx, sy = width / self.width, height / self.height

        def box(b: Box) -> Box:
            x0, y0 = round(b[0] * sx), round(b[1] * sy)
            return x0, y0, round((b[0] + b[2]) * sx) - x0, round((b[1] + b[3]) * sy) - y0

        outline = tuple((round(x * sx), round(y * sy)) for x, y in self.outline)
        fields = tuple((name, box(b)) for name, b in self.fields)
        native = self.native or (self.width, self.height)
        return Profile(self.name, self.version, width, height, outline, fields, native)

    @property
    def is_rectangle(self) -> bool:
        """Whether the outline is an axis-aligned rectangle (masking is then a drawbox)."""
        x, y, w, h = self.bbox
        return self.outline == rectangle(x, y, w, h)

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        """``(x, y, w, h)`` of the outline (end-exclusive, like ``cv2.boundingRect``)."""
        xs = [p[0] for p in self.outline]
        ys = [p[1] for p in self.outline]
        return min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)

    @cached_property
    def mask(self) -> np.ndarray:
        """uint8 ``HxW``: 255 inside the outline, 0 outside."""
        mask = np.zeros((self.height, self.width), np.uint8)
        x, y, w, h = self.bbox
        if self.is_rectangle:  # fillPoly would include the far edge: keep w x h exactly
            mask[y : y + h, x : x + w] = 255
        else:
            cv2.fillPoly(mask, [np.array(self.outline, np.int32)], 255)
        return mask


def text_column(x: int, w: int, top: int, step: int, height: int) -> tuple[tuple[str, Box], ...]:
    """Per-field boxes of a processor that writes FIELDS one per line, top down."""
    return tuple((name, (x, top + i * step, w, height)) for i, name in enumerate(FIELDS))


PROFILES: tuple[Profile, ...] = (
    Profile("olympus-cv1500", 1, 1920, 1080, rectangle(550, 0, 1350, 1080),
            text_column(0, 550, 20, 77, 60)),
    Profile("pentax-ept7000", 1, 1920, 1080, octagon(700, 40, 1160, 1000, 150),
            text_column(0, 700, 20, 77, 60)),
    Profile("fujifilm-4450hd", 1, 1280, 1024, rounded_rectangle(300, 32, 940, 960, 96),
            text_column(0, 300, 20, 73, 56)),
)  # fmt: skip


def profiles_for(width: int, height: int) -> tuple[Profile, ...]:
    """The profiles of processors that send frames of this size (unscaled)."""
    return tuple(p for p in PROFILES if (p.width, p.height) == (width, height))
