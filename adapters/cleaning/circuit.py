"""A circuit breaker for Ollama, persisted in the data directory across CLI invocations.

After ``threshold`` consecutive Ollama failures the circuit opens: level 1 is skipped at
once for ``cooldown_s``. Then one caller gets to probe (the circuit is *half-open*; others
keep skipping while the probe is leased); its outcome closes the circuit or opens it again.

The state is a small JSON file, read and rewritten under an exclusive ``flock`` and
replaced atomically, so two processes never lose an update or see half a file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from adapters.storage.atomic import publish


@dataclass(frozen=True)
class CircuitState:
    """What the file holds.

    Attributes:
        failures: consecutive Ollama failures.
        opened_at: wall-clock time the circuit opened, or None while closed.
        probe_until: a probe is running until then (wall clock), or None.
        last_reason: reason code of the last failure (never patient data).
    """

    failures: int = 0
    opened_at: float | None = None
    probe_until: float | None = None
    last_reason: str | None = None


@dataclass(frozen=True)
class Admission:
    """Whether level 1 may run now; when not, in how many seconds it may."""

    allowed: bool
    probe: bool = False
    retry_in_s: float = 0.0


class CircuitBreaker:
    """Counts Ollama failures in ``path`` and decides whether level 1 may run.

    Args:
        path: the JSON state file (its directory must be writable).
        threshold: consecutive failures that open the circuit.
        cooldown_s: how long an open circuit skips level 1 before a probe.
        probe_lease_s: how long a probe may take before another caller may probe.
        clock: wall-clock seconds (shared between processes, hence not monotonic).
    """

    def __init__(
        self,
        path: Path,
        threshold: int = 3,
        cooldown_s: float = 60.0,
        probe_lease_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.threshold = max(1, threshold)
        self.cooldown_s = cooldown_s
        self.probe_lease_s = probe_lease_s
        self._clock = clock

    def state(self) -> CircuitState:
        """The stored state (closed when the file is missing or unreadable)."""
        try:
            raw = json.loads(self.path.read_text())
            return CircuitState(**{k: raw[k] for k in asdict(CircuitState()) if k in raw})
        except (OSError, ValueError, TypeError):
            return CircuitState()

    def describe(self) -> tuple[str, float]:
        """``closed``, ``open`` or ``half_open``, and seconds until a probe may run."""
        state, now = self.state(), self._clock()
        if state.opened_at is None:
            return "closed", 0.0
        wait = state.opened_at + self.cooldown_s - now
        if state.probe_until is not None and state.probe_until > now:
            return "half_open", max(0.0, wait, state.probe_until - now)
        return ("open", wait) if wait > 0 else ("half_open", 0.0)

    def admit(self) -> Admission:
        """Whether level 1 may run now; claims the probe when the cool-down is over."""
        state = self.state()  # fast path without the lock: closed or clearly open
        now = self._clock()
        if state.opened_at is None:
            return Admission(True)
        if now < state.opened_at + self.cooldown_s:
            return Admission(False, retry_in_s=state.opened_at + self.cooldown_s - now)
        with self._locked():
            state, now = self.state(), self._clock()
            if state.opened_at is None:
                return Admission(True)
            wait = state.opened_at + self.cooldown_s - now
            if state.probe_until is not None and state.probe_until > now:
                return Admission(False, retry_in_s=max(wait, state.probe_until - now))
            if wait > 0:
                return Admission(False, retry_in_s=wait)
            self._write(CircuitState(**{**asdict(state), "probe_until": now + self.probe_lease_s}))
            return Admission(True, probe=True)

    def record(self, ollama_failed: bool, reason: str | None = None) -> CircuitState:
        """Count one outcome: a failure opens the circuit at the threshold, a success closes it."""
        with self._locked():
            state = self.state()
            if not ollama_failed:
                new = CircuitState()
            else:
                failures = state.failures + 1
                opened = self._clock() if failures >= self.threshold else None
                new = CircuitState(failures, opened, None, reason)
            if new != state:
                self._write(new)
            return new

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(f".{self.path.name}.lock")
        fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)  # private
        with open(fd, "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _write(self, state: CircuitState) -> None:
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(asdict(state)))
        publish(temp, self.path)
