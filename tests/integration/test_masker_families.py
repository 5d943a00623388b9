"""Level 2 on recording families it was not built on (``tests.layouts``), judged by Tesseract.

Targets on every family: no patient string readable, under 0.5 % of the endoscope image lost,
PSNR inside the image >= 35 dB, anonymized (not refused) wherever the image can be found.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.masking.masker import OpenCVMasker
from tests.family_checks import score
from tests.layouts import FAMILIES, SECRETS, make_recording
from tests.tesseract_judge import leaks_in_video

MAX_LOST_PERCENT = 0.5
MIN_PSNR_DB = 35.0
MASKED = [
    "vignette_circle", "olympus_720p", "olympus_1280x1024", "olympus_sd", "fujifilm_colour",
    "sd_octagon", "hevc_circle", "grey_cut_rect", "still",
]  # fmt: skip


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
    if name.startswith("olympus"):  # the profile matches at any frame size
        size = f"{family.width}x{family.height}"
        assert result.versions["masking_profile"] == f"profile:olympus-cv1500@1 at {size}"
    checked = score(recording, target, leak_frames=3)
    assert checked.leaks == {}
    assert checked.lost_percent < MAX_LOST_PERCENT
    assert checked.psnr_db >= MIN_PSNR_DB
    assert checked.blank_ok
