"""A hard deadline for level 1: the work runs in a child process that is killed at the end.

A thread cannot be stopped and a socket read can hang past any client timeout, so the
only deadline that really ends the work is a process one. The child is a fresh interpreter
(``python -m adapters.cleaning.child``: nothing inherited, and unlike ``multiprocessing``'s
``spawn`` it never re-runs the caller's ``__main__``) in its own session, so that killing
its process group also kills the ffmpeg it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

from adapters.cleaning.child import Job, Outcome
from domain.ports import LevelFailure
from domain.reasons import Reason

_ROOT = str(Path(__file__).resolve().parents[2])  # holds the adapters package
_REAP_S = 5.0


def run_with_budget(job: Job, budget_s: float) -> Outcome:
    """Run ``job`` in a child process; kill it (and its children) after ``budget_s`` seconds.

    Raises:
        LevelFailure: the job failed, crashed, or ran out of time (``cleaning_timeout``).
    """
    job = replace(job, deadline_s=budget_s)
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": _ROOT + (os.pathsep + path if path else "")}
    child = subprocess.Popen(
        [sys.executable, "-m", "adapters.cleaning.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    try:
        out, _ = child.communicate(json.dumps(asdict(job)).encode(), timeout=max(0.0, budget_s))
    except subprocess.TimeoutExpired:
        _kill(child)
        raise LevelFailure(
            Reason.CLEANING_TIMEOUT,
            f"Frame cleaning did not finish within {budget_s:g} s; stopped.",
        ) from None
    except BaseException:  # interrupted (Ctrl-C): never leave the child running
        _kill(child)
        raise
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
