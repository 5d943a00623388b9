"""What the endoscope image shows: endoscopy in any light is kept, rooms and screens are not."""

from __future__ import annotations

import functools

import cv2
import numpy as np
import pytest

from adapters.endoscope.activity import judge_samples, tiny_size
from adapters.endoscope.region import Region
from adapters.endoscope.scene import Reference, SceneStats, not_endoscopic, scene_stats, tiny_inside
from tests.layouts import LIGHTS, SCENES, Texture

WIDTH, HEIGHT, CENTRE, RADIUS = 480, 270, (265, 135), 125  # the tiny copy is 96 px wide


def image_mask() -> np.ndarray:
    mask = np.zeros((HEIGHT, WIDTH), np.uint8)
    cv2.circle(mask, CENTRE, RADIUS, 255, -1)
    return mask


def tiny_frame(texture: Texture, seed: int) -> np.ndarray:
    """A frame with ``texture`` in a vignetted circle on black, as the tiny copy sees it."""
    rng = np.random.default_rng(seed)
    side = 2 * RADIUS
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    gain = 1 - 0.4 * np.clip(np.hypot(xx - RADIUS, yy - RADIUS) / RADIUS, 0, 1)[..., None] ** 2
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    x0, y0 = CENTRE[0] - RADIUS, CENTRE[1] - RADIUS
    picture = (texture(side, side, rng).astype(np.float32) * gain).astype(np.uint8)
    inside = image_mask()[y0 : y0 + side, x0 : x0 + side] > 0
    frame[y0 : y0 + side, x0 : x0 + side][inside] = picture[inside]
    return np.asarray(cv2.resize(frame, tiny_size(WIDTH, HEIGHT), interpolation=cv2.INTER_AREA))


def stats(texture: Texture, seed: int = 0) -> SceneStats:
    return scene_stats(
        tiny_frame(texture, seed), tiny_inside(image_mask(), tiny_size(WIDTH, HEIGHT))
    )


@functools.cache
def reference_of(light: str) -> Reference:
    return Reference.of(stats(LIGHTS[light], seed) for seed in range(5))


@pytest.mark.parametrize("light", sorted(LIGHTS))
@pytest.mark.parametrize("video", ["white", "nbi", "chromo"])
def test_endoscopy_in_any_light_is_kept(light: str, video: str) -> None:
    # a white-light video switched to NBI or dye, and the other way round
    for seed in range(2):
        assert not_endoscopic(stats(LIGHTS[light], 10 + seed), reference_of(video)) is None


# the face photo passes as tissue: the face detector finds it (tests/unit/test_faces.py)
@pytest.mark.parametrize("scene", sorted(set(SCENES) - {"face", "face_photo"}))
@pytest.mark.parametrize("video", ["white", "nbi", "chromo"])
def test_rooms_screens_and_test_patterns_are_told_apart(scene: str, video: str) -> None:
    for seed in range(2):
        assert not_endoscopic(stats(SCENES[scene], seed), reference_of(video)) is not None


@pytest.mark.parametrize("video", ["white", "nbi"])
def test_a_face_before_a_wall_is_told_apart_from_smooth_endoscopy(video: str) -> None:
    # Skin is tissue-coloured: only the grey wall around it and its sharp edges tell it apart,
    # so against a dye-sprayed video (edges everywhere) a face is not recognised.
    for seed in range(3):
        assert not_endoscopic(stats(SCENES["face"], seed), reference_of(video)) is not None


def test_a_video_whose_own_image_looks_like_that_is_compared_with_itself() -> None:
    # a pale, grey endoscopy (or a recorder with a bad white balance) keeps its frames
    own = Reference.of(stats(SCENES["white_wall"], seed) for seed in range(5))

    assert not_endoscopic(stats(SCENES["white_wall"], 9), own) is None
    assert not_endoscopic(stats(SCENES["white_wall"], 9), reference_of("white")) is not None


def test_a_dark_image_is_not_judged() -> None:
    dark = stats(lambda h, w, rng: np.full((h, w, 3), 12, np.uint8))

    assert dark.lit < 0.25
    assert not_endoscopic(dark, reference_of("white")) is None


def test_samples_are_judged_against_the_endoscopy_even_with_a_long_room_stretch() -> None:
    tissue = [tiny_frame(LIGHTS["white"], seed) for seed in range(6)]
    room = [tiny_frame(SCENES["room"], seed) for seed in range(4)]
    box = (CENTRE[0] - RADIUS, CENTRE[1] - RADIUS, 2 * RADIUS, 2 * RADIUS)
    region = Region(image_mask(), box, "test", rectangle=False)

    reference, suspects = judge_samples(tissue + room, region)

    assert suspects == 4
    assert reference.neutral < 0.1  # taken from the tissue, not pulled towards the room
    assert judge_samples(tissue, region)[1] == 0
