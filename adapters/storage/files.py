"""The file store: originals in ``raw/``, outputs in ``anonymized/``, raw copies in ``quarantine/``.

File names inside the data dir are the video id only: an input's own name may contain a
patient's name, so it is never stored, logged or shown beyond the user who gave it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import socket
import stat
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from adapters.storage.atomic import (
    PRIVATE_FILE,
    copy_atomically,
    fsync_dir,
    pid_alive,
    private_dirs,
    publish,
)
from domain.errors import InputRejected
from domain.ports import Received
from domain.reasons import Reason
from domain.video import video_id_for

_CHUNK = 1 << 20
_HOST = socket.gethostname().replace("-", "_")
_SAFE_EXTENSION = re.compile(r"^\.[a-z0-9]{1,5}$")


class FileStore:
    """Implements the ``VideoStore`` port on a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._beside_copy: Callable[[], None] | None = None

    def work_beside_copies(self, work: Callable[[], None] | None) -> None:
        """Run ``work`` in a thread while each file is copied and hashed; joined before return.

        Copying and hashing wait mostly on the disk (both release the GIL), so CPU-bound
        start-up work (loading the modules that processing needs) fits beside them. ``work``
        must not raise what matters: its exceptions are swallowed, the real use reports them.
        """
        self._beside_copy = work

    def _start_beside_copy(self) -> threading.Thread | None:
        work = self._beside_copy
        if work is None:
            return None

        def run() -> None:
            with contextlib.suppress(Exception):
                work()

        thread = threading.Thread(target=run, name="beside-copy", daemon=True)
        thread.start()
        return thread

    def receive(self, source: str, admit: Callable[[str], bool] | None = None) -> Received:
        """Hash ``source`` while copying it to ``raw/``, in one streaming pass.

        The input is only read, never modified, moved or deleted. Bytes ``admit`` refuses
        (an erased video's) are discarded before they are ever published in ``raw/``.
        """
        path = Path(source)
        _check_importable(path)
        raw = self.data_dir / "raw"
        private_dirs(raw)
        # Named by host and pid: on shared storage only this host can tell whether it is dead.
        incoming = raw / f".incoming-{_HOST}-{os.getpid()}-{uuid.uuid4().hex}.partial"
        digest = hashlib.sha256()
        size = 0
        beside = self._start_beside_copy()
        try:
            fd = os.open(incoming, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
            with open(path, "rb") as src, open(fd, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
            if admit is not None and not admit(digest.hexdigest()):
                return Received(digest.hexdigest(), size, "", kept=False)
            video_id = video_id_for(digest.hexdigest())
            kept = next(raw.glob(f"{video_id}.*"), None)  # the same bytes, imported before
            if kept is None:
                kept = raw / f"{video_id}{_extension(path)}"
                publish(incoming, kept)
            original = f"raw/{kept.name}"
        except PermissionError:
            raise InputRejected(Reason.UNREADABLE, "permission denied") from None
        except IsADirectoryError:
            raise InputRejected(Reason.IS_DIRECTORY, "is a directory, not a video file") from None
        finally:
            incoming.unlink(missing_ok=True)
            if beside is not None:
                beside.join()
        return Received(digest.hexdigest(), size, original)

    def locate(self, location: str) -> str:
        """The absolute path of a stored location."""
        return str(self.data_dir / location)

    def anonymized_location(self, video_id: str) -> str:
        """``anonymized/<video_id>.mp4``."""
        return f"anonymized/{video_id}.mp4"

    def discard_partials(self, video_id: str) -> None:
        """Remove a dead run's temp files of this video (outputs, quarantine copies)."""
        for folder in ("anonymized", "quarantine"):
            for partial in (self.data_dir / folder).glob(f".{video_id}*.partial"):
                partial.unlink(missing_ok=True)

    def sweep(self) -> None:
        """Remove inputs half-copied by runs that died before registering them."""
        for partial in (self.data_dir / "raw").glob(f".incoming-{_HOST}-*.partial"):
            pid = partial.name.removeprefix(f".incoming-{_HOST}-").split("-")[0]
            if not (pid.isdigit() and pid_alive(int(pid))):
                partial.unlink(missing_ok=True)

    def delete_unanonymized(self, video_id: str, original: str) -> list[str]:
        """Delete ``raw/`` original and ``quarantine/`` copies of a video (erasure)."""
        doomed = [self.data_dir / original, *(self.data_dir / "quarantine").glob(f"{video_id}.*")]
        deleted = []
        for path in doomed:
            if path.exists():
                path.unlink()
                deleted.append(str(path.relative_to(self.data_dir)))
                fsync_dir(path.parent)
        return deleted

    def quarantine(self, video_id: str, original: str) -> str:
        """Copy the original to ``quarantine/<id>.NOT-ANONYMIZED<ext>``, atomically."""
        location = f"quarantine/{video_id}.NOT-ANONYMIZED{Path(original).suffix}"
        copy_atomically(self.data_dir / original, self.data_dir / location)
        return location


def _check_importable(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputRejected(Reason.MISSING_FILE, "no such file") from None
    except PermissionError:
        raise InputRejected(Reason.UNREADABLE, "permission denied") from None
    except OSError as error:
        raise InputRejected(Reason.UNREADABLE, os.strerror(error.errno or errno.EIO)) from None
    if stat.S_ISDIR(mode):
        raise InputRejected(Reason.IS_DIRECTORY, "is a directory, not a video file")
    if not stat.S_ISREG(mode):
        raise InputRejected(Reason.NOT_A_FILE, "is not a regular file")


def _extension(path: Path) -> str:
    suffix = path.suffix.lower()
    return suffix if _SAFE_EXTENSION.match(suffix) else ".bin"
