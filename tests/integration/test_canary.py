"""The canary: fake patient text through the real chain, judged by Tesseract, recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from adapters.canary.record import last_result
from adapters.canary.run import CANARY_PATIENT, run_canary
from adapters.demo.synthetic import circle_layout
from adapters.settings import Settings
from domain.ports import LevelResult
from tests.e2e.cli import closed_port
from tests.fakes import failing

pytestmark = pytest.mark.slow
SMALL = circle_layout(640, 360, name="small")


class PassThrough:
    """A broken masker: claims success and writes the input unmasked."""

    def mask(self, video_id: str, source: str, target: str) -> LevelResult:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return LevelResult.ok(target, "masked", "Masked (not really).")


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "clinic", ollama_host=f"http://127.0.0.1:{closed_port()}")


def test_level_2_passes_the_canary_and_the_clinic_store_stays_untouched(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    result = run_canary(settings, SMALL, seconds=1.0)
    assert result.passed, result
    assert (result.level, result.leaks) == ("fallback_basic", [])
    assert result.judge.startswith("tesseract")
    assert last_result(settings.data_dir) == result
    left = sorted(p.name for p in settings.data_dir.iterdir())
    assert left == ["canary.json"]  # no events, no videos, no scratch left in the clinic's dir


def test_a_masker_that_leaks_fails_the_canary(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    result = run_canary(settings, SMALL, seconds=1.0, masker=PassThrough(),
                        cleaner=failing("ollama_unavailable"))  # fmt: skip
    assert not result.passed and result.anonymized
    assert result.leaks and set(result.leaks) <= {CANARY_PATIENT, "12.03.1955"}
    recorded = json.loads((settings.data_dir / "canary.json").read_text())
    assert recorded["passed"] is False
