"""Projection scale: write 100,000 videos' events, replay them, query a month.

Prints events per second for writing through the application, for a full replay of the
views from position 0, and for a raw sqlite3 ``executemany`` of the same rows (the ceiling),
with the ratios; and the time of a one-month compliance query against the replay time
(target: under 1 %). No video files: the events are those the chain records.

    .venv/bin/python -m benchmarks.projections [--videos 100000]

(Run as a module: as a script its own name would shadow the ``projections`` package.)
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.bootstrap import event_store_env
from adapters.settings import Settings
from domain.application import VideoLibrary
from domain.reasons import Reason
from domain.rulebook import Level
from domain.steps import Step
from domain.video import Video
from projections.catalog import Projections
from projections.report import build_report

START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)


def history(video: Video, n: int) -> None:
    """The events of one import: most masked at level 2, some raw copies, a few failures."""
    if n % 100 == 0:
        video.fail(Step(Reason.NOT_A_VIDEO, "The file cannot be opened as a video."))
        return
    video.start_cleaning(Step(Reason.CHAIN_STARTED, "Started.", Level.FRAME_CLEANING))
    versions = {"model": "qwen2.5:1.5b-instruct", "ollama_host": "http://127.0.0.1:11434"}
    video.fall_back(
        Step(
            Reason.OLLAMA_UNAVAILABLE,
            "Ollama could not be reached.",
            Level.FRAME_CLEANING,
            0.05,
            versions,
        ),
    )
    if n % 10 == 0:
        video.copy_raw(Step(Reason.ROI_UNCERTAIN, "Uncertain.", Level.FALLBACK_BASIC, 0.3))
        level, output = Level.RAW_COPIED, f"quarantine/{video.id}.NOT-ANONYMIZED.mp4"
    else:
        level, output = Level.FALLBACK_BASIC, f"anonymized/{video.id}.mp4"
    video.archive(
        Step(
            Reason.MASKED,
            "Masked.",
            level,
            2.5,
            {"masking_profile": "detected@1"},
            output,
            "passed",
        ),
    )


def write(library: VideoLibrary, videos: int) -> tuple[int, float]:
    events = 0
    started = time.perf_counter()
    for n in range(videos):
        video = Video(
            sha256=f"{n:064x}", size=n, original=f"raw/{n}.mp4",
            received_at=START + YEAR * n / videos,
        )  # fmt: skip
        history(video, n)
        pending = video.collect_events()
        library.save(*pending)
        events += len(pending)
    return events, time.perf_counter() - started


def raw_ceiling(database: Path, folder: Path) -> tuple[int, float]:
    with sqlite3.connect(database) as source:
        rows = source.execute("SELECT * FROM stored_events").fetchall()
    target = sqlite3.connect(folder / "ceiling.db")
    target.execute(
        "CREATE TABLE stored_events (originator_id TEXT, originator_version INTEGER, "
        "topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    started = time.perf_counter()
    with target:
        target.executemany("INSERT INTO stored_events VALUES (?, ?, ?, ?)", rows)
    elapsed = time.perf_counter() - started
    target.close()
    return len(rows), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings(data_dir=folder)
        library = VideoLibrary(env=event_store_env(settings))
        events, write_s = write(library, args.videos)
        print(f"videos: {args.videos}, events: {events}")
        write_rate = events / write_s
        print(f"write through the application: {write_rate:10,.0f} events/s ({write_s:.1f} s)")
        ceiling_rows, ceiling_s = raw_ceiling(settings.event_store_path, folder)
        ceiling = ceiling_rows / ceiling_s
        print(f"raw sqlite3 executemany:       {ceiling:10,.0f} events/s ({ceiling_s:.2f} s)")
        views = Projections.open(library)
        started = time.perf_counter()
        read = views.catch_up(library)
        replay_s = time.perf_counter() - started
        print(
            f"full replay of the views:      {read / replay_s:10,.0f} events/s ({replay_s:.1f} s)"
        )
        print(
            f"ratios: write/ceiling {write_rate / ceiling:.4f}, "
            f"replay/ceiling {read / replay_s / ceiling:.4f}"
        )
        month = START + timedelta(days=150), START + timedelta(days=181)
        started = time.perf_counter()
        window = views.metrics.between(*month)
        report = build_report(views.videos, window, *month, datetime.now(UTC))
        query_s = time.perf_counter() - started
        print(
            f"one-month compliance report: {len(report.rows)} videos in {query_s * 1000:.1f} ms "
            f"= {100 * query_s / replay_s:.2f} % of the full replay (target < 1 %)"
        )


if __name__ == "__main__":
    main()
