"""Level 1 cannot black out a face: it leaves a video that shows one to level 2, which can."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.cleaning.cleaner import OllamaFrameCleaner
from domain.reasons import Reason
from tests.fake_ollama import FakeOllama
from tests.layouts import FAMILIES, make_recording

pytestmark = pytest.mark.slow


def test_a_face_inside_the_image_ends_level_one_with_its_reason(tmp_path: Path) -> None:
    recording = make_recording(tmp_path / "in.mp4", FAMILIES["face_in_circle"], seed=4)
    output = tmp_path / "out.mp4"

    with FakeOllama() as fake:
        cleaner = OllamaFrameCleaner(fake.host, read_timeout=10.0, budget_s=300.0)
        result = cleaner.clean("video-f", str(recording.path), str(output))

    assert not result.succeeded
    assert result.reason is Reason.FACE_IN_IMAGE, result.detail
    assert "face shows inside the endoscope image on frame" in result.detail
    assert not output.exists()
