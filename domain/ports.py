"""Ports: the small roles the pipeline needs from the outside world.

Adapters implement them; tests use fakes (``tests/fakes.py``). Paths cross the ports as
plain strings so that the domain knows no filesystem layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from domain.reasons import Reason


@dataclass(frozen=True)
class LevelResult:
    """What one level of the chain did to one video.

    Attributes:
        succeeded: the level wrote a complete, verified, anonymized output.
        reason: the reason code (``Reason.OLLAMA_UNAVAILABLE``, ``Reason.ROI_UNCERTAIN``...).
        detail: one short human sentence, never patient data.
        versions: what ran (``masking_profile``, ``ffmpeg``, ``ocr``, ``model``...).
        output: path of the written output when ``succeeded``.
        verification: the level's check of its own output: ``passed``, ``failed`` or None
            when the level did not get as far as checking.
        patient_metadata: what level 1 read about the patient (names, dates, device);
            patient data: it goes only into the encrypted events, never logs or projections.
    """

    succeeded: bool
    reason: Reason
    detail: str
    versions: dict[str, str] = field(default_factory=dict)
    output: str | None = None
    verification: str | None = None
    patient_metadata: dict[str, str | None] | None = field(default=None, repr=False)

    @classmethod
    def ok(
        cls, output: str, reason: Reason, detail: str, versions: dict[str, str] | None = None
    ) -> LevelResult:
        """A level that produced ``output`` and checked it."""
        return cls(True, reason, detail, dict(versions or {}), output, "passed")

    @classmethod
    def failed(
        cls,
        reason: Reason,
        detail: str,
        versions: dict[str, str] | None = None,
        verification: str | None = None,
    ) -> LevelResult:
        """A level that ended without output, for ``reason``."""
        return cls(False, reason, detail, dict(versions or {}), None, verification)


class LevelFailure(Exception):
    """A level of the chain gives up for an expected reason: a reason code and a sentence.

    One type for level 1 and level 2 alike, beside :class:`LevelResult` because that is what
    it becomes: the level's entry point catches it and returns :meth:`result`, so an expected
    failure never escapes a level as an exception (unexpected ones are the chain's business).

    Args:
        reason: the reason code (``Reason.OLLAMA_TIMEOUT``, ``Reason.ROI_UNCERTAIN``...).
        detail: one short human sentence, never patient data.
    """

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail

    def result(
        self, versions: dict[str, str] | None = None, verification: str | None = None
    ) -> LevelResult:
        """The level's result for this failure, with what ran and how far the check got."""
        return LevelResult.failed(self.reason, self.detail, versions, verification)


class Clock(Protocol):
    """Where the application reads the time: claims, leases, erasure and event timestamps."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The wall clock, in UTC (what the composition root wires)."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


@dataclass(frozen=True)
class Probe:
    """What a quick look at a file says about it as a video."""

    readable: bool
    reason: Reason | None = None
    detail: str = ""
    width: int = 0
    height: int = 0
    fps: float = 0.0
    frames: int = 0


class MetadataVault(Protocol):
    """Seals patient metadata with a key of the video's own, which erasure shreds."""

    def seal(self, video_id: str, metadata: dict[str, Any]) -> str:
        """Encrypt ``metadata`` with the video's key."""
        ...

    def unseal(self, video_id: str, sealed: str) -> dict[str, Any] | None:
        """Decrypt; None once the key was shredded."""
        ...

    def shred(self, video_id: str) -> bool:
        """Delete the video's key; return whether there was one."""
        ...


class FrameCleaner(Protocol):
    """Level 1: find text on frames, classify it with a language model, mask it."""

    def clean(self, video_id: str, source: str, target: str) -> LevelResult:
        """Write an anonymized copy of ``source`` to ``target`` or say why not."""
        ...


class Masker(Protocol):
    """Level 2: deterministic masking of everything outside the endoscope image."""

    def mask(self, video_id: str, source: str, target: str) -> LevelResult:
        """Write a masked copy of ``source`` to ``target`` or say why not."""
        ...


class VideoProbe(Protocol):
    """Tells whether a file is a decodable video, without reading it whole."""

    def probe(self, path: str) -> Probe:
        """Look at ``path``; never raises for bad content."""
        ...


class Processes(Protocol):
    """Which process this is, and whether the process behind a claim is gone.

    A run records its host and pid in its claim; a run of this host whose process no longer
    exists (killed, crashed) is taken over at once instead of after its whole lease.
    """

    @property
    def host(self) -> str:
        """The name of the host the process runs on."""
        ...

    @property
    def pid(self) -> int:
        """The pid of the running process."""
        ...

    def gone(self, host: str | None, pid: int | None) -> bool:
        """True only for a process of this host that no longer runs (unknown: False)."""
        ...


@dataclass(frozen=True)
class Received:
    """An input file taken in: its content hash, its size and where the original is kept."""

    sha256: str
    size: int
    original: str
    #: False when ``admit`` refused the bytes: nothing was kept (``original`` is then "").
    kept: bool = True


class VideoStore(Protocol):
    """Where originals, anonymized outputs and quarantined raw copies live.

    Locations are relative names (``raw/<id>.mp4``) that :meth:`locate` resolves, so that
    events never hold a machine's absolute paths or an input's file name.
    """

    def receive(self, source: str, admit: Callable[[str], bool] | None = None) -> Received:
        """Hash ``source`` in a stream and keep an unmodified copy of it as the original.

        With ``admit``, the copy is kept only if ``admit(sha256)`` is true once the hash is
        known (the bytes of an erased video are not): ``Received.kept`` says which.

        Raises:
            InputRejected: the path is missing, a directory or unreadable.
        """
        ...

    def locate(self, location: str) -> str:
        """The absolute path of a stored location."""
        ...

    def anonymized_location(self, video_id: str) -> str:
        """Where the anonymized output of a video goes."""
        ...

    def discard_partials(self, video_id: str) -> None:
        """Remove temporary files a dead run of this video left behind."""
        ...

    def sweep(self) -> None:
        """Remove temporary files of inputs whose run died before registering them."""
        ...

    def delete_unanonymized(self, video_id: str, original: str) -> list[str]:
        """Delete the original and any quarantined raw copy; return what was deleted."""
        ...

    def quarantine(self, video_id: str, original: str) -> str:
        """Copy the original into quarantine atomically, marked not anonymized.

        Raises:
            OSError: the copy could not be made (the pipeline records it as ``failed``).
        """
        ...
