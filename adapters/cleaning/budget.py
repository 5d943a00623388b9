"""A hard deadline for level 1: the work runs in a child process that is killed at the end.

A thread cannot be stopped and a socket read can hang past any client timeout, so the
only deadline that really ends the work is a process one. The child is a fresh interpreter
(``python -m adapters.cleaning.child``: nothing inherited, and unlike ``multiprocessing``'s
``spawn`` it never re-runs the caller's ``__main__``) in its own session, so that killing
its process group also kills the ffmpeg it started.

The child reports on a pipe of its own, one line each: ``frames N`` (encoded so far, for a
progress bar) and ``phase ollama`` / ``phase local`` (whether it waits for Ollama or works
itself). A budget that runs out while the child waits for Ollama is ``ollama_timeout`` (it
counts against Ollama's circuit); one that runs out in local work (OCR, encoding) is
``cleaning_timeout``, which says nothing about Ollama.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path

from adapters.cleaning.child import Job, Outcome
from domain.ports import LevelFailure
from domain.reasons import Reason

_ROOT = str(Path(__file__).resolve().parents[2])  # holds the adapters package
_REAP_S = 5.0


class _Reports:
    """Reads the child's report lines in a thread: the frames encoded and what it waits for."""

    def __init__(self, read_fd: int, on_frames: Callable[[int], None] | None) -> None:
        self.phase = "local"
        self._on_frames = on_frames
        self._thread = threading.Thread(target=self._read, args=(read_fd,), daemon=True)
        self._thread.start()

    def _read(self, read_fd: int) -> None:
        with open(read_fd, encoding="ascii", errors="replace") as lines:
            for line in lines:
                key, _, value = line.strip().partition(" ")
                if key == "phase":
                    self.phase = value
                elif key == "frames" and value.isdigit() and self._on_frames is not None:
                    self._on_frames(int(value))

    def join(self) -> None:
        self._thread.join(timeout=_REAP_S)


def run_with_budget(
    job: Job, budget_s: float, on_frames: Callable[[int], None] | None = None
) -> Outcome:
    """Run ``job`` in a child process; kill it (and its children) after ``budget_s`` seconds.

    ``on_frames`` is called with the frames encoded so far.

    Raises:
        LevelFailure: the job failed, crashed, or ran out of time (``ollama_timeout`` while it
            waited for Ollama, else ``cleaning_timeout``).
    """
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": _ROOT + (os.pathsep + path if path else "")}
    read_fd, write_fd = os.pipe()
    job = replace(job, deadline_s=budget_s, progress_fd=write_fd)
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "adapters.cleaning.child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            pass_fds=(write_fd,),
        )
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)  # the child holds it now; its end closes the reader's file
    reports = _Reports(read_fd, on_frames)
    try:
        out, _ = child.communicate(json.dumps(asdict(job)).encode(), timeout=max(0.0, budget_s))
    except subprocess.TimeoutExpired:
        _kill(child)
        reports.join()
        if reports.phase == "ollama":
            raise LevelFailure(
                Reason.OLLAMA_TIMEOUT, f"Ollama did not answer within the {budget_s:g} s budget."
            ) from None
        raise LevelFailure(
            Reason.CLEANING_TIMEOUT,
            f"Frame cleaning did not finish within {budget_s:g} s; stopped.",
        ) from None
    except BaseException:  # interrupted (Ctrl-C): never leave the child running
        _kill(child)
        raise
    reports.join()
    try:
        message = json.loads(out)
    except ValueError:  # the child died without a word (killed, out of memory)
        raise LevelFailure(Reason.UNEXPECTED_ERROR, "The frame-cleaning process died.") from None
    if "ok" in message:
        return Outcome(**message["ok"])
    reason, detail = message["failed"]
    raise LevelFailure(Reason(reason), str(detail))


def _kill(child: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group and reap the child."""
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(child.pid, signal.SIGKILL)
    child.communicate(timeout=_REAP_S)
