"""Start-up time of the CLI: ``endoveil --help`` and ``endoveil status``, against baselines.

Usage: ``.venv/bin/python -m benchmarks.startup [--runs 15]``

``status`` is timed on both of its paths: the quick one (the status view is current: answered
with ``sqlite3`` alone, ``adapters/cli/quick_status.py``) and the fallback (another process
has just added events: the full command loads typer, the settings and the event store, and
catches the views up; before each of its runs one more video is recorded, untimed).

Every command runs in a fresh interpreter, interleaved with the baselines measured in the same
run (a bare ``python -c pass``, ``python -c "import typer"``, and an import of the libraries
the full ``status`` cannot do without), so a busy machine slows all alike; the ratios are
what to compare between runs. CPU time (user + system, of the child) is printed beside the
wall time: it is steadier when other processes share the cores. The target (issue #13): each
command under 0.3 s of wall time on a quiet machine.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from adapters.settings import Settings
from tests.backends import open_library
from tests.e2e.test_startup import small_data_dir
from tests.scenarios import play

#: What the full ``status`` cannot start without: CLI, settings, event store and its cipher.
_LIBRARIES = (
    "import typer, typer.main, pydantic, pydantic_settings, transitions, "
    "eventsourcing.application, eventsourcing.sqlite, eventsourcing.cryptography"
)


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _one_more_video(data_dir: Path) -> Callable[[], None]:
    """Before a run: record one more video (the views are behind the event log again)."""
    count = itertools.count(1000)

    def record() -> None:
        with open_library(Settings(data_dir=data_dir)) as library:
            play(library, next(count), "cleaned")

    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    runs = parser.parse_args().runs
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENDOVEIL_")}
    python = [sys.executable]
    logging.disable(logging.WARNING)  # the scenarios' fallback warnings are not the output
    with tempfile.TemporaryDirectory() as tmp:
        current, behind = (small_data_dir(Path(tmp) / name) for name in ("current", "behind"))
        cli = [*python, "-m", "adapters.cli"]
        commands = {
            "python -c pass": [*python, "-c", "pass"],
            "python -c 'import typer'": [*python, "-c", "import typer"],
            "libraries full status needs": [*python, "-c", _LIBRARIES],
            "endoveil --help": [*cli, "--help"],
            "status (quick: view current)": [*cli, "--data-dir", str(current), "status"],
            "status (fallback: behind)": [*cli, "--data-dir", str(behind), "status"],
        }
        before = {"status (fallback: behind)": _one_more_video(behind)}
        for command in commands.values():  # warm the page cache and the .pyc files; catch up
            _timed(command, env)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(runs):  # interleaved: load changes hit every command alike
            for name, command in commands.items():
                if name in before:
                    before[name]()
                times[name].append(_timed(command, env))
    wall = {name: min(w for w, _ in runs_) for name, runs_ in times.items()}
    cpu = {name: min(c for _, c in runs_) for name, runs_ in times.items()}
    middle = {name: statistics.median(w for w, _ in runs_) for name, runs_ in times.items()}
    bases = ("python -c pass", "python -c 'import typer'", "libraries full status needs")
    header = f"{'best of ' + str(runs):<29} {'wall s':>7} {'cpu s':>7} {'median':>7}"
    print(f"{header}   best wall / pass, typer, libraries")
    for name in commands:
        ratios = "  ".join(f"{wall[name] / wall[base]:5.2f}" for base in bases)
        print(f"{name:<29} {wall[name]:7.3f} {cpu[name]:7.3f} {middle[name]:7.3f}   {ratios}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
