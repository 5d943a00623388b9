"""Level 1 of the chain: frame cleaning with OCR and a local Ollama language model.

In order, each step able to end level 1 with a reason code: the circuit breaker (skips at
once while Ollama keeps failing), the health check (Ollama reachable, the model present,
the OCR engine installed), then the cleaning itself in a child process under a hard
budget (:mod:`adapters.cleaning`). Expected failures never raise; they come back as a
failed ``LevelResult``. Logs name the video by id only and never hold OCR'd text.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.cleaning.circuit import CircuitBreaker
from adapters.cleaning.ollama_http import (
    OLLAMA_FAILURES,
    canonical,
    expected_errors,
    explain,
    unreachable,
)
from adapters.cleaning.ollama_http import base_url as base_url
from adapters.cleaning.ollama_http import public_host as public_host
from adapters.storage.atomic import atomic_target
from domain.ports import LevelFailure, LevelResult
from domain.reasons import Reason

# httpx, the ollama client, OpenCV and the child-process machinery are imported where level 1
# runs, not here: the composition root builds this cleaner for every CLI command.
if TYPE_CHECKING:
    import httpx

    from adapters.cleaning.child import Outcome
    from adapters.cleaning.sampling import SamplingPolicy

DEFAULT_MODEL = "qwen2.5:1.5b-instruct"
DEFAULT_OCR_ENGINE = "rapidocr_onnxruntime"
DEFAULT_BUDGET_S = 120.0
DEFAULT_BUDGET_PER_MINUTE_S = 60.0

log = logging.getLogger(__name__)


def _engine_installed(name: str) -> bool:
    """Whether module ``name`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a missing parent package, an empty name
        return False


class OllamaFrameCleaner:
    """``FrameCleaner`` backed by a local Ollama server and an OCR engine.

    Args:
        host: Ollama base URL, e.g. ``http://127.0.0.1:11434``.
        model: the language model that classifies OCR text.
        connect_timeout: seconds to wait for the TCP connection.
        read_timeout: seconds to wait for each answer; bounds a hanging server.
        ocr_engine: importable module name of the OCR engine.
        budget_s: the fixed part of level 1's budget for one video, health check included.
        budget_per_minute_s: added to the budget per minute of video (OCR and encoding grow
            with the length; a fixed budget fails every long video).
        on_progress: called with ``(video_id, frames_encoded, frames_total)``.
        circuit: the breaker shared by every process on this data dir, if any.
        policy: how pass 1 samples frames.
        clock: monotonic seconds, for the budget.

    """

    def __init__(
        self,
        host: str,
        model: str = DEFAULT_MODEL,
        connect_timeout: float = 2.0,
        read_timeout: float = 10.0,
        ocr_engine: str = DEFAULT_OCR_ENGINE,
        budget_s: float = DEFAULT_BUDGET_S,
        circuit: CircuitBreaker | None = None,
        policy: SamplingPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        budget_per_minute_s: float = DEFAULT_BUDGET_PER_MINUTE_S,
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        self._host = host
        self._model = model
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._ocr_engine = ocr_engine
        self._budget_s = budget_s
        self._circuit = circuit
        self._policy = policy  # None: the default policy, made when level 1 runs
        self._clock = clock
        self._per_minute_s = budget_per_minute_s
        self.on_progress = on_progress

    def clean(self, video_id: str, source: str, target: str) -> LevelResult:
        """Write an anonymized, verified copy of ``source`` to ``target`` or say why not.

        Args:
            video_id: the video, used in logs (file names never are).
            source: the original video.
            target: where the cleaned copy goes (published atomically, only when verified).

        Returns:
            ``frame_cleaned`` with the patient metadata, or a failed result with its reason.

        """
        deadline = self._clock() + self._budget_s
        versions = {"ollama_host": public_host(self._host), "model": self._model}
        if self._circuit is not None:
            admission = self._circuit.admit()
            if not admission.allowed:
                log.info("video %s: level 1 skipped: the Ollama circuit is open", video_id)
                return LevelResult.failed(
                    Reason.OLLAMA_CIRCUIT_OPEN,
                    f"Ollama failed repeatedly; level 1 is skipped for "
                    f"{admission.retry_in_s:.0f} s more.",
                    versions,
                )
        reached = False
        try:
            self._health(versions, deadline)
            reached = True
            outcome = self._work(video_id, source, Path(target), deadline)
        except LevelFailure as problem:
            self._record(reached, problem.reason)
            log.info("video %s: level 1 failed: %s", video_id, problem.reason)
            verification = "failed" if problem.reason == Reason.VERIFICATION_FAILED else None
            return problem.result(versions, verification)
        self._record(True, None)
        versions["ocr"] = outcome.ocr_engine
        log.info(
            "video %s: cleaned %d frames, %d lines masked, %d OCR calls, %d Ollama calls",
            video_id, outcome.frames, outcome.masked_lines, outcome.ocr_calls,
            outcome.ollama_calls,
        )  # fmt: skip
        detail = (
            f"Masked {outcome.masked_lines} text lines over {outcome.frames} frames "
            f"({outcome.visible_lines} harmless lines kept readable; {outcome.ocr_calls} OCR "
            f"and {outcome.ollama_calls} Ollama calls). Verified: {outcome.verification}."
        )
        result = LevelResult.ok(target, Reason.FRAME_CLEANED, detail, versions)
        return replace(result, patient_metadata=dict(outcome.metadata))

    def _record(self, reached: bool, reason: str | None) -> None:
        if self._circuit is None:
            return
        if reason in OLLAMA_FAILURES:
            self._circuit.record(True, reason)
        elif reached:  # Ollama did its part, whatever else went wrong
            self._circuit.record(False)

    def _timeout(self, deadline: float) -> httpx.Timeout:
        import httpx

        left = max(0.01, deadline - self._clock())
        return httpx.Timeout(min(self._read_timeout, left), connect=self._connect_timeout)

    def _health(self, versions: dict[str, str], deadline: float) -> None:
        """Raise ``LevelFailure`` unless Ollama, its model and the OCR engine are there."""
        try:
            url = base_url(self._host)
        except ValueError:
            raise LevelFailure(
                Reason.OLLAMA_UNAVAILABLE, "The Ollama host setting is not a valid URL."
            ) from None
        connect_s = max(0.01, min(self._connect_timeout, deadline - self._clock()))
        if unreachable(url, connect_s):  # what the client would say, without loading it
            raise LevelFailure(Reason.OLLAMA_UNAVAILABLE, "Ollama could not be reached.")
        import ollama

        try:
            with ollama.Client(host=url, timeout=self._timeout(deadline)) as client:
                listed = {canonical(m.model) for m in client.list().models if m.model}
        except expected_errors() as err:
            raise explain(err) from err
        versions["ollama"] = self._server_version(url, deadline)
        if not listed:
            raise LevelFailure(Reason.NO_MODELS, "Ollama has no models installed.")
        if canonical(self._model) not in listed:
            raise LevelFailure(
                Reason.MODEL_MISSING, f"Ollama does not have the model {self._model}."
            )
        if not _engine_installed(self._ocr_engine):
            raise LevelFailure(
                Reason.OCR_ENGINE_MISSING, f"The OCR engine {self._ocr_engine} is not installed."
            )

    def _server_version(self, url: str, deadline: float) -> str:
        """Ask ``/api/version`` for Ollama's version; ``unknown`` if it will not say."""
        import httpx

        unanswered: tuple[type[Exception], ...] = (*expected_errors(), AttributeError)
        try:
            with httpx.Client(base_url=url, timeout=self._timeout(deadline)) as http:
                answer = http.get("/api/version")
                answer.raise_for_status()
                version = answer.json().get("version")
        except unanswered:
            return "unknown"
        return version if isinstance(version, str) else "unknown"

    def _work(self, video_id: str, source: str, target: Path, deadline: float) -> Outcome:
        """Clean in a child process under what is left of the budget; publish atomically.

        The budget grows by ``budget_per_minute_s`` per minute of the video.
        """
        from adapters.cleaning.budget import run_with_budget
        from adapters.cleaning.child import Job
        from adapters.cleaning.sampling import SamplingPolicy
        from adapters.video.opencv_frames import UnreadableVideo, read_info

        try:
            info = read_info(source)  # cheap: fail here rather than in a child process
        except UnreadableVideo:
            raise LevelFailure(
                Reason.UNREADABLE_VIDEO, "The file cannot be opened as a video."
            ) from None
        if info.frames <= 0:
            raise LevelFailure(Reason.UNREADABLE_VIDEO, "The video declares no frames.")
        minutes = info.frames / info.fps / 60.0 if info.fps > 0 else 0.0
        budget = deadline - self._clock() + self._per_minute_s * minutes
        progress = self.on_progress

        def on_frames(done: int) -> None:
            if progress is not None:
                progress(video_id, done, info.frames)

        with atomic_target(target) as temp:
            job = Job(
                source=source,
                temp=str(temp),
                host=base_url(self._host),
                model=self._model,
                connect_timeout=self._connect_timeout,
                read_timeout=self._read_timeout,
                policy=self._policy or SamplingPolicy(),
            )
            return run_with_budget(job, budget, on_frames)
