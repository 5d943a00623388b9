"""The surround's black, read off the corners: lifted by an analogue capture, or black."""

from __future__ import annotations

import cv2
import numpy as np

from adapters.endoscope.surround import corner_level, lowered, surround_level


def _frame(black: int, rng: np.random.Generator, corners: str = "surround") -> np.ndarray:
    """A grey 270x480 detection copy: a bright disc on ``black`` (noise +-2)."""
    frame = np.full((270, 480), black, np.float32) + rng.normal(0, 1, (270, 480))
    if corners == "screen":
        frame[:] = 60
    elif corners == "tissue":  # a full-frame image: texture up to the corners
        frame[:] = 70 + cv2.GaussianBlur(rng.normal(0, 40, (270, 480)), (0, 0), 3)
    cv2.circle(frame, (240, 135), 125, 140.0, -1)
    return np.clip(np.rint(frame), 0, 255).astype(np.uint8)


def test_a_lifted_black_is_read_off_the_corners() -> None:
    rng = np.random.default_rng(1)

    assert surround_level([_frame(20, rng) for _ in range(6)]) == 20
    assert surround_level([_frame(0, rng) for _ in range(6)]) == 0
    assert surround_level([_frame(3, rng) for _ in range(6)]) == 0  # black as processors make it


def test_screens_and_tissue_in_the_corners_are_not_a_surround() -> None:
    rng = np.random.default_rng(2)

    assert corner_level(_frame(20, rng, "screen")) is None  # flat, but too bright
    assert corner_level(_frame(20, rng, "tissue")) is None  # dark enough, but textured
    some_screens = [_frame(20, rng, "screen")] * 2 + [_frame(20, rng) for _ in range(4)]
    assert surround_level(some_screens) == 20
    mostly_tissue = [_frame(20, rng, "tissue")] * 4 + [_frame(20, rng) for _ in range(2)]
    assert surround_level(mostly_tissue) == 0  # unsure: nothing lowered


def test_one_darker_sample_keeps_the_darker_level() -> None:
    rng = np.random.default_rng(3)

    assert surround_level([_frame(20, rng), _frame(20, rng), _frame(8, rng)]) == 8


def test_lowering_takes_the_level_off_and_stops_at_black() -> None:
    frame = np.array([[0, 15, 20, 200]], np.uint8)

    assert lowered(frame, 20).tolist() == [[0, 0, 0, 180]]
    assert lowered(frame, 0) is frame
