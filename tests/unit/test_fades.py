"""Lines that fade in and out between keyframes, found on tiny copies by their colour."""

from __future__ import annotations

import cv2
import numpy as np

from adapters.endoscope.fades import BriefLines, BriefScenes

TINY = (96, 54)
INSIDE = np.ones((TINY[1], TINY[0]), bool)


def _tissue(index: int, gain: float = 1.0) -> np.ndarray:
    """Reddish, smooth tissue drifting one pixel a frame; ``gain`` brightens it."""
    rng = np.random.default_rng(7)
    texture = cv2.GaussianBlur(rng.uniform(0.6, 1.0, (TINY[1], TINY[0] + 64)), (0, 0), 3)
    colour = np.array([60.0, 80.0, 180.0]) * gain
    shifted = texture[:, index % 64 : index % 64 + TINY[0]]
    return np.clip(shifted[..., None] * colour, 0, 255).astype(np.uint8)


def _opacity(index: int, start: int, end: int, fade: int) -> float:
    if not start <= index < end:
        return 0.0
    return min(1.0, (index - start + 1) / (fade + 1), (end - index) / (fade + 1))


def _with_line(
    frame: np.ndarray,
    opacity: float,
    colour: tuple[int, int, int],
    rows: slice = slice(20, 22),
    columns: slice = slice(30, 50),
) -> np.ndarray:
    out = frame.astype(np.float32)
    out[rows, columns] = (1 - 0.6 * opacity) * out[rows, columns] + 0.6 * opacity * np.array(
        colour, np.float32
    )  # letters cover ~60 % of a tiny pixel of their line
    return out.astype(np.uint8)


def _watched(frames: list[np.ndarray], gap: int = 25) -> BriefLines:
    lines = BriefLines(gap)
    for frame in frames:
        lines.add(frame, INSIDE)
    return lines


def test_a_white_or_yellow_line_fading_in_and_out_is_read_at_its_middle() -> None:
    for colour in ((255, 255, 255), (0, 255, 255)):
        frames = [_with_line(_tissue(i), _opacity(i, 30, 40, 4), colour) for i in range(70)]

        peaks = _watched(frames).peaks()

        assert len(peaks) == 1 and 33 <= peaks[0] <= 36, (colour, peaks)


def test_the_scales_looked_at_follow_the_keyframe_gap() -> None:
    frames = [_with_line(_tissue(i), _opacity(i, 30, 44, 2), (255, 255, 255)) for i in range(70)]

    assert _watched(frames, gap=25).peaks() != []  # 14 frames: half of 25 covers it
    assert _watched(frames, gap=6).peaks() == []  # keyframes 6 apart read it anyway


def test_tissue_that_brightens_and_darkens_again_is_no_fade() -> None:
    gains = [1.0 + 0.4 * _opacity(i, 30, 40, 4) for i in range(70)]

    assert _watched([_tissue(i, gain) for i, gain in enumerate(gains)]).peaks() == []


def test_a_white_blob_shown_briefly_is_not_a_line() -> None:
    frames = [_with_line(_tissue(i), _opacity(i, 30, 40, 4), (255, 255, 255),
                         rows=slice(18, 24), columns=slice(30, 36)) for i in range(70)]  # fmt: skip

    assert _watched(frames).peaks() == []


def _scenes(greys: list[np.ndarray], gap: int = 25) -> BriefScenes:
    scenes = BriefScenes(gap)
    for grey in greys:
        scenes.add(grey, INSIDE)
    return scenes


def _grey(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def test_another_picture_cross_faded_in_and_out_is_read_at_its_middle() -> None:
    picture = np.full((TINY[1], TINY[0], 3), (200, 210, 230), np.uint8)  # a face, a wall
    frames = []
    for i in range(70):
        opacity = _opacity(i, 30, 41, 3)
        frames.append(cv2.addWeighted(picture, opacity, _tissue(i), 1.0 - opacity, 0.0))

    peaks = _scenes([_grey(f) for f in frames]).peaks()

    assert len(peaks) == 1 and 33 <= peaks[0] <= 37, peaks


def test_tissue_swinging_back_and_forth_as_breathing_does_is_no_brief_picture() -> None:
    swing = [round(20 * np.sin(2 * np.pi * i / 60)) for i in range(150)]  # 2.4 s a breath
    greys = [_grey(_tissue(shift % 64, 1.0 + 0.02 * shift)) for shift in swing]

    assert _scenes(greys).peaks() == []


def _with_instrument(frame: np.ndarray, top: int) -> np.ndarray:
    """A grey instrument's shaft across the right of the image, its upper edge at ``top``."""
    out = frame.copy()
    out[top : top + 8, 50:96] = (168, 170, 172)
    return out


def test_an_instrument_whose_edge_wavers_is_no_line_a_line_beside_it_still_is() -> None:
    tops = [34 - (1 if 30 <= i < 40 else 0) for i in range(70)]  # lifted one row, and back
    wavering = [_with_instrument(_tissue(i), top) for i, top in enumerate(tops)]
    beside = [_with_line(frame, _opacity(i, 30, 40, 4), (255, 255, 255), rows=slice(30, 32),
                         columns=slice(52, 72)) for i, frame in enumerate(wavering)]  # fmt: skip

    assert _watched(wavering).peaks() == []  # its grey was a row away before and after
    assert len(_watched(beside).peaks()) == 1
