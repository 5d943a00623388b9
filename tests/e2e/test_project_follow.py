"""``endoveil project --follow`` in a process of its own keeps the views up with the log.

On PostgreSQL it wakes on the event store's notifications: the test gives it a poll interval
far longer than its deadline, so only a notification can bring the views up in time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import ClassVar

from adapters.settings import Settings
from tests.backends import OnBackend, OnPostgres, OnSQLite, Wire, store_env

DEADLINE_S = 10.0


class FollowContract(OnBackend):
    interval: ClassVar[float]

    def test_the_views_follow_every_new_video(self, settings: Settings, wire: Wire) -> None:
        services = wire()
        follower = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "--data-dir", str(settings.data_dir),
             "project", "--follow", "--interval", str(self.interval)],
            env={**os.environ, **store_env(settings)}, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert follower.stdout is not None
            assert "following the event log" in follower.stdout.readline()
            for n in range(3):
                video_id, _ = services.library.register(f"{n:02d}" * 32, 1, f"raw/{n}.mp4")
                deadline = time.monotonic() + DEADLINE_S
                # this process reads the views and never catches them up itself
                while services.projections.videos.get(str(video_id)) is None:
                    assert time.monotonic() < deadline, "the follower did not project it"
                    time.sleep(0.05)
        finally:
            follower.terminate()
            follower.communicate(timeout=10)


class TestFollowOnSQLite(OnSQLite, FollowContract):
    interval = 0.2


class TestFollowOnPostgres(OnPostgres, FollowContract):
    interval = 6 * DEADLINE_S  # only a notification can wake it before the deadline
