"""Atomic file publication: a reader sees either nothing or the complete file."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

_CHUNK = 1 << 20


def temp_path_for(target: Path) -> Path:
    """A hidden temporary name beside ``target`` (same filesystem, so rename is atomic)."""
    return target.with_name(f".{target.name}.{os.getpid()}.partial")


def fsync_dir(directory: Path) -> None:
    """Persist a rename by syncing the directory entry."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(temp: Path, target: Path) -> None:
    """Fsync ``temp``, rename it onto ``target``, fsync the directory."""
    with open(temp, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temp, target)
    fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Yield a temp path to write; publish it onto ``target`` only if the block succeeds.

    On any exception the temp file is removed, so no partial output is ever visible.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path_for(target)
    try:
        yield temp
        publish(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def copy_atomically(source: Path, target: Path) -> None:
    """Stream-copy ``source`` to ``target`` through a temp file; never reads it whole."""
    with atomic_target(target) as temp, open(source, "rb") as src, open(temp, "wb") as dst:
        shutil.copyfileobj(src, dst, _CHUNK)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` (on this host) still runs, i.e. still writes its temp file."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, it is just not ours
        return True
    return True
