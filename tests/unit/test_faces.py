"""The face detector that tells an out-of-body shot of a person from tissue."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from adapters.demo.synthetic import circle_layout, make_video
from adapters.endoscope import faces
from adapters.endoscope.faces import MIN_FACE_SCORE, FaceFinder, FaceModelMissing, face_ranges
from adapters.masking.masker import OpenCVMasker
from domain.reasons import Reason
from tests.layouts import FACE_PHOTO, LIGHTS, room_scene, tissue_texture


def _in_circle(picture: np.ndarray, width: int, height: int) -> np.ndarray:
    """``picture`` filling a circle inside a black ``width x height`` frame, as a scope shows."""
    side = int(min(width, height) * 0.95)
    frame = np.zeros((height, width, 3), np.uint8)
    mask = np.zeros((side, side), np.uint8)
    cv2.circle(mask, (side // 2, side // 2), side // 2, 255, -1)
    x, y = (width - side) // 2, (height - side) // 2
    resized = cv2.resize(picture, (side, side), interpolation=cv2.INTER_AREA)
    frame[y : y + side, x : x + side][mask > 0] = resized[mask > 0]
    return frame


def _rotated(picture: np.ndarray, degrees: float) -> np.ndarray:
    h, w = picture.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(picture, turn, (w, h), borderMode=cv2.BORDER_REFLECT)


def test_a_face_filling_the_image_is_found_as_a_scope_would_show_it() -> None:
    photo = cv2.imread(FACE_PHOTO)
    assert photo is not None
    side = min(photo.shape[:2])
    face = photo[:side, :side]
    reddish = np.clip(face * np.array([0.7, 0.8, 1.2]), 0, 255).astype(np.uint8)
    finder = FaceFinder()
    shown = {
        "photo": photo,
        "1080p circle": _in_circle(face, 1920, 1080),
        "720x576 circle": _in_circle(face, 720, 576),
        "turned 20 degrees": _in_circle(_rotated(face, 20), 960, 540),
        "red light": _in_circle(reddish, 960, 540),
    }

    scores = {name: finder.score(picture) for name, picture in shown.items()}

    assert all(score >= MIN_FACE_SCORE for score in scores.values()), scores


def test_tissue_of_every_kind_is_no_face() -> None:
    finder, rng = FaceFinder(), np.random.default_rng(3)
    textures = {"white": tissue_texture, **LIGHTS}

    scores = {
        f"{name} {seed}": finder.score(_in_circle(texture(540, 540, rng), 960, 540))
        for name, texture in textures.items()
        for seed in range(3)
    }

    assert max(scores.values()) < MIN_FACE_SCORE, scores


def test_the_frames_blacked_out_reach_the_keyframes_around_each_face() -> None:
    numbers = [0, 12, 24, 36, 48]

    assert face_ranges([0.0, 0.1, 0.4, 0.2, 0.0], numbers, 50) == []  # no face, only near
    assert face_ranges([0.0, 0.0, 0.9, 0.0, 0.0], numbers, 50) == [(13, 35)]
    assert face_ranges([0.9, 0.9, 0.0, 0.0, 0.8], numbers, 50) == [(0, 23), (37, 49)]
    assert face_ranges([0.0, 0.8, 0.9, 0.0, 0.0], numbers, 50) == [(1, 35)]
    # a face fading in and out scores less beside its keyframe: the run reaches further
    assert face_ranges([0.0, 0.3, 0.9, 0.3, 0.1], numbers, 50) == [(1, 47)]
    assert face_ranges([0.0, 0.9], [0], 50) == [(0, 49)]  # frame numbers unknown: all


def test_without_the_model_level_2_fails_with_a_reason_and_never_guesses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(faces, "PACKAGE", "no_such_face_package")
    monkeypatch.setattr(FaceFinder, "_net", None)
    with pytest.raises(FaceModelMissing):
        faces.model_path()
    source = make_video(tmp_path / "v.mp4", circle_layout(320, 240), seconds=1.0, seed=2)
    target = tmp_path / "out.mp4"

    result = OpenCVMasker().mask("video-n", str(source.path), str(target))

    assert (result.succeeded, result.reason) == (False, Reason.FACE_MODEL_MISSING)
    assert not target.exists()


@pytest.mark.parametrize(("behind", "pixels"), [("tissue", 110), ("room", 86)])
def test_a_small_face_far_from_the_lens_is_found_by_looking_closer(
    behind: str, pixels: int
) -> None:
    photo = cv2.imread(FACE_PHOTO)
    assert photo is not None
    side = min(photo.shape[:2])
    small = cv2.resize(photo[:side, :side], (pixels, pixels), interpolation=cv2.INTER_AREA)
    finder, texture = FaceFinder(), tissue_texture if behind == "tissue" else room_scene
    for seed in range(4):
        picture = texture(540, 540, np.random.default_rng(seed))
        picture[300 : 300 + pixels, 120 : 120 + pixels] = small  # a fifth of the width or less
        image = _in_circle(picture, 960, 540)[:, 210:750]

        whole, _ = finder._heat(image)

        assert whole < MIN_FACE_SCORE, seed  # the whole image at 192 px: the face is missed
        assert finder.score(image) >= MIN_FACE_SCORE, seed  # looked at closer: found
