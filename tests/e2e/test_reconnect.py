"""A worker and ``project --follow`` outlive their database connections (issue 17, item 5).

Each runs in a process of its own under an ``application_name`` of its own (libpq reads
``PGAPPNAME``), so the test ends exactly that process's sessions with ``pg_terminate_backend``,
as a database restart or failover would, and nobody else's. Both are given a poll interval
far beyond the deadline: only a working LISTEN connection (or the look after reconnecting)
brings the video appended afterwards in time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from adapters.bootstrap import Services
from adapters.demo.synthetic import circle_layout, make_video
from adapters.settings import Settings
from domain.rulebook import State
from tests.backends import POSTGRES_URL, OnPostgres, Wire, store_env
from tests.e2e.cli import closed_port

DEADLINE_S = 90.0  # a bound for a loaded machine, not a speed target
POLL_S = str(10 * DEADLINE_S)


@contextmanager
def running(settings: Settings, *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``endoveil ARGS`` in a process whose every connection is named by a fresh name."""
    name = f"endoveil-test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, **store_env(settings), "PGAPPNAME": name,
           "OLLAMA_HOST": f"http://127.0.0.1:{closed_port()}"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", "--data-dir", str(settings.data_dir), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield process, name
    finally:
        process.terminate()
        process.communicate(timeout=30)


def terminate_sessions(name: str) -> int:
    """End every session named ``name`` (the process under test's); how many there were.

    Returns once they are gone: ``pg_terminate_backend`` only signals a backend, and one that
    still delivers a notification would let a follower without reconnection pass.
    """
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        pids = [pid for (pid,) in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [name])]  # fmt: skip
        for pid in pids:
            connection.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + DEADLINE_S
        while connection.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]
        ).fetchall():
            assert time.monotonic() < deadline, "the sessions did not end"
            time.sleep(0.01)
    return len(pids)


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    """Until ``condition()`` holds; fails at the deadline or when ``process`` has ended."""
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"the process ended ({process.returncode}): {err[-2000:]}")
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


class ReconnectContract(OnPostgres):
    def test_worker_carries_on_after_its_sessions_are_ended(
        self, settings: Settings, wire: Wire, tmp_path: Path
    ) -> None:
        services = wire()
        junk = tmp_path / "junk.mp4"  # fails at once (not a video): the worker is up
        junk.write_bytes(b"not a video at all" * 100)
        clip = make_video(tmp_path / "v.mp4", circle_layout(320, 240, name="reconnect"),
                          seconds=0.4, seed=7).path  # fmt: skip
        with running(settings, "worker", "--poll", POLL_S) as (worker, name):
            first = self._enqueue(services, junk)
            wait_for(lambda: self._finished(services, first), worker, "first video not done")
            assert terminate_sessions(name) >= 1  # at least its LISTEN connection
            second = self._enqueue(services, clip)
            wait_for(lambda: self._finished(services, second), worker, "worker did not carry on")
            assert worker.poll() is None
        assert services.library.get(first).state is State.FAILED
        assert services.library.get(second).state is State.ARCHIVED  # the whole chain ran

    def test_follower_carries_on_after_its_sessions_are_ended(self, settings: Settings,
                                                             wire: Wire) -> None:  # fmt: skip
        services = wire()
        with running(settings, "project", "--follow", "--interval", POLL_S) as (follower, name):
            assert follower.stdout is not None
            assert "following the event log" in follower.stdout.readline()
            for n in range(3):
                if n:
                    assert terminate_sessions(name) >= 1
                video_id, _ = services.library.register(f"{n:02d}" * 32, 1, f"raw/{n}.mp4")
                # this process reads the views and never catches them up itself
                wait_for(lambda v=video_id: services.projections.videos.get(str(v)) is not None,  # type: ignore[misc]
                         follower, f"video {n} not projected")  # fmt: skip

    @staticmethod
    def _enqueue(services: Services, clip: Path) -> uuid.UUID:
        report = services.importer.enqueue(str(clip))
        assert report.state is State.RECEIVED, report
        return uuid.UUID(str(report.video_id))

    @staticmethod
    def _finished(services: Services, video_id: uuid.UUID) -> bool:
        return services.library.get(video_id).state in (State.ARCHIVED, State.FAILED)


@pytest.mark.slow
class TestReconnectOnPostgres(ReconnectContract):
    pass
