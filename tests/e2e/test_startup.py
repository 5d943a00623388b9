"""The CLI starts light: ``--help`` and ``status`` load none of the heavy libraries.

On views that are current, ``status`` loads not even typer, pydantic or the event store
(``adapters/cli/quick_status.py``), and prints byte for byte what the full command prints.

Start-up time itself is measured by ``benchmarks/startup.py`` (against a baseline of the same
run); this test holds the structure that makes it short, and cannot flake on a busy machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.cleaning.circuit import CircuitBreaker
from adapters.settings import Settings
from domain.video import video_id_for
from tests.backends import open_library
from tests.scenarios import OUTCOMES, play

#: What only the full command needs: the CLI framework, the settings, the event store, the
#: composition root and the aggregate.
FULL_COMMAND_ONLY = (
    "typer",
    "click",
    "pydantic",
    "pydantic_settings",
    "eventsourcing",
    "adapters.cli.main",
    "adapters.settings",
    "adapters.bootstrap",
    "domain.video",
)

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


@dataclass(frozen=True)
class Run:
    """One run of the command line: what it printed, its exit code and the modules it imported."""

    stdout: str
    stderr: str
    code: int
    modules: set[str]


#: The full command line without the quick path in front of it (``adapters.cli.quick_status``).
FULL_COMMAND = ("-c", "from adapters.cli.main import main; main()")


def run_cli(*args: str, full: bool = False, env: dict[str, str] | None = None) -> Run:
    """A fresh ``python -X importtime -m adapters.cli ARGS...`` (``full``: the typer app alone)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ENDOVEIL_")}
    entry = FULL_COMMAND if full else ("-m", "adapters.cli")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *entry, *args],
        capture_output=True,
        text=True,
        env={**environment, **(env or {})},
        timeout=120,
        check=False,
    )
    lines = done.stderr.splitlines()
    timed = [line for line in lines if line.startswith("import time:")]
    stderr = "".join(f"{line}\n" for line in lines if not line.startswith("import time:"))
    modules = {line.rsplit("|", 1)[1].strip() for line in timed[1:]}  # the first is the header
    return Run(done.stdout, stderr, done.returncode, modules)


def imported_modules(*args: str) -> set[str]:
    """The modules a fresh ``python -m adapters.cli ARGS...`` imports; it must succeed."""
    run = run_cli(*args)
    assert run.code == 0, run.stderr[-2000:]
    return run.modules


