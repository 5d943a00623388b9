"""The CLI starts light: ``--help`` and ``status`` load none of the heavy libraries.

Start-up time itself is measured by ``benchmarks/startup.py`` (against a baseline of the same
run); this test holds the structure that makes it short, and cannot flake on a busy machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.settings import Settings
from tests.backends import open_library
from tests.scenarios import OUTCOMES, play

#: What only importing, masking, cleaning, serving or PostgreSQL needs.
HEAVY = (
    "cv2",
    "numpy",
    "onnxruntime",
    "rapidocr_onnxruntime",
    "imageio_ffmpeg",
    "httpx",
    "ollama",
    "fastapi",
    "starlette",
    "uvicorn",
    "prometheus_client",
    "watchdog",
    "psycopg",
    "eventsourcing.postgres",
)


def small_data_dir(folder: Path) -> Path:
    """A SQLite data dir holding a video of every outcome (event histories, no video files)."""
    with open_library(Settings(data_dir=folder)) as library:
        for n, outcome in enumerate(OUTCOMES):
            play(library, n, outcome)
    return folder


def imported_modules(*args: str) -> set[str]:
    """The modules a fresh ``python -m adapters.cli ARGS...`` imports (``-X importtime``)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ENDOVEIL_")}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "adapters.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}  # the first is the header


def heavy_in(modules: set[str]) -> list[str]:
    """The heavy libraries (or any of their submodules) among ``modules``."""
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY)


def test_help_loads_no_heavy_library_and_no_settings() -> None:
    modules = imported_modules("--help")
    assert "adapters.cli.main" in modules  # the probe sees the CLI's own imports
    assert heavy_in(modules) == []
    # Neither the composition root nor pydantic's settings: --help opens nothing; and the help
    # is plain text (typer's rich formatting would load rich, markdown-it and pygments).
    assert {"adapters.bootstrap", "adapters.settings", "pydantic", "rich"}.isdisjoint(modules)


@pytest.mark.parametrize("data", ["empty", "small"])
def test_status_loads_no_heavy_library(data: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    if data == "small":
        small_data_dir(folder)
    modules = imported_modules("--data-dir", str(folder), "status")
    assert "adapters.bootstrap" in modules  # status builds the application ...
    assert heavy_in(modules) == []  # ... without loading what only the levels use
    assert "rich" not in {m.split(".")[0] for m in modules}  # no progress bar to draw
