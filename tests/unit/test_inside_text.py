"""Which lines read inside the endoscope image count as patient data, and where they go."""

from __future__ import annotations

import numpy as np

from adapters.endoscope.region import Region, with_holes
from adapters.masking.inside_text import BOX_MARGIN_PX, blackout_boxes, patient_like
from adapters.video.ocr import TextBox


def test_dates_times_ids_and_names_are_patient_like_a_brand_is_not() -> None:
    for text in ("07.11.1948", "23.02.2026 09:41", "ID 88120457", "Kowalczyk, Henriette",
                 "Geb.: 1948", "12-03-55"):  # fmt: skip
        assert patient_like(text), text
    for text in ("OLYMPUS", "CV-1500", "x1.5", "NBI"):
        assert not patient_like(text), text


def test_boxes_get_a_margin_and_stay_in_the_frame() -> None:
    lines = [TextBox(5, 50, 100, 20, "07.11.1948", 0.9), TextBox(600, 400, 30, 10, "x", 0.9)]

    boxes = blackout_boxes(lines, 620, 405)

    m = BOX_MARGIN_PX
    assert boxes[0] == (0, 50 - m, 105 + m, 20 + 2 * m)
    assert boxes[1] == (600 - m, 400 - m, 20 + m, 5 + m)


def test_holes_are_cut_out_of_the_region_and_named() -> None:
    mask = np.full((100, 200), 255, np.uint8)
    region = Region(mask, (0, 0, 200, 100), "detected@3", rectangle=True)

    holed = with_holes(region, [(10, 10, 30, 5)])

    assert not holed.rectangle and holed.bbox == region.bbox
    assert holed.mask[10:15, 10:40].max() == 0 and holed.mask[20:, :].min() == 255
    assert holed.description == "detected@3 minus 1 text box(es)"
    assert mask.min() == 255  # the original region is untouched
