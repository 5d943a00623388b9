"""Level 1 on generated layouts, judged by Tesseract (an OCR level 1 never uses).

TrueType text in light grey with umlauts, 720p, a Pentax-like circle with device labels
stacked right above the patient lines, and a device label on the same row as the name. The
fake Ollama answers once as a careful model and once as a careless one (every line
"other", a name it invented): what stays readable must not depend on the model being right.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.cleaning.cleaner import OllamaFrameCleaner
from tests.fake_ollama import FakeOllama, classify_lines
from tests.layout_clips import Clip, ClipLayout, olympus_side_by_side, pentax_circle, write_clip
from tests.tesseract_judge import leaks_in_video

pytestmark = pytest.mark.slow


def _careless(text: str) -> dict[str, Any]:
    answer = classify_lines(text)
    for line in answer["lines"]:
        line["category"] = "other"
    answer["patient"]["last_name"] = "Invented"
    return answer


@pytest.fixture(scope="module", params=[pentax_circle, olympus_side_by_side], ids=["pentax", "row"])
def clip(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Clip:
    layout: ClipLayout = request.param()
    return write_clip(tmp_path_factory.mktemp("layouts") / f"{layout.name}.mp4", layout)


def test_the_source_shows_the_secrets(clip: Clip) -> None:
    assert leaks_in_video(str(clip.path), clip.secrets, count=1)  # the judge can read them


@pytest.mark.parametrize("model", ["careful", "careless"])
def test_no_patient_line_is_readable_after_level_one(
    clip: Clip, model: str, tmp_path: Path
) -> None:
    output = tmp_path / "out.mp4"
    with FakeOllama() as fake:
        fake.answer = _careless if model == "careless" else None
        cleaner = OllamaFrameCleaner(fake.host, read_timeout=10.0, budget_s=300.0)
        result = cleaner.clean("vid", str(clip.path), str(output))
    assert result.reason == "frame_cleaned", result.detail
    assert "Invented" not in str(result.patient_metadata)
    assert leaks_in_video(str(output), clip.secrets, count=3) == {}
    if model == "careful":  # harmless labels stay readable where they stand alone
        assert leaks_in_video(str(output), clip.harmless, count=1)
