"""Fakes that implement the domain's ports, for fast unit tests (no files, no video)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.errors import InputRejected
from domain.ports import LevelResult, Probe, Received


@dataclass
class FakeLevel:
    """A level (cleaner or masker) that gives a fixed result and records its calls."""

    result: LevelResult
    calls: list[str] = field(default_factory=list)
    crash: Exception | None = None

    def _run(self, video_id: str, source: str, target: str) -> LevelResult:
        self.calls.append(video_id)
        if self.crash is not None:
            raise self.crash
        return self.result

    clean = _run
    mask = _run


def succeeding(reason: str = "masked") -> FakeLevel:
    """A level that produces its output."""
    return FakeLevel(LevelResult.ok("unused", reason, "Done.", {"profile": "fake@1"}))


def failing(reason: str) -> FakeLevel:
    """A level that ends without output for ``reason``."""
    return FakeLevel(LevelResult.failed(reason, f"Failed: {reason}.", {"engine": "fake"}))


@dataclass
class FakeClock:
    """A ``Clock`` that stands still until the test moves it (leases lapse without sleeping)."""

    at: datetime = field(default_factory=lambda: datetime(2026, 11, 26, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` on."""
        self.at += timedelta(seconds=seconds)


@dataclass
class FakeProbe:
    """Says every file is a video, except those whose content hash is listed as bad."""

    bad: dict[str, str] = field(default_factory=dict)

    def probe(self, path: str) -> Probe:
        reason = self.bad.get(path.rsplit("/", 1)[-1].removesuffix(".mp4"))
        if reason:
            return Probe(False, reason, f"The file is not a usable video ({reason}).")
        return Probe(True, width=64, height=48, fps=25.0, frames=25)


@dataclass
class FakeStore:
    """A video store over a dict of named inputs."""

    inputs: dict[str, bytes] = field(default_factory=dict)
    quarantined: list[str] = field(default_factory=list)
    quarantine_error: OSError | None = None
    discarded: list[str] = field(default_factory=list)

    def receive(self, source: str, admit: Callable[[str], bool] | None = None) -> Received:
        if source not in self.inputs:
            raise InputRejected("missing_file", "no such file")
        content = self.inputs[source]
        sha = hashlib.sha256(content).hexdigest()
        if admit is not None and not admit(sha):
            return Received(sha, len(content), "", kept=False)
        return Received(sha, len(content), f"raw/{sha}.mp4")

    def locate(self, location: str) -> str:
        return f"/data/{location}"

    def anonymized_location(self, video_id: str) -> str:
        return f"anonymized/{video_id}.mp4"

    def discard_partials(self, video_id: str) -> None:
        self.discarded.append(video_id)

    def sweep(self) -> None:
        self.discarded.append("*")

    def delete_unanonymized(self, video_id: str, original: str) -> list[str]:
        return [original]

    def quarantine(self, video_id: str, original: str) -> str:
        if self.quarantine_error is not None:
            raise self.quarantine_error
        self.quarantined.append(video_id)
        return f"quarantine/{video_id}.NOT-ANONYMIZED.mp4"


@dataclass
class FakeProcesses:
    """The ``Processes`` port over a set of pids known to be gone on host ``here``."""

    host: str = "here"
    pid: int = 100
    dead: set[int] = field(default_factory=set)

    def gone(self, host: str | None, pid: int | None) -> bool:
        return host == self.host and pid in self.dead
