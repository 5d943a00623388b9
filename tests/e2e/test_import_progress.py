"""``endoveil import --progress``: a bar on stderr, clean JSON lines on stdout."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.demo.synthetic import circle_layout, make_video
from tests.e2e.cli import endoveil


@pytest.mark.slow
def test_progress_goes_to_stderr_and_json_stays_clean(tmp_path: Path) -> None:
    source = make_video(tmp_path / "Mustermann.mp4", circle_layout(320, 240), seconds=1.0)

    run = endoveil(tmp_path / "data", "import", str(source.path), "--json", "--progress")

    assert run.code == 0, run.err
    (result,) = run.json_lines()  # stdout holds nothing but the JSON line
    assert result["state"] == "archived" and result["level"] == "fallback_basic", result
    assert "masking" in run.err and "25/25" in run.err
    assert "Mustermann" not in run.err
