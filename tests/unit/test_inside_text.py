"""Which lines read inside the endoscope image are blacked out, and how often the OCR runs."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from adapters.demo.synthetic import tissue_texture
from adapters.masking.inside_text import (
    _TURNS,
    BOX_MARGIN_PX,
    InsideReader,
    _unturned,
    patient_like,
    worth_masking,
)
from adapters.masking.text_tracks import widen
from adapters.video.ocr import TextBox
from tests.layouts import YELLOW, _draw, text_box


def test_dates_times_ids_and_names_are_patient_like_a_brand_is_not() -> None:
    for text in ("07.11.1948", "23.02.2026 09:41", "ID 88120457", "Kowalczyk, Henriette",
                 "Geb.: 1948", "12-03-55", "Henriette Kowalczyk", "KOWALCZYK HENRIETTE",
                 "Pat: 4711", "DOB 1948"):  # fmt: skip
        assert patient_like(text), text
    for text in ("OLYMPUS", "CV-1500", "x1.5", "NBI"):
        assert not patient_like(text), text


def test_every_sure_line_of_three_characters_is_masked_patient_like_ones_even_less_sure() -> None:
    def line(text: str, confidence: float) -> TextBox:
        return TextBox(0, 0, 10, 10, text, confidence)

    assert worth_masking(line("Kowalski", 0.65))  # a name no pattern knows
    assert worth_masking(line("NBI", 0.9))  # an overlay: harmless to black out
    assert worth_masking(line("07.11.1948", 0.52))
    assert not worth_masking(line("Kowalski", 0.55))  # tissue read as letters, unsure
    assert not worth_masking(line("x1", 0.99))  # too short to name anyone
    assert not worth_masking(line("-l.", 0.9))


def test_boxes_get_a_margin_and_stay_in_the_frame() -> None:
    lines = [TextBox(5, 50, 100, 20, "07.11.1948", 0.9), TextBox(600, 400, 30, 10, "x", 0.9)]

    boxes = [widen((t.x, t.y, t.w, t.h), BOX_MARGIN_PX, 620, 405) for t in lines]

    m = BOX_MARGIN_PX
    assert boxes[0] == (0, 50 - m, 105 + m, 20 + 2 * m)
    assert boxes[1] == (600 - m, 400 - m, 20 + m, 5 + m)


class CountingOcr:
    """Reads a date at the left, halfway down, of every picture it is shown; counts them."""

    name = "counting"

    def __init__(self) -> None:
        self.shown: list[tuple[int, int]] = []

    def find_text(self, image: np.ndarray) -> list[TextBox]:
        h, w = image.shape[:2]
        self.shown.append((w, h))
        return [TextBox(20, h // 2 - 5, 100, 10, "07.11.1948", 0.95)]


def _keyframes(text: str | None, count: int) -> list[np.ndarray]:
    """``count`` keyframes of moving tissue (``3 x H x W`` G, B, R), ``text`` drawn still."""
    texture = tissue_texture(300, 460, np.random.default_rng(2))
    frames = []
    for k in range(count):
        frame = np.ascontiguousarray(texture[10 * k : 10 * k + 240, 15 * k : 15 * k + 320])
        if text is not None:
            _draw(frame, [(text, text_box(text, (40, 100), 16), YELLOW)], 16)
        frames.append(np.stack([frame[..., 1], frame[..., 0], frame[..., 2]]))
    return frames


def _read(
    ocr: CountingOcr, keyframes: list[np.ndarray], whole_at: int = 99
) -> list[list[tuple[int, int, int, int]]]:
    reader = InsideReader(
        ocr, np.full((240, 320), 255, np.uint8), (0, 0, 320, 240), whole_at=whole_at
    )
    for planes in keyframes:
        reader.add(planes)
    return reader.result().found


def test_a_still_line_is_read_once_and_found_on_every_keyframe() -> None:
    ocr = CountingOcr()

    found = _read(ocr, _keyframes("Kowalczyk 07.11.1948", 4))

    assert len(ocr.shown) == 1  # the later keyframes show the same ink: not read again
    assert all(len(boxes) == 1 for boxes in found)
    x, y, w, h = found[0][0]
    assert x >= 20 and x + w <= 260 and y >= 90 and y + h <= 130  # around the line drawn


def test_tissue_without_text_is_never_shown_to_the_ocr_except_the_whole_read() -> None:
    ocr = CountingOcr()

    found = _read(ocr, _keyframes(None, 4), whole_at=2)

    assert ocr.shown == [(320, 240)]  # only keyframe 2, read whole
    assert found == [[], [], [], []]  # what it read there is no candidate's: kept apart


@pytest.mark.parametrize("turn", _TURNS)
def test_a_box_read_on_a_turned_tile_is_turned_back_onto_the_tile(turn: int) -> None:
    tile = np.zeros((50, 20), np.uint8)
    tile[30:40, 5:9] = 1  # x 5, y 30, w 4, h 10
    ys, xs = np.nonzero(cv2.rotate(tile, turn))
    read = (int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1)

    assert _unturned(read, turn, (20, 50)) == (5, 30, 4, 10)
    assert _unturned(read, None, (20, 50)) == read
