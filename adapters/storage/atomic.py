"""Atomic file publication: a reader sees either nothing or the complete file."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

_CHUNK = 1 << 20
#: Modes of everything endoveil creates in the data dir: it holds patient videos.
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700


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
    """Fsync ``temp``, make it private (0600), rename it onto ``target``, fsync the directory.

    Whoever wrote ``temp`` (this process, ffmpeg) created it under some umask; what is
    published in the data dir is readable by its owner only, whatever that umask was.
    """
    with open(temp, "rb+") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE)
        os.fsync(handle.fileno())
    os.replace(temp, target)
    fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_target(target: Path) -> Iterator[Path]:
    """Yield a temp path to write; publish it onto ``target`` only if the block succeeds.

    On any exception the temp file is removed, so no partial output is ever visible.
    """
    private_dirs(target.parent)
    temp = temp_path_for(target)
    try:
        yield temp
        publish(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def private_dirs(folder: Path) -> None:
    """Create ``folder`` (and missing parents) with mode 0700, whatever the umask."""
    if folder.is_dir():
        return
    private_dirs(folder.parent)
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=PRIVATE_DIR)
        os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is masked by the umask; 0700 is meant


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
