"""Workers and event stores on PostgreSQL: videos per minute, append and replay against SQLite.

Part 1 makes short seeded 320x240 clips, queues them on a fresh PostgreSQL schema with
``endoveil import --enqueue`` and starts 1, then 2, ``endoveil worker`` processes; the time
runs from starting the workers (their start-up included) to the last video's terminal event.
Ollama is pointed at a closed port, so level 1 fails fast and level 2 masks.
Part 2 writes the synthetic history of ``benchmarks.projections`` through the application
into SQLite and into PostgreSQL, replays the views from position 0 on each, and prints the
PG/SQLite ratios. Every PostgreSQL run has its own schema, dropped afterwards.

    .venv/bin/python -m benchmarks.workers [--clips 30] [--repeats 2] [--videos 10000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from adapters.demo.synthetic import circle_layout, make_video
from benchmarks.projections import write
from domain.rulebook import TERMINAL_STATES
from domain.video import Video
from projections.catalog import Projections
from tests.backends import open_library, settings_on, store_env
from tests.e2e.cli import closed_port, endoveil


def make_clips(folder: Path, count: int) -> list[str]:
    """Clips of 0.4 to 1 s with different seeds, so their content ids differ."""
    folder.mkdir()
    layout = circle_layout(320, 240, name="bench")
    return [
        str(make_video(folder / f"c{n}.mp4", layout, seconds=0.4 + 0.6 * (n % 4) / 3,
                       seed=500 + n).path)
        for n in range(count)
    ]  # fmt: skip


@dataclass(frozen=True)
class Drained:
    """One run of the workers over the queue."""

    seconds: float  # from starting the workers to the last terminal event
    first_claim: float  # from starting the workers to the first claim: their start-up
    outcomes: Counter[str]  # "state/level (reason)" -> videos


def drain(clips: list[str], workers: int, folder: Path) -> Drained:
    """Queue ``clips`` and run ``workers`` workers until every video is terminal."""
    with settings_on("postgres", folder) as settings, open_library(settings) as library:
        env = {**store_env(settings), "OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}"}
        queued = endoveil(settings.data_dir, "import", "--enqueue", *clips, env=env)
        assert queued.code == 0, queued.err
        ids = list(library.video_ids())
        assert len(ids) == len(clips), f"{len(ids)} videos queued of {len(clips)}"
        command = [sys.executable, "-m", "adapters.cli", "--data-dir", str(settings.data_dir),
                   "worker", "--poll", "0.2", "--idle-exit", "1"]  # fmt: skip
        started = datetime.now(UTC)
        procs = [
            subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
            for _ in range(workers)
        ]
        try:
            while not all(library.get(i).state in TERMINAL_STATES for i in ids):
                if all(p.poll() is not None for p in procs):
                    raise RuntimeError("the workers exited, leaving videos unfinished")
                time.sleep(0.25)
            assert [p.wait(timeout=120) for p in procs] == [0] * workers
        finally:
            for proc in procs:
                proc.kill()
        videos = [library.get(i) for i in ids]
        claims = [
            e.timestamp for i in ids for e in library.history(i) if isinstance(e, Video.Claimed)
        ]
    # Event timestamps, not the polling loop's, mark the first claim and the end.
    return Drained(
        (max(v.modified_on for v in videos) - started).total_seconds(),
        (min(claims) - started).total_seconds(),
        Counter(f"{v.state}/{v.level} ({v.reason})" for v in videos),
    )


def stores(videos: int, folder: Path) -> None:
    """Events per second written and replayed, per backend, on the same history; PG/SQLite."""
    rates = {}
    for backend in ("sqlite", "postgres"):
        with settings_on(backend, folder / backend) as settings, open_library(settings) as library:
            events, write_s = write(library, videos)
            started = time.perf_counter()
            read = Projections.open(library).catch_up(library)
            replay_s = time.perf_counter() - started
        assert read == events, (backend, read, events)
        rates[backend] = events / write_s, read / replay_s
        print(f"  {backend:8} {events:,} events: write {events / write_s:6,.0f}/s ({write_s:.1f} s)"
              f", replay {read / replay_s:6,.0f}/s ({replay_s:.1f} s)")  # fmt: skip
    (pg_write, pg_replay), (lite_write, lite_replay) = rates["postgres"], rates["sqlite"]
    print(f"  PG/SQLite: write {pg_write / lite_write:.2f}, replay {pg_replay / lite_replay:.2f}")


def worker_rates(clips: list[str], repeats: int, folder: Path) -> None:
    """Videos per minute with 1 and 2 workers, whole run and after the first claim."""
    medians = {}
    for workers in (1, 2):
        runs = []
        for repeat in range(repeats):
            run = drain(clips, workers, folder / f"w{workers}r{repeat}")
            runs.append((60 * len(clips) / run.seconds,
                         60 * len(clips) / (run.seconds - run.first_claim)))  # fmt: skip
            shown = ", ".join(f"{n} {k}" for k, n in sorted(run.outcomes.items()))
            print(f"  {workers} worker(s), run {repeat + 1}: {run.seconds:4.1f} s = "
                  f"{runs[-1][0]:5.1f} videos/min; {runs[-1][1]:5.1f}/min after the first "
                  f"claim ({run.first_claim:.1f} s)  [{shown}]")  # fmt: skip
        medians[workers] = [statistics.median(rates) for rates in zip(*runs, strict=True)]
    (one, one_after), (two, two_after) = medians[1], medians[2]
    print(f"  median: 1 worker {one:.1f}/min, 2 workers {two:.1f}/min; speedup 2/1 = "
          f"{two / one:.2f}x ({two_after / one_after:.2f}x after the first claim)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=2, help="runs per worker count")
    parser.add_argument("--videos", type=int, default=10_000, help="synthetic history size")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress, in order
    print(f"endoveil workers and event stores, {os.cpu_count()} CPU cores; wall clock on a "
          "shared machine (other jobs may run: noisy)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        clips = make_clips(Path(tmp) / "clips", args.clips)
        print(f"\n1. workers draining {args.clips} queued 320x240 clips of 0.4-1 s on PostgreSQL,"
              "\n   Ollama unreachable (closed port): level 1 fails fast, level 2 masks;\n"
              "   time = start of the worker processes to the last terminal event")  # fmt: skip
        worker_rates(clips, args.repeats, Path(tmp))
        print(f"\n2. append (one save per video) and replay (views rebuilt from 0), "
              f"{args.videos:,} videos' synthetic history")  # fmt: skip
        stores(args.videos, Path(tmp) / "stores")


if __name__ == "__main__":
    main()