def heavy_in(modules: set[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The ``heavy`` modules (or any of their submodules) among ``modules``."""
    return sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in heavy))


def test_help_loads_no_heavy_library_and_no_settings() -> None:
    modules = imported_modules("--help")
    assert "adapters.cli.main" in modules  # the probe sees the CLI's own imports
    assert heavy_in(modules) == []
    # Neither the composition root, pydantic's settings nor the event store and the aggregate:
    # --help opens nothing; and the help is plain text (typer's rich formatting would load
    # rich, markdown-it and pygments).
    lazy = ("adapters.bootstrap", "adapters.settings", "pydantic", "eventsourcing", "domain.video")
    assert heavy_in(modules, (*lazy, "rich")) == []


@pytest.mark.parametrize("data", ["empty", "small"])
def test_status_loads_no_heavy_library(data: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    if data == "small":
        small_data_dir(folder)
    modules = imported_modules("--data-dir", str(folder), "status")
    assert "adapters.bootstrap" in modules  # status builds the application ...
    assert heavy_in(modules) == []  # ... without loading what only the levels use
    assert "rich" not in {m.split(".")[0] for m in modules}  # no progress bar to draw


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with a video of every outcome, views current, the Ollama circuit half-open."""
    folder = small_data_dir(tmp_path_factory.mktemp("current"))
    assert run_cli("--data-dir", str(folder), "status").code == 0  # catches the views up
    breaker = CircuitBreaker(Settings(data_dir=folder).circuit_path, clock=lambda: 0.0)
    for _ in range(3):  # opened at the epoch: half-open ever since, whenever the test runs
        breaker.record(ollama_failed=True, reason="ollama_unavailable")
    return folder


def test_status_on_current_views_loads_neither_typer_nor_settings_nor_event_store(
    current: Path,
) -> None:
    modules = imported_modules("--data-dir", str(current), "status")
    assert "adapters.cli.quick_status" in modules
    assert heavy_in(modules, FULL_COMMAND_ONLY + HEAVY) == []


FIRST = str(video_id_for(f"{0:064x}"))  # tests.scenarios.play's first video
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.parametrize(
    "args",
    [[], ["--json", "--limit", "3"], [FIRST[:8]], [FIRST.upper(), "--json"]],
    ids=["all", "json-limit", "prefix", "one-json"],
)
def test_the_quick_status_prints_what_the_full_command_prints(
    current: Path, args: list[str]
) -> None:
    quick = run_cli("--data-dir", str(current), "status", *args)
    full = run_cli("--data-dir", str(current), "status", *args, full=True)
    assert "adapters.cli.main" not in quick.modules  # answered by the quick path
    assert full.code == 0 and full.stderr == "" and UUID_TEXT.search(full.stdout)
    assert (quick.stdout, quick.stderr, quick.code) == (full.stdout, full.stderr, full.code)


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["00000000-0000-0000-0000-000000000000"], {}),  # no such video
        ([FIRST[:7]], {}),  # too short to be an id prefix
        ([], {"ENDOVEIL_CIPHER_KEY": "A" * 43 + "="}),  # not this store's key
    ],
    ids=["unknown-id", "short-prefix", "wrong-key"],
)
def test_what_the_quick_status_cannot_vouch_for_the_full_command_answers(
    current: Path, args: list[str], env: dict[str, str]
) -> None:
    quick = run_cli("--data-dir", str(current), "status", *args, env=env)
    full = run_cli("--data-dir", str(current), "status", *args, env=env, full=True)
    assert "adapters.cli.main" in quick.modules  # handed to the full command
    assert full.code != 0 and full.stderr.startswith("endoveil: ")
    assert (quick.stdout, quick.stderr, quick.code) == (full.stdout, full.stderr, full.code)


@pytest.mark.parametrize("full", [False, True], ids=["quick", "full"])
def test_a_reader_gone_away_ends_status_with_1_and_no_traceback(current: Path, full: bool) -> None:
    read, write = os.pipe()
    os.close(read)  # before the command starts: its first write finds nobody reading
    entry = FULL_COMMAND if full else ("-m", "adapters.cli")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ENDOVEIL_")}
    environment.pop("PYTHONUNBUFFERED", None)  # buffered, as in a terminal
    with os.fdopen(write, "wb") as gone:
        done = subprocess.run(
            [sys.executable, *entry, "--data-dir", str(current), "status"],
            stdout=gone, stderr=subprocess.PIPE, env=environment, timeout=120, check=False,
        )  # fmt: skip
    assert (done.returncode, done.stderr) == (1, b"")


def test_views_behind_the_event_log_are_caught_up_by_the_full_command(
    current: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "behind"
    shutil.copytree(current, folder)
    with open_library(Settings(data_dir=folder)) as library:
        newer = str(play(library, len(OUTCOMES), "cleaned"))  # events the views have not seen
    quick = run_cli("--data-dir", str(folder), "status")
    assert "adapters.cli.main" in quick.modules  # the view was behind: the full command ran
    assert quick.code == 0 and newer in quick.stdout
    full = run_cli("--data-dir", str(folder), "status", full=True)
    assert quick.stdout == full.stdout
    again = run_cli("--data-dir", str(folder), "status")  # caught up now: the quick path again
    assert "adapters.cli.main" not in again.modules and again.stdout == full.stdout
