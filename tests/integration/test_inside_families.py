"""Text inside the image, shown for part of the video, across the border, small, or none at all.

Judged by Tesseract where and when each line is shown (``tests.inside_checks``): no patient
string readable on any frame it is shown on, the rest of the image kept (< 0.5 % lost outside
the text's boxes and their margin, PSNR >= 35 dB), and the masking says what it did.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from adapters.demo.synthetic import circle_layout, make_video
from adapters.masking.masker import OpenCVMasker
from adapters.video.ocr import TextBox
from domain.reasons import Reason
from tests.family_checks import score
from tests.inside_checks import leaks_where_shown
from tests.layouts import INSIDE_FAMILIES, make_inside_recording

pytestmark = pytest.mark.slow

MAX_LOST_PERCENT = 0.5
MIN_PSNR_DB = 35.0
WITH_TEXT = ["banner_for_a_second", "name_without_comma", "straddling_the_border",
             "small_text_inside", "between_keyframes", "between_keyframes_active",
             "between_keyframes_instrument", "fade_between_keyframes", "vertical_text",
             "moving_lines", "moving_past_reads"]  # fmt: skip


@pytest.mark.parametrize("name", WITH_TEXT)
def test_text_inside_is_blacked_out_where_it_is_shown(tmp_path: Path, name: str) -> None:
    recording, shown = make_inside_recording(tmp_path / "in.mp4", INSIDE_FAMILIES[name], seed=3)
    assert leaks_where_shown(recording.path, shown), "the judge must see the text"
    target = tmp_path / "out.mp4"

    result = OpenCVMasker().mask("video-i", str(recording.path), str(target))

    assert result.succeeded, result
    assert leaks_where_shown(target, shown) == {}
    checked = score(recording, target, leak_frames=2)
    assert checked.leaks == {}
    assert checked.lost_percent < MAX_LOST_PERCENT
    assert checked.psnr_db >= MIN_PSNR_DB
    summary = result.versions["verification_checked"]
    assert "blacked out inside:" in summary and "0 readable after masking" in summary
    assert "Kowalczyk" not in summary + result.detail


def test_a_faint_overlay_is_never_published_green_over_readable_text(tmp_path: Path) -> None:
    # white at 16 % opacity: read on keyframes, but in parts (a word on one, another on the
    # next, none on a third). Masked where it was read, it was published green with a word
    # of the name or the date readable on 21 of 37 frames Tesseract read (every other one)
    recording, shown = make_inside_recording(
        tmp_path / "in.mp4", INSIDE_FAMILIES["faint_overlay"], seed=3
    )
    assert leaks_where_shown(recording.path, shown), "the judge must see the text"
    target = tmp_path / "out.mp4"

    result = OpenCVMasker().mask("video-f", str(recording.path), str(target))

    assert not result.succeeded and result.reason is Reason.TEXT_INSIDE_IMAGE, result
    assert "faint text" in result.detail and not target.exists()


def test_a_line_shown_for_a_second_is_masked_around_that_second_only(tmp_path: Path) -> None:
    family = INSIDE_FAMILIES["banner_for_a_second"]
    recording, shown = make_inside_recording(tmp_path / "in.mp4", family, seed=5)
    target = tmp_path / "out.mp4"

    result = OpenCVMasker().mask("video-s", str(recording.path), str(target))

    assert result.succeeded, result
    start, end = shown[0].start, shown[0].end  # frames 25 to 49 of 60
    summary = result.versions["verification_checked"]
    first, last = (int(v) for v in summary.split("over frames ")[1].split(",")[0].split("-"))
    assert start - 25 <= first <= start and end - 1 <= last <= end + 25  # a read either side
    assert (first, last) != (0, recording.frames - 1)


def test_vessels_and_highlights_without_text_lose_nothing(tmp_path: Path) -> None:
    family = INSIDE_FAMILIES["vascular_no_text"]
    recording, _ = make_inside_recording(tmp_path / "in.mp4", family, seed=4)
    target = tmp_path / "out.mp4"

    result = OpenCVMasker().mask("video-v", str(recording.path), str(target))

    assert result.succeeded, result
    assert "blacked out inside" not in result.versions["verification_checked"]
    checked = score(recording, target, leak_frames=2)
    assert checked.lost_percent < MAX_LOST_PERCENT
    assert checked.psnr_db >= MIN_PSNR_DB


class TextEverywhere:
    """An OCR engine that reads a name over nearly all of every picture it is shown."""

    name = "text-everywhere"

    def find_text(self, image: np.ndarray) -> list[TextBox]:
        h, w = image.shape[:2]
        return [TextBox(2, 2, w - 4, h - 4, "Henriette Kowalczyk", 0.95)]


def test_text_over_most_of_the_image_fails_rather_than_publishing_a_black_video(
    tmp_path: Path,
) -> None:
    source = make_video(tmp_path / "v.mp4", circle_layout(320, 240), seconds=1.0, seed=22)
    target = tmp_path / "out.mp4"

    result = OpenCVMasker(ocr=TextEverywhere()).mask("video-e", str(source.path), str(target))

    assert (result.succeeded, result.reason) == (False, Reason.TEXT_INSIDE_IMAGE)
    assert "would hide" in result.detail and "Kowalczyk" not in result.detail
    assert not target.exists()
