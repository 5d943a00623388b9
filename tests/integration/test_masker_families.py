"""Level 2 on recording families it was not built on (``tests.layouts``), judged by Tesseract.

Targets on every family: no patient string readable, under 0.5 % of the endoscope image lost,
PSNR inside the image >= 35 dB, anonymized (not refused) wherever the image can be found.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from adapters.demo.synthetic import circle_layout, make_video
from adapters.endoscope.blanks import describe
from adapters.masking.masker import OpenCVMasker
from adapters.masking.recheck import recheck
from adapters.video.ffmpeg import ffmpeg_exe
from adapters.video.ocr import RapidOcr, TextBox
from domain.reasons import Reason
from tests.family_checks import BLANK_LEVEL, frames_of, leaks_in_boxes, score
from tests.layouts import FAMILIES, SECRETS, Recording, image_mask_at, make_recording
from tests.tesseract_judge import leaks_in_video, read_text, readable

MAX_LOST_PERCENT = 0.5
MIN_PSNR_DB = 35.0
MASKED = [
    "vignette_circle", "olympus_720p", "olympus_1280x1024", "olympus_sd", "fujifilm_colour",
    "sd_octagon", "hevc_circle", "grey_cut_rect", "still", "menu_first", "out_of_body", "zoom",
    "room_in_circle", "nbi_chromo", "shrink", "moving", "menu_flash", "menu_on_keyframe",
    "dual_view", "ntsc_setup",
]  # fmt: skip
OUTSIDE_MARGIN_PX = 8  # H.264 blurs the mask's edge over a few pixels (as verify.py allows)


@pytest.mark.slow
@pytest.mark.parametrize("name", MASKED)
def test_each_family_is_anonymized_with_the_whole_image_kept(tmp_path: Path, name: str) -> None:
    family = FAMILIES[name]
    suffix = ".mkv" if family.codec == "libx265" else ".mp4"
    recording = make_recording(tmp_path / f"in{suffix}", family, seed=len(name))
    assert leaks_in_video(str(recording.path), SECRETS, count=1), "the judge must see the text"
    target = tmp_path / "out.mp4"

    result = OpenCVMasker().mask("video-f", str(recording.path), str(target))

    assert result.succeeded, result
    assert ("surround" in result.versions) == bool(family.black)  # black is lowered only if lifted
    if name.startswith("olympus"):  # the profile matches at any frame size
        size = f"{family.width}x{family.height}"
        assert result.versions["masking_profile"] == f"profile:olympus-cv1500@1 at {size}"
    checked = score(recording, target, leak_frames=2)
    assert checked.leaks == {}
    assert checked.lost_percent < MAX_LOST_PERCENT
    assert checked.psnr_db >= MIN_PSNR_DB
    assert checked.blank_ok
    expected = describe([(start, end - 1) for start, end in recording.blank_ranges])
    assert result.versions.get("blanked_frames", "") == expected  # the event says which
    if family.zoom_from:  # the mask follows the image: black outside the image of each frame
        assert "2 regions" in result.versions["masking_segments"]
        assert brightest_outside_current_image(recording, target) <= BLANK_LEVEL


@pytest.mark.slow
def test_a_dark_registration_screen_between_keyframes_is_never_published_readable(
    tmp_path: Path,
) -> None:
    recording = make_recording(tmp_path / "in.mp4", FAMILIES["dark_menu_flash"], seed=5)
    ((start, end),) = recording.blank_ranges
    assert leaks_on_frames(recording.path, start, end), "the judge must see the screen"
    target = tmp_path / "out.mp4"

    result = OpenCVMasker().mask("video-d", str(recording.path), str(target))

    if result.succeeded:  # blacked out, or its lines boxed: nothing readable on any frame
        assert leaks_on_frames(target, start, end) == {}
    else:  # or refused, as a level that cannot vouch for its output: no output at all
        assert result.reason in {Reason.TEXT_INSIDE_IMAGE, Reason.VERIFICATION_FAILED}
        assert not target.exists()


def leaks_on_frames(video: Path, start: int, end: int) -> dict[int, list[str]]:
    """The secrets Tesseract reads on each frame of ``video`` in ``[start, end)``."""
    found: dict[int, list[str]] = {}
    for index, frame in enumerate(frames_of(video)):
        if start <= index < end and (seen := readable(read_text(frame), SECRETS)):
            found[index] = seen
    return found


def brightest_outside_current_image(recording: Recording, output: Path) -> int:
    """The brightest output pixel outside the image its own input frame shows (margin kept)."""
    kernel = np.ones((2 * OUTSIDE_MARGIN_PX + 1,) * 2, np.uint8)
    brightest = 0
    for index, frame in enumerate(frames_of(output)):
        outside = cv2.dilate(image_mask_at(recording, index), kernel) == 0
        brightest = max(
            brightest, int(frame[: outside.shape[0], : outside.shape[1]][outside].max())
        )
    return brightest


@pytest.mark.slow
def test_a_banner_drawn_inside_the_image_is_blacked_out_and_the_rest_kept(tmp_path: Path) -> None:
    recording = make_recording(tmp_path / "in.mp4", FAMILIES["banner_inside"], seed=3)
    assert leaks_in_boxes(recording, recording.path, frames=1), "the judge must see the banner"
    target = tmp_path / "out.mp4"

    result = OpenCVMasker().mask("video-b", str(recording.path), str(target))

    assert result.succeeded, result
    assert "text box(es)" in result.versions["masking_profile"]
    assert "box(es) blacked out inside the image" in result.detail
    assert leaks_in_boxes(recording, target) == []
    checked = score(recording, target, leak_frames=2)
    assert checked.leaks == {}
    assert checked.lost_percent < MAX_LOST_PERCENT
    assert checked.psnr_db >= MIN_PSNR_DB


@pytest.mark.slow
@pytest.mark.parametrize("name", ["face_in_circle", "face_swept_over"])
def test_a_face_filling_the_image_is_blacked_out_up_to_the_keyframes_around_it(
    tmp_path: Path, name: str
) -> None:
    recording = make_recording(tmp_path / "in.mp4", FAMILIES[name], seed=4)
    ((start, end),) = recording.blank_ranges  # the frames that show the face
    target = tmp_path / "out.mp4"

    result = OpenCVMasker().mask("video-p", str(recording.path), str(target))

    assert result.succeeded, result
    found = re.fullmatch(r"(\d+) frames \((\d+)-(\d+)\)", result.versions["blanked_frames"])
    assert found is not None, result.versions
    first, last = int(found[2]), int(found[3])
    gap = 12  # keyframes of a 60-frame clip: the blanked stretch reaches the ones around it
    assert first <= start and last >= end - 1 and (start - first) + (last - end + 1) <= 2 * gap
    assert "around keyframes showing a face" in result.detail, result.detail
    assert "looked at for a face" in result.versions["verification_checked"]
    blanked = dataclasses.replace(recording, blank_ranges=((first, last + 1),))
    checked = score(blanked, target, leak_frames=2)
    assert checked.blank_ok and checked.leaks == {}
    assert checked.lost_percent < MAX_LOST_PERCENT
    assert checked.psnr_db >= MIN_PSNR_DB
    again = recheck(str(target), RapidOcr())  # endoveil verify
    assert again.passed and again.faces == 0, again
    no_text = dataclasses.replace(FAMILIES["face_in_circle"], text_x=())
    raw = make_recording(tmp_path / "raw.mp4", no_text, seed=4).path
    keyframed = tmp_path / "keyframed.mp4"  # keyframes 12 apart, as a published output has
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(raw), "-g", "12", str(keyframed)],
                   check=True)  # fmt: skip
    assert recheck(str(keyframed), RapidOcr()).faces >= 1  # a face published would be seen


class StubbornText:
    """An OCR engine that reads a birth date in the middle of every image it is shown."""

    name = "stubborn-text"

    def find_text(self, image: np.ndarray) -> list[TextBox]:
        h, w = image.shape[:2]
        return [TextBox(w // 3, h // 2, w // 4, 12, "12.03.1955", 0.95)]


def test_text_inside_that_stays_readable_fails_with_text_inside_image(tmp_path: Path) -> None:
    source = make_video(tmp_path / "v.mp4", circle_layout(320, 240), seconds=1.0, seed=21)
    target = tmp_path / "out.mp4"

    result = OpenCVMasker(ocr=StubbornText()).mask("video-t", str(source.path), str(target))

    assert (result.succeeded, result.reason) == (False, Reason.TEXT_INSIDE_IMAGE)
    assert "12.03.1955" not in result.detail
    assert not target.exists() and not list(tmp_path.rglob("*partial"))
