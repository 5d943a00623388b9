"""``endoveil watch``: import the videos dropped into an inbox folder, each exactly once.

A file is taken only once it is completely written (its size and mtime seen unchanged
``stable_seconds`` apart), and only by one watcher: it is claimed by an atomic ``os.rename`` into
``processing/`` (of several watchers, exactly one rename succeeds). It then goes to ``done/``
or ``failed/``; an input is never deleted or overwritten. Importing the same bytes twice
anyway (another inbox, a manual ``endoveil import``) is a no-op thanks to the content-derived
video id and the event store's optimistic concurrency.

Only regular files directly in the inbox are considered: no symlinks, no sub-folders, no
hidden (``.``) files, which is where copy tools keep their partial uploads. Logs name videos
by id only: an input's file name may hold a patient's name.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from adapters.inbox_files import claim_name, move_without_overwrite, recover_orphans
from domain.importer import ImportReport
from domain.reasons import Reason
from domain.rulebook import TERMINAL_STATES

log = logging.getLogger(__name__)
_LOOK_AGAIN = 0.5  # seconds between looks at a video another run is working on


@dataclass(frozen=True)
class Handled:
    """One inbox file handled: where it went and what the import said."""

    name: str
    destination: Path
    report: ImportReport | None


@dataclass(frozen=True)
class _Waiting:
    """A claimed input whose video another run is still working on."""

    name: str
    video_id: UUID


class InboxWatcher:
    """Watches ``inbox`` and imports each completely written file once.

    Args:
        inbox: the folder to watch.
        import_file: imports one path (``Importer.import_file``).
        stable_seconds: how long size and mtime must be seen unchanged.
        done: where imported inputs go (default ``inbox/done``).
        failed: where inputs that failed go (default ``inbox/failed``).
        after_import: called after each import (e.g. to catch the views up).
        finish: ``finish(path, video_id)`` takes up a video another run was working on
            (``Importer.process``); by default the file is imported again.
        heartbeat: called on every wake-up of :meth:`run` (at least every ``poll_seconds``)
            to say the watcher is alive (``adapters.heartbeat.write_heartbeat``).
    """

    def __init__(
        self,
        inbox: Path,
        import_file: Callable[[str], ImportReport],
        stable_seconds: float = 2.0,
        done: Path | None = None,
        failed: Path | None = None,
        after_import: Callable[[], object] | None = None,
        finish: Callable[[str, UUID], ImportReport] | None = None,
        heartbeat: Callable[[], object] | None = None,
    ) -> None:
        self.inbox = inbox
        self.processing = inbox / "processing"
        self.done = done or inbox / "done"
        self.failed = failed or inbox / "failed"
        self.stable_seconds = stable_seconds
        self._import = import_file
        self._finish = finish or (lambda path, _video_id: import_file(path))
        self._after = after_import or (lambda: None)
        self._heartbeat = heartbeat or (lambda: None)
        self._seen: dict[str, tuple[tuple[int, int], float]] = {}
        self._waiting: dict[Path, _Waiting] = {}
        self._next_look = 0.0
        for folder in (self.inbox, self.processing, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)

    def recover_orphans(self) -> int:
        """Put back into the inbox the claims of watchers that died (their pid is gone)."""
        return recover_orphans(self.processing, self.inbox, self.failed)

    def scan_once(self) -> tuple[list[Handled], float | None]:
        """Handle every stable file; return them and the seconds until the next may be stable.

        A file is stable once its size and mtime were seen unchanged ``stable_seconds``
        apart: an mtime from the past proves nothing (NFS clock skew, copies keeping mtimes).
        """
        now = time.monotonic()
        handled = self._take_up_waiting(now)
        wait = None if not self._waiting else max(self._next_look - now, 0.0)
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
            stable_for = now - seen[1]
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
        claim, too_long = claim_name(name)
        claimed = self.processing / claim
        try:
            os.rename(self.inbox / name, claimed)  # atomic: one watcher wins the file
        except FileNotFoundError:
            return None  # another watcher claimed it
        except OSError as error:  # never with the name: it may be a patient's
            log.error("inbox: a file could not be claimed (%s)", os.strerror(error.errno or 0))
            return None
        report: ImportReport | None
        if too_long:
            why = Reason.FILE_NAME_TOO_LONG
            report = ImportReport(str(claimed), None, None, False, None, None, why, why.sentence)
        else:
            report = self._import_quietly(functools.partial(self._import, str(claimed)))
        return self._settle(claimed, name, report)

    def _import_quietly(self, work: Callable[[], ImportReport]) -> ImportReport | None:
        try:
            return work()
        except Exception:  # an unexpected bug must not stop the inbox; the input is kept
            log.exception("inbox: an import crashed; the input goes to failed/")
            return None

    def _settle(self, claimed: Path, name: str, report: ImportReport | None) -> Handled | None:
        """Move a handled claim to done/ or failed/; keep it while another run still works."""
        unfinished = report is not None and report.state not in (None, *TERMINAL_STATES)
        if unfinished and report is not None and report.video_id is not None:
            self._waiting[claimed] = _Waiting(name, report.video_id)  # another run works on it
            return None
        self._waiting.pop(claimed, None)
        ok = report is not None and not report.failed
        try:
            destination = move_without_overwrite(claimed, self.done if ok else self.failed, name)
        except OSError as error:  # kept in processing/; a restarted watcher takes it back
            log.error(
                "inbox: a handled file could not be moved (%s)", os.strerror(error.errno or 0)
            )
            return None
        if report is not None:
            state = report.state.value if report.state else "rejected"
            log.info("inbox: video %s %s (%s)", report.video_id, state, report.reason)
        self._after()
        return Handled(name, destination, report)

    def _take_up_waiting(self, now: float) -> list[Handled]:
        """Look again (at most every ``_LOOK_AGAIN`` s) at claims whose video was in work."""
        if now < self._next_look:
            return []
        self._next_look = now + max(self.stable_seconds, _LOOK_AGAIN)
        handled = []
        for claimed, waiting in list(self._waiting.items()):
            report = self._import_quietly(
                functools.partial(self._finish, str(claimed), waiting.video_id)
            )
            done = self._settle(claimed, waiting.name, report)
            if done is not None:
                handled.append(done)
        return handled

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
                self._heartbeat()
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
