"""The watch over every input frame: brief screens between samples, a picture left outside."""

from __future__ import annotations

import cv2
import numpy as np

from adapters.endoscope.region import Region
from adapters.endoscope.watch import MAX_CUT_SHARE, FrameWatch

WIDTH, HEIGHT = 960, 540
TINY = (96, 54)


def _region() -> Region:
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.circle(mask, (300, 270), 250, 255, -1)
    return Region(mask, (50, 20, 501, 501), "detected@3", rectangle=False)


def _endoscopy(rng: np.random.Generator) -> np.ndarray:
    """A tiny frame: reddish, textured tissue inside the circle, a black surround."""
    frame = np.zeros((TINY[1], TINY[0], 3), np.uint8)
    inside = cv2.resize(_region().mask, TINY, interpolation=cv2.INTER_AREA) > 127
    tissue = np.stack([rng.integers(40, 90, inside.shape), rng.integers(60, 110, inside.shape),
                       rng.integers(150, 220, inside.shape)], axis=-1)  # fmt: skip
    frame[inside] = tissue[inside]
    return frame


def _watch() -> FrameWatch:
    return FrameWatch(_region(), (), None, TINY)


def test_a_screen_shown_for_three_frames_is_flagged_and_what_the_plan_missed_is_told() -> None:
    rng = np.random.default_rng(1)
    watch = _watch()
    for index in range(20):
        screen = np.full((TINY[1], TINY[0], 3), (160, 60, 20), np.uint8)
        watch.add(screen if 11 <= index <= 13 else _endoscopy(rng))

    assert watch.frames == 20
    assert watch.flagged() == [(11, 13)]
    assert watch.unplanned([(0, 3), (11, 12)]) == [(13, 13)]
    assert watch.unplanned([(10, 14)]) == []


def _with_patch(frame: np.ndarray, box: tuple[int, int, int, int], value: np.ndarray) -> np.ndarray:
    x, y, w, h = box
    frame = frame.copy()
    frame[y : y + h, x : x + w] = value
    return frame


def test_a_live_picture_beside_the_region_is_measured_as_cut_a_still_thumbnail_is_not() -> None:
    rng = np.random.default_rng(2)
    live, still, clock = _watch(), _watch(), _watch()
    thumbnail = rng.integers(60, 200, (16, 20, 3), dtype=np.uint8)
    for index in range(30):
        frame = _endoscopy(rng)
        moving = rng.integers(60, 200, (16, 20, 3), dtype=np.uint8)
        live.add(_with_patch(frame, (66, 10, 20, 16), moving))
        still.add(_with_patch(frame, (66, 10, 20, 16), thumbnail))
        digit = np.full((2, 3, 3), 200 if index % 10 < 5 else 40, np.uint8)
        clock.add(_with_patch(frame, (80, 48, 3, 2), digit))

    assert live.cut_share() > MAX_CUT_SHARE
    assert still.cut_share() == 0.0
    assert clock.cut_share() < MAX_CUT_SHARE


def test_a_line_appearing_or_vanishing_marks_its_frames_smooth_tissue_does_not() -> None:
    rng = np.random.default_rng(3)
    watch = _watch()
    tissue = _endoscopy(rng)
    for index in range(20):
        lit = np.where(tissue > 0, index, 0)  # the tissue brightens slowly, the surround stays
        frame = np.clip(tissue.astype(np.int16) + lit, 0, 255).astype(np.uint8)
        if 8 <= index < 12:  # a short white line across the image, shown for four frames
            frame[27, 20:32] = 255
        watch.add(frame)

    assert watch.onsets() == [8, 12]
    assert watch.flagged() == []


def test_a_highlight_that_moves_on_every_frame_is_no_onset() -> None:
    rng = np.random.default_rng(5)
    watch, tissue = _watch(), _endoscopy(rng)
    for index in range(20):
        frame = tissue.copy()
        x = 15 + 2 * index  # a bright specular highlight gliding over the tissue
        frame[24:28, x : x + 3] = 255
        watch.add(frame)

    assert watch.onsets() == []


def test_an_instrument_pushed_in_is_no_onset_a_line_appearing_beside_it_is() -> None:
    rng = np.random.default_rng(6)
    pushed, beside, tissue = _watch(), _watch(), _endoscopy(rng)
    for index in range(20):
        frame = tissue.copy()
        frame[30:35, 60 - 2 * index : 60] = (168, 170, 172)  # two tiny pixels further a frame
        pushed.add(frame)
        if 8 <= index < 12:  # a short white line above the shaft, shown for four frames
            frame[27, 40:52] = 255
        beside.add(frame)

    assert pushed.onsets() == []
    assert beside.onsets() == [8, 12]
