"""The CLI's last line of defence: every failure ends as one line on stderr, never a traceback.

A traceback would show the exception's message, and messages of file errors name the file: an
input's name may be a patient's name. Known failures (a full disk, a corrupt event store, a
refused key) get a sentence that says what to do; anything else gets its type only, and the
log gets the traceback's frames without any message (``adapters.logs``).
"""

from __future__ import annotations

import errno
import logging
import shutil
import sqlite3
from pathlib import Path

from eventsourcing.persistence import MapperDeserialisationError, PersistenceError

from adapters.storage.keys import StartRefused

log = logging.getLogger(__name__)

#: Exit codes: 2 for a set-up the user must fix (as for a read-only data dir), 1 otherwise.
SETUP_ERROR, UNEXPECTED_ERROR = 2, 1

_FULL_WORDS = ("database or disk is full", "no space left", "disk full")
_NEARLY_FULL = 1 << 20  # bytes: less than this left, and a write failed: the disk is full
_CORRUPT_WORDS = ("malformed", "not a database", "disk image", "file is encrypted", "corrupt")


def describe(error: BaseException, data_dir: Path) -> tuple[str, int]:
    """The one line for ``error`` (without the ``endoveil:`` prefix) and the exit code."""
    text = str(error).lower()
    if isinstance(error, StartRefused):
        return str(error), SETUP_ERROR
    if _is_disk_full(error, text) or _nearly_full(data_dir, error):
        return f"the disk is full: {_free(data_dir)} free in {data_dir}; free some space", 2
    if isinstance(error, sqlite3.DatabaseError | PersistenceError) and any(
        words in text for words in _CORRUPT_WORDS
    ):
        return (
            f"the event store {data_dir / 'events.sqlite'} is corrupt or truncated "
            f"({_first_line(error)}); restore it from a backup",
            SETUP_ERROR,
        )
    if isinstance(error, MapperDeserialisationError):
        return (
            "an event cannot be decrypted or decoded with this cipher key; "
            "the event store is damaged or was written with another key",
            SETUP_ERROR,
        )
    log.error("unexpected error (%s)", type(error).__name__, exc_info=error)
    return (
        f"unexpected error ({type(error).__name__}); the log has the details",
        UNEXPECTED_ERROR,
    )


def _is_disk_full(error: BaseException, text: str) -> bool:
    causes = [error, error.__cause__, error.__context__]
    if any(isinstance(c, OSError) and c.errno in (errno.ENOSPC, errno.EDQUOT) for c in causes):
        return True
    return isinstance(error, sqlite3.Error | PersistenceError) and any(
        words in text for words in _FULL_WORDS
    )


def _nearly_full(data_dir: Path, error: BaseException) -> bool:
    """A storage error on a (nearly) full disk: SQLite then often says only "disk I/O error"."""
    storage = isinstance(error, OSError | sqlite3.Error | PersistenceError)
    free = _free_bytes(data_dir)
    return storage and free is not None and free < _NEARLY_FULL


def _free_bytes(data_dir: Path) -> float | None:
    folder = next((p for p in (data_dir, *data_dir.parents) if p.exists()), Path("/"))
    try:
        return float(shutil.disk_usage(folder).free)
    except OSError:
        return None


def _free(data_dir: Path) -> str:
    free = _free_bytes(data_dir)
    if free is None:
        return "unknown space"
    unit = "bytes"
    for unit in ("bytes", "KB", "MB", "GB"):
        if free < 1024 or unit == "GB":
            break
        free /= 1024
    return f"{free:.0f} bytes" if unit == "bytes" else f"{free:.1f} {unit}"


def _first_line(error: BaseException) -> str:
    """The database's own words, which name no input file (only the store's own errors)."""
    lines = str(error).strip().splitlines()
    return lines[0][:120] if lines else type(error).__name__
