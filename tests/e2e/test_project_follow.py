"""``endoveil project --follow`` in a process of its own keeps the views up with the log.

On PostgreSQL it wakes on the event store's notifications: the test gives it a poll interval
far longer than its deadline, so only a notification can bring the views up in time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.bootstrap import build
from adapters.settings import Settings
from tests.backends import settings_for

DEADLINE_S = 10.0


def _env(settings: Settings) -> dict[str, str]:
    env = {**os.environ}
    if settings.event_store.startswith("postgresql"):
        env["ENDOVEIL_EVENT_STORE"] = settings.event_store
        env["ENDOVEIL_POSTGRES_SCHEMA"] = settings.postgres_schema
    return env


class FollowContract:
    backend: str
    interval: float

    def test_the_views_follow_every_new_video(self, tmp_path: Path) -> None:
        for settings in settings_for(self.backend, tmp_path / "data"):
            services = build(settings)
            follower = subprocess.Popen(
                [sys.executable, "-m", "adapters.cli", "--data-dir", str(settings.data_dir),
                 "project", "--follow", "--interval", str(self.interval)],
                env=_env(settings), stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            try:
                assert follower.stdout is not None
                assert "following the event log" in follower.stdout.readline()
                for n in range(3):
                    video_id, _ = services.library.register(f"{n:02d}" * 32, 1, f"raw/{n}.mp4")
                    self._wait_for_view(services, str(video_id))
            finally:
                follower.terminate()
                follower.communicate(timeout=10)
                services.library.close()

    @staticmethod
    def _wait_for_view(services: object, video_id: str) -> None:
        deadline = time.monotonic() + DEADLINE_S
        views = services.projections.videos  # type: ignore[attr-defined]
        while views.get(video_id) is None:  # this process never catches up itself
            assert time.monotonic() < deadline, "the follower did not project the new video"
            time.sleep(0.05)


class TestFollowOnSQLite(FollowContract):
    backend = "sqlite"
    interval = 0.2


@pytest.mark.postgres
class TestFollowOnPostgres(FollowContract):
    backend = "postgres"
    interval = 6 * DEADLINE_S  # only a notification can wake it before the deadline
