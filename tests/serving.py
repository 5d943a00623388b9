"""Running the real HTTP service on a free loopback port, and writing events fast."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import uvicorn

from domain.application import VideoLibrary
from domain.reasons import Reason
from domain.rulebook import Level
from domain.steps import Step
from domain.video import Video


def free_port() -> int:
    """A loopback port free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread; yield its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(10)


def record_import(library: VideoLibrary, n: int, outcome: str) -> Video:
    """Write the events of one import straight to the store: ``anonymized``, ``raw``,
    ``failed`` or ``processing`` (no video files; for read-side tests)."""
    video = Video(
        sha256=f"{n:064x}", size=n, original=f"raw/{n}.mp4", received_at=datetime.now(UTC)
    )
    if outcome == "failed":
        video.fail(Step(Reason.NOT_A_VIDEO, "The file cannot be opened as a video."))
    else:
        video.start_cleaning(Step(Reason.CHAIN_STARTED, "Started.", Level.FRAME_CLEANING))
    if outcome in ("anonymized", "raw"):
        video.fall_back(Step(Reason.OLLAMA_UNAVAILABLE, "Ollama could not be reached.",
                                      Level.FRAME_CLEANING, 0.05))  # fmt: skip
    if outcome == "anonymized":
        video.archive(Step(Reason.MASKED, "Masked.", Level.FALLBACK_BASIC, 2.5, {},
                                    f"anonymized/{video.id}.mp4", "passed"))  # fmt: skip
    elif outcome == "raw":
        video.copy_raw(Step(Reason.ROI_UNCERTAIN, "Uncertain.", Level.FALLBACK_BASIC, 0.3))
        video.archive(Step(Reason.RAW_COPY_QUARANTINED, "Quarantined.", Level.RAW_COPIED, 0.2,
                                    {}, f"quarantine/{video.id}.NOT-ANONYMIZED.mp4"))  # fmt: skip
    library.save(video)
    return video
