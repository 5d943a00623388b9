"""Level 1 draws the progress bar too: in ``reprocess`` and ``watch``, on stderr only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.demo.synthetic import Layout, make_video
from tests.e2e.cli import endoveil
from tests.fake_ollama import FakeOllama
from tests.fake_ollama import fake_ollama as fake_ollama

pytestmark = pytest.mark.slow
SMALL = Layout("small", 640, 360, (260, 0, 380, 360), False, ((0, 250),))


def test_reprocess_and_watch_show_level_one_progress(
    tmp_path: Path, fake_ollama: FakeOllama
) -> None:
    source = make_video(tmp_path / "Mustermann.mp4", SMALL, seconds=1.0, fps=10, seed=5).path
    data = tmp_path / "data"
    env = {"OLLAMA_HOST": fake_ollama.host, "ENDOVEIL_OLLAMA_READ_TIMEOUT": "5"}
    fake_ollama.mode = "down"
    [imported] = endoveil(data, "import", str(source), "--json", env=env).json_lines()
    assert imported["level"] == "fallback_basic"
    fake_ollama.mode = "healthy"

    again = endoveil(data, "reprocess", "--degraded", "--json", "--progress", env=env)
    assert again.code == 0, again.err
    [row] = again.json_lines()  # stdout holds nothing but the JSON line
    assert row["level"] == "frame_cleaning", row
    assert "masking" in again.err and "10/10" in again.err  # level 1's encode, frame by frame

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    other = make_video(tmp_path / "Erika.mp4", SMALL, seconds=1.0, fps=10, seed=6).path
    shutil.copy(other, inbox / "Erika.mp4")
    watched = endoveil(data, "watch", str(inbox), "--once", "--stable-seconds", "0",
                       "--progress", env=env)  # fmt: skip
    assert watched.code == 0, watched.err
    assert "10/10" in watched.err
    for run in (again, watched):
        assert "Mustermann" not in run.err + run.out and "Erika" not in run.err + run.out
