"""Several workers on one PostgreSQL event store: every video processed exactly once, a
worker killed mid-video replaced by another after its lease lapsed, views equal a replay."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from uuid import UUID

import pytest

from adapters.bootstrap import Services, build
from adapters.demo.synthetic import circle_layout, make_video
from domain.rulebook import State
from tests.backends import settings_for, store_env
from tests.e2e.cli import closed_port, endoveil

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
VIDEOS = 30


def _worker(data: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "--data-dir", str(data), "worker", "--poll",
         "0.1", "--idle-exit", "4"],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def test_three_workers_thirty_videos_one_killed(tmp_path: Path) -> None:
    layout = circle_layout(320, 240, name="worker")
    clips = [
        str(make_video(tmp_path / f"v{n}.mp4", layout, seconds=0.4, seed=100 + n).path)
        for n in range(VIDEOS)
    ]
    for settings in settings_for("postgres", tmp_path / "data"):
        env = {
            **store_env(settings),
            "ENDOVEIL_LEASE_SECONDS": "1.5",
            "OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}",
        }
        data = settings.data_dir
        queued = endoveil(data, "import", "--enqueue", "--json", *clips, env=env)
        assert queued.code == 0, queued.err
        assert {line["state"] for line in queued.json_lines()} == {"received"}

        services = build(settings)
        doomed = _worker(data, env)
        first = _first_claimed(services)  # worker 0 is the only one: this video is its
        doomed.kill()
        doomed.communicate()
        others = [_worker(data, env), _worker(data, env)]
        errors = [worker.communicate(timeout=600)[1] for worker in others]
        assert [w.returncode for w in others] == [0, 0], b"\n".join(errors).decode()[-3000:]

        for video_id in services.library.video_ids():
            history = list(services.library.history(video_id))
            names = Counter(type(event).__name__ for event in history)
            assert services.library.get(video_id).state is State.ARCHIVED
            assert names["Archived"] == 1 and names["CleaningStarted"] == 1, names
        taken = [e for e in services.library.history(first) if getattr(e, "taken_over_from", None)]
        assert taken, "the killed worker's video was not taken over"
        replay = endoveil(data, "replay", env=env)
        assert replay.code == 0 and "DIFFERENT" not in replay.out, replay.out
        services.library.close()


def _first_claimed(services: Services, limit: float = 60.0) -> UUID:
    """Wait until a video leaves ``received`` (claimed and started); return its id."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        for video_id in services.library.video_ids():
            if services.library.get(video_id).state is not State.RECEIVED:
                return video_id
        time.sleep(0.02)
    raise AssertionError("no worker claimed a video")
