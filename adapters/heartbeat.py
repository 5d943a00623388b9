"""The watcher's heartbeat: a small file in the data dir that ``GET /metrics`` exports.

The watcher and the API are different processes (often different units), so the watcher says
it is alive through the data dir both share; the file is replaced atomically, so a scrape never
reads half a number.
"""

from __future__ import annotations

import time
from pathlib import Path

from adapters.storage.atomic import atomic_target

#: The heartbeat file's name inside the data dir.
HEARTBEAT_FILE = "watcher.heartbeat"


def write_heartbeat(data_dir: Path, now: float | None = None) -> None:
    """Record that the watcher is alive at ``now`` (default: the wall clock), atomically."""
    with atomic_target(data_dir / HEARTBEAT_FILE) as temp:
        temp.write_text(repr(time.time() if now is None else now))


def last_heartbeat(data_dir: Path) -> float | None:
    """When the watcher was last alive (Unix seconds), or None if no watcher ever ran here."""
    try:
        return float((data_dir / HEARTBEAT_FILE).read_text())
    except (OSError, ValueError):  # no watcher yet, or a file someone else wrote
        return None
