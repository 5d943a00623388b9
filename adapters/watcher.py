"""``endoveil watch``: import the videos dropped into an inbox folder, each exactly once.

A file is taken only once it is completely written (its size and mtime unchanged for
``stable_seconds``), and only by one watcher: it is claimed by an atomic ``os.rename`` into
``processing/`` (of several watchers, exactly one rename succeeds). It then goes to ``done/``
or ``failed/``; an input is never deleted or overwritten. Importing the same bytes twice
anyway (another inbox, a manual ``endoveil import``) is a no-op thanks to the content-derived
video id and the event store's optimistic concurrency.

Only regular files directly in the inbox are considered: no symlinks, no sub-folders, no
hidden (``.``) files, which is where copy tools keep their partial uploads. Logs name videos
by id only: an input's file name may hold a patient's name.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from adapters.storage.atomic import pid_alive
from domain.importer import ImportReport

log = logging.getLogger(__name__)
_SEP = "--"  # between the claim tag (pid-random) and the original name in processing/


@dataclass(frozen=True)
class Handled:
    """One inbox file handled: where it went and what the import said."""

    name: str
    destination: Path
    report: ImportReport | None


class InboxWatcher:
    """Watches ``inbox`` and imports each completely written file once.

    Args:
        inbox: the folder to watch.
        import_file: imports one path (``Importer.import_file``).
        stable_seconds: how long size and mtime must stay unchanged.
        done: where imported inputs go (default ``inbox/done``).
        failed: where inputs that failed go (default ``inbox/failed``).
        after_import: called after each import (e.g. to catch the views up).
    """

    def __init__(
        self,
        inbox: Path,
        import_file: Callable[[str], ImportReport],
        stable_seconds: float = 2.0,
        done: Path | None = None,
        failed: Path | None = None,
        after_import: Callable[[], object] | None = None,
    ) -> None:
        self.inbox = inbox
        self.processing = inbox / "processing"
        self.done = done or inbox / "done"
        self.failed = failed or inbox / "failed"
        self.stable_seconds = stable_seconds
        self._import = import_file
        self._after = after_import or (lambda: None)
        self._seen: dict[str, tuple[tuple[int, int], float]] = {}
        for folder in (self.inbox, self.processing, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)

    def recover_orphans(self) -> int:
        """Put back into the inbox the claims of watchers that died (their pid is gone)."""
        recovered = 0
        with os.scandir(self.processing) as entries:
            claims = list(entries)
        for entry in claims:
            tag, _, name = entry.name.partition(_SEP)
            pid = tag.split("-", 1)[0]
            if not name or not pid.isdigit() or pid_alive(int(pid)):
                continue
            target = self.inbox / name
            if target.exists():
                continue
            try:
                os.rename(entry.path, target)
                recovered += 1
            except FileNotFoundError:
                continue  # another watcher recovered it first
        return recovered

    def scan_once(self) -> tuple[list[Handled], float | None]:
        """Handle every stable file; return them and the seconds until the next may be stable."""
        handled, wait = [], None
        now_wall, now = time.time(), time.monotonic()
        names = set()
        with os.scandir(self.inbox) as scan:
            entries = list(scan)
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # claimed by another watcher since the listing
            names.add(entry.name)
            signature = (info.st_size, info.st_mtime_ns)
            seen = self._seen.get(entry.name)
            if seen is None or seen[0] != signature:
                seen = self._seen[entry.name] = (signature, now)
            stable_for = max(now - seen[1], now_wall - info.st_mtime)
            if stable_for < self.stable_seconds:
                left = self.stable_seconds - stable_for
                wait = left if wait is None else min(wait, left)
                continue
            done = self._handle(entry.name)
            if done is not None:
                handled.append(done)
        self._seen = {name: seen for name, seen in self._seen.items() if name in names}
        return handled, wait

    def _handle(self, name: str) -> Handled | None:
        claimed = self.processing / f"{os.getpid()}-{uuid.uuid4().hex[:12]}{_SEP}{name}"
        try:
            os.rename(self.inbox / name, claimed)  # atomic: one watcher wins the file
        except FileNotFoundError:
            return None  # another watcher claimed it
        report: ImportReport | None = None
        try:
            report = self._import(str(claimed))
        except Exception:  # an unexpected bug must not stop the inbox; the input is kept
            log.exception("inbox: an import crashed; the input goes to failed/")
        ok = report is not None and not report.failed
        destination = _move_without_overwrite(claimed, self.done if ok else self.failed, name)
        if report is not None:
            state = report.state.value if report.state else "rejected"
            log.info("inbox: video %s %s (%s)", report.video_id, state, report.reason)
        self._after()
        return Handled(name, destination, report)

    def run(self, stop: threading.Event, poll_seconds: float = 5.0) -> None:
        """Rescan on start, then scan whenever the inbox changes (or every ``poll_seconds``)."""
        self.recover_orphans()
        wake = threading.Event()
        observer = Observer()
        observer.schedule(_Wake(wake), str(self.inbox), recursive=False)
        observer.start()
        try:
            while not stop.is_set():
                wake.clear()
                _, wait = self.scan_once()
                timeout = poll_seconds if wait is None else min(poll_seconds, wait + 0.05)
                wake.wait(timeout)
        finally:
            observer.stop()
            observer.join()


class _Wake(FileSystemEventHandler):
    """Any change in the inbox wakes the scan loop (the scan itself decides what to do)."""

    def __init__(self, wake: threading.Event) -> None:
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.wake.set()


def _move_without_overwrite(source: Path, folder: Path, name: str) -> Path:
    """Move ``source`` into ``folder`` as ``name`` (``name.1``, ``name.2``... if taken)."""
    stem, suffix = os.path.splitext(name)
    for attempt in range(10_000):
        target = folder / (name if attempt == 0 else f"{stem}.{attempt}{suffix}")
        try:
            os.link(source, target)  # fails if the target exists: never overwrites
        except FileExistsError:
            continue
        except OSError as err:
            if err.errno != errno.EXDEV or target.exists():
                raise
            shutil.move(source, target)  # another file system: copy, then remove the claim
            return target
        os.unlink(source)
        return target
    raise FileExistsError(f"no free name in {folder}")
