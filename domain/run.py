"""One run of the chain on one video: its claim, its writes and its heartbeat."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from uuid import UUID

from domain.application import VideoLibrary
from domain.errors import ClaimLost
from domain.rulebook import Command
from domain.steps import Step
from domain.video import Video


@dataclass
class Run:
    """Writes on behalf of one claim; ``run_id`` None means unclaimed (single-process use)."""

    library: VideoLibrary
    video_id: UUID
    run_id: str | None = None
    heartbeat_seconds: float = 60.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def apply(self, command: Command, step: Step) -> Video:
        """Give ``command`` under this run's claim."""
        with self._lock:
            return self.library.apply(self.video_id, command, step, self.run_id)

    def get(self) -> Video:
        """The video as it stands."""
        return self.library.get(self.video_id)

    @contextlib.contextmanager
    def heartbeat(self) -> Iterator[None]:
        """Renew the lease every ``heartbeat_seconds`` while a long level runs."""
        if self.run_id is None:
            yield
            return
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.heartbeat_seconds):
                with self._lock:
                    try:
                        self.library.renew(self.video_id, str(self.run_id))
                    except ClaimLost:
                        return  # the next write of the run will find out and stop it

        thread = threading.Thread(target=beat, name=f"lease-{self.video_id}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
